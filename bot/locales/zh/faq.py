"""常见问题（加装电梯等）的文案。"""

TEXTS: dict[str, str] = {
    "help.faq": "提问（如：加装电梯要多少人同意）",
    "help.answer": "答复转给工作人员的居民提问",
    "faq.source": "依据：{source}；更新于 {updated}",
    "faq.usage": "请在 /faq 后面写上您的问题，例如：/faq 加装电梯要多少人同意？\n私聊时也可以直接发问题给我。",
    "faq.helpful": "这个回答对您有帮助吗？",
    "faq.yes": "有帮助",
    "faq.no": "没帮助",
    "faq.thanks": "谢谢您的反馈！",
    "faq.sorry": "抱歉没能帮上忙。可以换个说法再问，或者转给工作人员。",
    "faq.unsure": "我不太确定您问的是哪一个，您是想问下面这些问题吗？都不是的话，可以转给工作人员。",
    "faq.not_found": "这个问题我还答不上来。可以转给街道工作人员，他们答复后我会告诉您。发送 /help 可以看看我能做的其他事。",
    "faq.human": "转人工",
    "faq.handed_over": "已经转给工作人员了，答复后会发给您。",
    "faq.already_handed_over": "这个问题已经转给工作人员了，请耐心等待答复。",
    "faq.to_staff": "【居民提问 {ref}】{question}\n（提问人所在居委会：{committee}）\n请回复：/answer {id} 答复内容",
    "faq.staff_answer": "您之前问的：「{question}」\n工作人员答复：{answer}",
    "faq.answer_usage": "用法：/answer 编号 答复内容，例如：/answer 12 可以先到居委会登记。",
    "faq.no_such_handover": "没有编号为 {id} 的居民提问。",
    "faq.already_answered": "编号 {id} 的提问已经答复过了，不会重复发送。",
    "faq.answer_sent": "已把答复转给提问的居民（编号 {id}）。",
}

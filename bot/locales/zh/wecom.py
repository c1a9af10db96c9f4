"""企业微信的文案：卡片按钮、紧急标记，以及发不出的附件的说明。"""

TEXTS: dict[str, str] = {
    "wecom.urgent": "【紧急】",
    "wecom.choose": "请点选下面的按钮，或回复选项的数字：",
    "wecom.chosen": "已选择",
    "wecom.photo": "[图片：{name}]",
    "wecom.document": "[文件：{name}]",
}

"""意见征询：简单投票、按门栋征询加装电梯等事项的意向（民法典第278条双门槛）。"""

TEXTS: dict[str, str] = {
    # -- 命令说明 --------------------------------------------------------------------------------
    "polls.help.poll": (
        "意见征询：/poll 户号码 填写意见；主任和工作人员 /poll status 编号 查看进度"
    ),
    # -- 填写意见 --------------------------------------------------------------------------------
    "polls.title": "意见征询",
    "polls.ask_code": (
        "请输入征询函上的户号码（8位字母和数字，例如 K7PQ2XMA）。\n"
        "活动时间等投票请发送 /poll 编号。"
    ),
    "polls.household": "房屋",
    "polls.room_label": "{building} {room}室",
    "polls.ask_building_choice": (
        "{where} {room}室\n征询事项：{question}\n{previous}"
        "这是意向征询，为正式表决做准备，不是正式表决。请选择您家的意见："
    ),
    "polls.ask_simple_choice": "{where}\n{question}\n{previous}请选择：",
    "polls.previous": "（您之前的意见是「{answer}」，截止前可以修改，以最后一次为准。）\n",
    "polls.your_answer": "您的意见",
    "polls.choice.agree": "同意",
    "polls.choice.disagree": "不同意",
    "polls.choice.abstain": "弃权",
    "polls.answered": (
        "已记录：{where}「{answer}」。截止 {deadline} 前可以再次发送 /poll 修改，以最后一次为准。"
    ),
    "polls.answered_changed": (
        "已修改：{where} 现在的意见是「{answer}」。截止 {deadline} 前仍可修改，以最后一次为准。"
    ),
    "polls.totals_later": "汇总结果将在征询截止后公布。",
    "polls.code_wrong": "户号码不正确，请核对征询函上的户号码后重新输入。",
    "polls.locked": "户号码输错次数过多，请一小时后再试，或联系居委会。",
    "polls.closed": "「{title}」已截止，不再接受新的意见或修改。",
    "polls.not_found": "没有编号为 {id} 的意见征询。",
    "polls.not_for_you": "这次意见征询面向{committee}居民区的居民。",
    "polls.bad_choice": "请从给出的选项中选择。",
    "polls.private_only": "户号码请在与机器人的私聊中发送，不要发在群里。",
    "polls.status_private": "征询进度（含未答复的房号）只在私聊中查看，请私聊机器人发送 /poll status 编号。",
    "polls.status_usage": "请写上征询编号，例如：/poll status 3",
    "polls.result_usage": "请写上征询编号，例如：/poll result 3",
    "polls.not_your_committee": "只有街道工作人员和本居委会主任可以查看这次征询的进度。",
    "polls.options_count": "选项需要 {min}–{max} 个。",
    "polls.options_repeated": "选项不能重复。",
    # -- 汇总 ------------------------------------------------------------------------------------
    "polls.totals_head": "【意见征询】{title}\n{where}｜截止 {deadline}",
    "polls.option_line": "{label}：{count} 人",
    "polls.participation_line": (
        "参与：{count}/{households} 户（{count_percent}），面积 {area}/{total_area} m²"
        "（{area_percent}）— 参与门槛（户数、面积均达 2/3）：{ok}"
    ),
    "polls.agreement_line": (
        "同意：{count}/{participants} 户（{count_percent}），面积 {area}/{participant_area} m²"
        "（{area_percent}）— 同意门槛（参与者户数、面积均达 3/4）：{ok}\n"
        "不同意 {disagreed} 户，弃权 {abstained} 户（弃权算参与、不算同意）"
    ),
    "polls.met": "已达到",
    "polls.not_met": "未达到",
    "polls.passed": "按目前的意见，两道门槛都已达到。",
    "polls.not_passed": "按目前的意见，尚未达到民法典第278条的门槛。",
    "polls.intention_only": "（意向征询，为正式表决做准备；以正式表决结果为准。）",
    "polls.missing_head": "尚未答复的 {count} 户（上门走访用）：",
    "polls.missing_line": "· {room}室　{owner}",
    "polls.none_missing": "所有住户都已答复。",
    # -- 群里的通知 ------------------------------------------------------------------------------
    "polls.announce": (
        "【意见征询】{title}\n{where}｜截止 {deadline}\n这是意向征询，为正式表决做准备。{how}"
    ),
    "polls.how_building": "请凭征询函上的户号码，私聊机器人发送 /poll 户号码 填写意见。",
    "polls.how_simple": "请私聊机器人发送 /poll {id} 参与。",
    "polls.open_link": "填写意见",
    "polls.reminder": (
        "【意见征询提醒】{title}\n{where}｜截止 {deadline}\n{progress}\n还没填写的住户请抓紧。"
    ),
    "polls.reminder_progress": "目前已有 {count}/{households} 户参与。",
    "polls.reminder_progress_simple": "目前已有 {count} 人参与。",
    "polls.result_post": "【意见征询结果】征询已截止，汇总如下：",
    # -- 读取住户名单 ----------------------------------------------------------------------------
    "polls.file.unreadable": "无法读取住户名单 {path}（需要 csv 或 xlsx 文件）。",
    "polls.file.empty": "住户名单 {path} 里没有住户。",
    "polls.file.headers": "住户名单 {path} 第一行需要表头：室号、专有部分面积（可选：业主姓名）。",
    "polls.file.no_room": "住户名单第 {line} 行缺少室号。",
    "polls.file.duplicate_room": "住户名单第 {line} 行的室号 {room} 重复了。",
    "polls.file.bad_area": "住户名单第 {line} 行的专有部分面积「{value}」不是正数（单位 m²，可带小数）。",
    "polls.file.too_many": "住户名单有 {count} 户，一次征询最多 {max} 户。",
    # -- 命令行 ----------------------------------------------------------------------------------
    "polls.cli.no_title": "--title 不能为空 (the question is empty)",
    "polls.cli.building_needs": (
        "按门栋征询需要 --committee、--building 和 --households "
        "(a building poll needs --committee, --building and --households)"
    ),
    "polls.cli.simple_needs": (
        "简单投票需要 2–6 个 --option，以及 --committee 或 --chat "
        "(a simple poll needs --option and --committee or --chat)"
    ),
    "polls.cli.one_committee": "一次征询只对一个居委会 (one committee per poll)",
    "polls.cli.unknown_chat": "没有群 {chat} (unknown group; write it as PLATFORM:ID)",
    "polls.cli.added": "意见征询 #{id} 已创建，截止 {deadline}。户号码：",
    "polls.cli.no_codes": "征询 #{id} 不是按门栋的征询，没有户号码 (not a building poll)",
    "polls.cli.missing": "未答复：{rooms}",
    "polls.cli.open": "进行中",
    "polls.cli.closed": "已截止",
}

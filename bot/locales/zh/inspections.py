"""专项行动排摸检查的中文文案。"""

MAX_ITEMS = 8  # as many item steps as the /inspect form has (checklists.MAX_ITEMS)

TEXTS: dict[str, str] = {
    "inspections.help.inspect": "排摸检查：逐项检查本居委会的重点场所",
    "inspections.help.inspection": "发起专项行动（排摸检查）",
    "inspections.help.progress": "专项行动进度：各居委会检查了多少",
    # -- /inspect ---------------------------------------------------------------------------------
    "inspections.title": "排摸检查",
    "inspections.ask_campaign": "请选择专项行动：",
    "inspections.campaign": "专项行动",
    "inspections.ask_place": "请选择要检查的场所（落后最多的类型排在前面；也可以输入名称的一部分查找）：",
    "inspections.place": "场所",
    "inspections.place.option": "{kind}｜{name}｜{address}",
    "inspections.result.pass": "合格",
    "inspections.result.fail": "不合格",
    "inspections.result.na": "不适用",
    "inspections.photo": "照片",
    "inspections.note": "问题说明",
    "inspections.none_running": "目前没有进行中的专项行动。",
    "inspections.none_left": "「{title}」中您可以检查的场所都已检查完毕，谢谢！有隐患的场所在隐患结案后可以复查。",
    "inspections.no_committee": "您还没有绑定居委会，不能排摸检查。",
    "inspections.not_yours": "这个场所不属于您的居委会，不能检查。",
    "inspections.already_checked": "「{place}」已经检查过了；它的隐患都结案后才能复查。",
    "inspections.saved": "已保存「{place}」的排摸记录：合格 {passed} 项，不合格 {failed} 项，不适用 {na} 项。",
    "inspections.saved.report": "不合格的项目可以直接上报隐患（类别、地址和照片已填好）：",
    "inspections.button.report": "上报隐患：{item}",
    "inspections.reported": "已上报隐患，编号 {ref}，已关联本次专项行动和场所「{place}」。处理进展会发消息告诉您。",
    # -- /inspection (staff) ------------------------------------------------------------------------
    "inspections.new.title": "发起专项行动",
    "inspections.new.ask_title": "专项行动的标题是什么？（2–60 个字，如：电动自行车充电隐患专项排摸）",
    "inspections.new.title_label": "标题",
    "inspections.new.ask_from": "从哪天开始？（如 2027-08-01）",
    "inspections.new.from": "开始日期",
    "inspections.new.ask_until": "到哪天结束？（如 2027-08-31）",
    "inspections.new.until": "结束日期",
    "inspections.new.ask_kind": "检查哪类场所？",
    "inspections.new.kind": "场所类型",
    "inspections.new.all_kinds": "全部类型",
    "inspections.new.ask_nodes": "时间节点：每行或用逗号分开写「日期 百分比」，如 2027-08-15 50%，2027-08-31 100%",
    "inspections.new.nodes": "时间节点",
    "inspections.new.bad_day": "日期请写成 YYYY-MM-DD，例如 2027-08-15。",
    "inspections.new.bad": "{reason}",
    "inspections.new.done": "已发起专项行动 #{id}「{title}」，已通知 {groups} 个主任群。",
    # -- groups -------------------------------------------------------------------------------------
    "inspections.node": "{day}前完成 {percent}%",
    "inspections.nodes.none": "无时间节点",
    "inspections.announce": "【专项行动】{title}\n时间：{start} 至 {end}\n检查类型：{kinds}\n时间节点：{nodes}",
    "inspections.announce.committee": "\n{committee}居委会（{count} 处）：",
    "inspections.announce.place": "· {kind}｜{name}｜{address}",
    "inspections.announce.personal": "· 独居孤寡老人等个人信息 {count} 户（名单请在私聊中用 /inspect 查看）",
    "inspections.announce.how": "\n请各居委会主任在私聊中发送 /inspect（排摸）逐项检查。",
    "inspections.remind": "【专项行动提醒】「{title}」的时间节点 {day} 要求完成 {percent}%，{committee}居委会目前已检查 {checked}/{places}（{now}%），还需检查 {needed} 处。请发送 /inspect 继续排摸。",
    "inspections.missed": "【专项行动】「{title}」的时间节点 {day}（完成 {percent}%）未完成的居委会：",
    "inspections.missed.line": "· {committee}：已检查 {checked}/{places}（{now}%）",
    # -- /progress ----------------------------------------------------------------------------------
    "inspections.progress.head": "#{id}「{title}」（{start} 至 {end}）",
    "inspections.progress.line": "{committee}：已检查 {checked}/{places}（{percent}%），发现隐患 {hazards} 起，已结案 {closed} 起{behind}",
    "inspections.progress.behind": "　⚠ 落后于节点 {target}%",
    "inspections.progress.none": "还没有专项行动。",
    "inspections.weekly.line": "专项行动「{title}」：已检查 {checked}/{places}（{percent}%），发现隐患 {hazards} 起，已结案 {closed} 起",
    "inspections.weekly.head": "专项行动排摸进度：",
    **{
        f"inspections.ask_check.{i}": f"第 {i + 1} 项：{{item_{i}}}\n合格、不合格还是不适用？"
        for i in range(MAX_ITEMS)
    },
    **{f"inspections.check.{i}": f"第 {i + 1} 项" for i in range(MAX_ITEMS)},
    **{
        f"inspections.ask_photo.{i}": f"「{{item_{i}}}」不合格：请拍一张现场照片发过来（没有可以跳过）。"
        for i in range(MAX_ITEMS)
    },
    **{
        f"inspections.ask_note.{i}": f"请简单说明「{{item_{i}}}」的问题（2–200 个字）："
        for i in range(MAX_ITEMS)
    },
}

"""工作台（网页）文案。"""

TEXTS: dict[str, str] = {
    "help.web": "在浏览器里打开工作台，处理隐患上报（工作人员、主任）",
    "workbench.web.link": ("工作台登录链接已生成，10 分钟内有效，只能用一次。请不要转发给别人。"),
    "workbench.web.open": "打开工作台",
    "workbench.web.resident": (
        "工作台只供街道工作人员和居委会主任使用。居民有事直接在这里说就行："
        "上报隐患发 /report，报名活动发 /events，其他事情发 /help 看看。"
    ),
    "workbench.title": "居委工作台",
    "workbench.nav.hazards": "隐患",
    "workbench.signout": "退出",
    "workbench.signin.how": (
        "请先登录。在企业微信或 Telegram 里给机器人发 /web（工作台），点开收到的链接即可；"
        "在企业微信里也可以直接打开应用主页。"
    ),
    "workbench.signin.needed": "登录已失效，请在聊天里发 /web 重新获取链接。",
    "workbench.signin.resident": (
        "工作台只供街道工作人员和居委会主任使用，居民不能登录。"
        "上报隐患、报名活动、提议题，请直接在聊天里和机器人说。"
    ),
    "workbench.signin.unknown_link": "这个登录链接无效。请在聊天里发 /web 重新获取。",
    "workbench.signin.used_link": "这个登录链接已经用过了，每个链接只能用一次。请在聊天里发 /web 重新获取。",
    "workbench.signin.expired_link": "这个登录链接已过期（10 分钟内有效）。请在聊天里发 /web 重新获取。",
    "workbench.signin.no_wecom": "本系统没有接入企业微信。",
    "workbench.signin.wecom_failed": "企业微信登录没有成功，请从应用主页重新打开，或在聊天里发 /web。",
    "workbench.signin.telegram_failed": "Telegram 登录没有成功，请从机器人的菜单按钮重新打开，或发 /web。",
    "workbench.signin.telegram_wait": "正在通过 Telegram 登录……",
    "workbench.csrf": "页面已过期，请返回刷新后再提交。",
    "workbench.not_found": "没有这条记录，或者您无权查看。",
    "workbench.bad_choice": "请从页面上的选项里选择。",
    "workbench.any": "全部",
    "workbench.filter": "筛选",
    "workbench.previous": "上一页",
    "workbench.next": "下一页",
    "workbench.page": "第 {page}/{pages} 页",
    "workbench.export.xlsx": "导出 Excel",
    "workbench.export.csv": "导出 CSV",
    "workbench.hazards.status": "状态",
    "workbench.hazards.category": "类别",
    "workbench.hazards.committee": "居委会",
    "workbench.hazards.from": "起始日期",
    "workbench.hazards.to": "截止日期",
    "workbench.hazards.words": "关键词",
    "workbench.hazards.overdue": "已超时",
    "workbench.hazards.count": "共 {total} 条",
    "workbench.hazards.ref": "编号",
    "workbench.hazards.filed": "上报时间",
    "workbench.hazards.address": "地址",
    "workbench.hazards.location": "位置",
    "workbench.hazards.map": "在地图上查看",
    "workbench.hazards.description": "情况描述",
    "workbench.hazards.department": "处置部门",
    "workbench.hazards.duplicate_of": "原报告编号",
    "workbench.hazards.reporter": "上报人",
    "workbench.hazards.actions": "处理",
    "workbench.hazards.note": "说明（会告诉上报人）",
    "workbench.hazards.history": "处理记录",
    "workbench.hazards.moved": "已改为「{status}」，已通知上报人。",
}

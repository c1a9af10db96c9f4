"""Telegram 文案。"""

TEXTS: dict[str, str] = {
    "telegram.added": "大家好，我是居委小助手。请居委会主任或街道工作人员在群里发送 /bind 加居委会名称和群类型（如：/bind 三门 居民群），把本群绑定到居委会，之后的通知就会发到这里。发送 /help 查看我能做什么。",
    "telegram.not_yours": "这个按钮是给别人的，请发送 /help 查看您能做什么。",
}

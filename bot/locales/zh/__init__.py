"""简体中文文案：各功能一个模块，在这里合成一个目录。"""

from bot.locales.zh import (
    core,
    events,
    faq,
    hazards,
    inspections,
    notices,
    polls,
    telegram,
    topics,
    wecom,
    workbench,
)

TEXTS: dict[str, str] = {
    **core.TEXTS,
    **events.TEXTS,
    **faq.TEXTS,
    **hazards.TEXTS,
    **inspections.TEXTS,
    **notices.TEXTS,
    **polls.TEXTS,
    **telegram.TEXTS,
    **topics.TEXTS,
    **wecom.TEXTS,
    **workbench.TEXTS,
}

"""English texts: one module per feature, merged here into one catalogue."""

from bot.locales.en import (
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

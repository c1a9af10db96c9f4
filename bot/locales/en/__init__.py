"""English texts: one module per feature, merged here into one catalogue."""

from bot.locales.en import core, faq, wecom

TEXTS: dict[str, str] = {
    **core.TEXTS,
    **faq.TEXTS,
    **wecom.TEXTS,
}

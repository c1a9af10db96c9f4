"""English texts: one module per feature, merged here into one catalogue."""

from bot.locales.en import core, notices

TEXTS: dict[str, str] = {
    **core.TEXTS,
    **notices.TEXTS,
}

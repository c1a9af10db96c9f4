"""English texts: one module per feature, merged here into one catalogue."""

from bot.locales.en import core, events

TEXTS: dict[str, str] = {
    **core.TEXTS,
    **events.TEXTS,
}

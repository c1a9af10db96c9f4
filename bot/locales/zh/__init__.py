"""简体中文文案：各功能一个模块，在这里合成一个目录。"""

from bot.locales.zh import core, notices

TEXTS: dict[str, str] = {
    **core.TEXTS,
    **notices.TEXTS,
}

"""Jinja2 with autoescape on: templates from bot/workbench/templates, texts from the catalogue."""

from __future__ import annotations

from functools import partial
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from bot.i18n import text

ENV = Environment(
    loader=PackageLoader("bot.workbench", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(name: str, lang: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    t = partial(text, lang)
    body = ENV.get_template(name).render(t=t, lang=lang, **values)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})

"""Jinja2 with autoescape on: templates from bot/workbench/templates, texts from the catalogue."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from bot.i18n import text
from bot.sheets import Sheet

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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def download(sheet: Sheet, fmt: str, name: str) -> Response:
    """A spreadsheet as a file to save: xlsx, or csv with a BOM (written in a thread)."""
    data: bytes = await asyncio.to_thread(sheet.xlsx if fmt == "xlsx" else sheet.csv)
    media = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )

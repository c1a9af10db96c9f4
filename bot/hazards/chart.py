"""The weekly summary's picture: a chart staff can forward in a chat and read on a phone.

Drawn with matplotlib's Agg backend, imported only when a chart is drawn (``juwei`` starts
without it). The labels need a font with Chinese characters: Noto Sans CJK or another CJK
font the system has (Debian's fonts-noto-cjk). Without one, Chinese would come out as boxes,
so the bars are numbered instead (categories 1, 2, …; committees A, B, …) and the titles are
in English; the message text then says which is which.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.i18n import text

# Families with simplified Chinese, best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
# Where Debian and others put them, for a font installed after matplotlib's font cache was made.
FONT_GLOBS = (
    "/usr/share/fonts/**/NotoSansCJK*.tt[cf]",
    "/usr/share/fonts/**/NotoSansSC*.[ot]tf",
    "/usr/share/fonts/**/wqy-*.tt[cf]",
)
SIZE_INCHES = (7.2, 9.6)
DPI = 150  # 1080 × 1440 pixels: a phone screen's width
THIS_WEEK, LAST_WEEK, INK, GRID = "#d6453f", "#b7bec4", "#333333", "#e6e6e6"
RISE, FALL = "#c0392b", "#2e8b57"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    before: int | None = None  # last week's count, for the trend


@dataclass(frozen=True)
class Picture:
    png: bytes
    font: str | None  # the CJK font family used; None when the bars were numbered instead


def committee_mark(index: int) -> str:
    """A, B, … Z, then AA, AB …: the committees' stand-ins when there is no CJK font."""
    mark = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        mark = chr(ord("A") + rest) + mark
    return mark


@cache
def cjk_font() -> str | None:
    """The family of an installed font that has Chinese characters, or None."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    found = known()
    if found is None:
        for pattern in FONT_GLOBS:
            root, _, rest = pattern.partition("/**/")
            for path in sorted(Path(root).glob(f"**/{rest}")):
                font_manager.fontManager.addfont(str(path))
        found = known()
    return found


def weekly_chart(
    categories: Sequence[Bar],
    committees: Sequence[Bar],
    *,
    lang: str,
    period: tuple[str, str],
    totals: dict[str, int],
    font: str | None = None,
    numbered: bool = False,
    coverage: dict[str, int] | None = None,
) -> Picture:
    """This week's reports by category (with last week beside them) and by committee.

    ``font`` None looks for a CJK font; ``numbered`` forces the numbered bars (as when
    there is none). ``coverage``: the percent of places checked per committee in the running
    inspection campaigns, written under each committee's bar.
    """
    checked = [(coverage or {}).get(b.label) for b in committees]
    family = None if numbered else (font or cjk_font())
    if family is None:
        lang = "en"
        categories = [Bar(str(n), b.count, b.before) for n, b in enumerate(categories, 1)]
        committees = [Bar(committee_mark(n), b.count, b.before) for n, b in enumerate(committees)]
    committees = [
        Bar(f"{b.label}\n{text(lang, 'hazard.chart.coverage', percent=share)}", b.count, b.before)
        if share is not None
        else b
        for b, share in zip(committees, checked, strict=True)
    ]
    return Picture(_draw(categories, committees, lang, period, totals, family), family)


def _draw(
    categories: Sequence[Bar],
    committees: Sequence[Bar],
    lang: str,
    period: tuple[str, str],
    totals: dict[str, int],
    family: str | None,
) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    def say(key: str, **params: object) -> str:
        return text(lang, f"hazard.chart.{key}", **params)

    families = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
        FigureCanvasAgg(figure)
        grid = figure.add_gridspec(
            2, 1, height_ratios=(3.2, 2), hspace=0.42, top=0.85, bottom=0.1, left=0.3, right=0.94
        )
        figure.suptitle(say("title"), fontsize=22, fontweight="bold", color=INK, y=0.975)
        figure.text(
            0.5, 0.925, say("period", start=period[0], end=period[1]),
            ha="center", fontsize=14, color="#666666",
        )  # fmt: skip

        top = figure.add_subplot(grid[0])
        _category_bars(top, categories, say)
        bottom = figure.add_subplot(grid[1])
        _committee_bars(bottom, committees, say)
        for ax in (top, bottom):
            ax.spines[["top", "right"]].set_visible(False)
            ax.spines[["left", "bottom"]].set_color("#999999")
        top.xaxis.set_major_locator(MaxNLocator(integer=True))
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.text(0.5, 0.03, say("totals", **totals), ha="center", fontsize=13, color=INK)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _category_bars(ax: Any, bars: Sequence[Bar], say: Any) -> None:
    rows = range(len(bars))
    now = [b.count for b in bars]
    before = [b.before or 0 for b in bars]
    highest = max([*now, *before, 1])
    ax.barh([y - 0.2 for y in rows], now, height=0.4, color=THIS_WEEK, label=say("this_week"))
    ax.barh([y + 0.2 for y in rows], before, height=0.4, color=LAST_WEEK, label=say("last_week"))
    for y, bar in zip(rows, bars, strict=True):
        ax.text(bar.count + highest * 0.02, y - 0.2, str(bar.count), va="center", fontsize=13,
                fontweight="bold", color=INK)  # fmt: skip
        ax.text((bar.before or 0) + highest * 0.02, y + 0.2, str(bar.before or 0), va="center",
                fontsize=11, color="#777777")  # fmt: skip
        change = bar.count - (bar.before or 0)
        mark, colour = (f"↑{change}", RISE) if change > 0 else (f"↓{-change}", FALL)
        if change == 0:
            mark, colour = "—", "#999999"
        ax.text(highest * 1.42, y, mark, va="center", ha="right", fontsize=13, color=colour)
    ax.set_yticks(list(rows), [b.label for b in bars], fontsize=13)
    ax.invert_yaxis()
    ax.set_xlim(0, highest * 1.45)
    ax.tick_params(axis="x", labelsize=11)
    ax.xaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    ax.set_title(say("by_category"), loc="left", fontsize=15, color=INK, pad=10)
    ax.text(highest * 1.42, -0.75, say("change"), ha="right", va="bottom", fontsize=11,
            color="#777777")  # fmt: skip
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.07), ncol=2, fontsize=12, frameon=False)


def _committee_bars(ax: Any, bars: Sequence[Bar], say: Any) -> None:
    columns = range(len(bars))
    counts = [b.count for b in bars]
    highest = max([*counts, 1])
    ax.bar(list(columns), counts, width=0.55, color=THIS_WEEK)
    for x, count in zip(columns, counts, strict=True):
        ax.text(x, count + highest * 0.03, str(count), ha="center", fontsize=13,
                fontweight="bold", color=INK)  # fmt: skip
    ax.set_xticks(list(columns), [b.label for b in bars], fontsize=13)
    ax.set_ylim(0, highest * 1.25)
    ax.tick_params(axis="y", labelsize=11)
    ax.yaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    ax.set_title(say("by_committee"), loc="left", fontsize=15, color=INK, pad=10)
    if not bars:
        ax.text(0.5, 0.5, say("none"), transform=ax.transAxes, ha="center", color="#999999")

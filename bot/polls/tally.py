"""The double thresholds of 民法典 第278条, counted exactly.

Taking part: owners of at least 2/3 of the building's exclusive area *and* at least 2/3 of the
owners. Passing: of those taking part, at least 3/4 by area *and* 3/4 by number agree. 以上
includes the figure itself (民法典 第1259条), so exactly 2/3 or 3/4 is enough. 弃权 takes part
and does not agree. Areas are ``Decimal`` and ratios ``Fraction``: a float would make
exactly 2/3 fail at the boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

PARTICIPATION = Fraction(2, 3)
AGREEMENT = Fraction(3, 4)

AGREE, DISAGREE, ABSTAIN = "agree", "disagree", "abstain"
CHOICES = (AGREE, DISAGREE, ABSTAIN)


@dataclass(frozen=True)
class Household:
    room: str
    area: Decimal
    choice: str | None  # None: has not answered


@dataclass(frozen=True)
class Part:
    """A count of households and their area, as a share of a whole."""

    count: int
    area: Decimal
    of_count: int
    of_area: Decimal

    @property
    def count_ratio(self) -> Fraction:
        return Fraction(self.count, self.of_count) if self.of_count else Fraction(0)

    @property
    def area_ratio(self) -> Fraction:
        return Fraction(self.area) / Fraction(self.of_area) if self.of_area else Fraction(0)

    def reaches(self, threshold: Fraction) -> bool:
        return self.of_count > 0 and min(self.count_ratio, self.area_ratio) >= threshold


@dataclass(frozen=True)
class Tally:
    households: int
    area: Decimal
    participated: Part  # of all households
    agreed: Part  # of those taking part
    disagreed: int
    abstained: int
    missing: tuple[str, ...]  # rooms that have not answered, in the file's order

    @property
    def participation_ok(self) -> bool:
        return self.participated.reaches(PARTICIPATION)

    @property
    def agreement_ok(self) -> bool:
        return self.agreed.reaches(AGREEMENT)

    @property
    def passed(self) -> bool:
        return self.participation_ok and self.agreement_ok


def count(households: Iterable[Household]) -> Tally:
    rows = list(households)
    total_area = sum((h.area for h in rows), Decimal(0))
    answered = [h for h in rows if h.choice is not None]
    agreed = [h for h in answered if h.choice == AGREE]
    answered_area = sum((h.area for h in answered), Decimal(0))
    return Tally(
        households=len(rows),
        area=total_area,
        participated=Part(len(answered), answered_area, len(rows), total_area),
        agreed=Part(
            len(agreed), sum((h.area for h in agreed), Decimal(0)), len(answered), answered_area
        ),
        disagreed=sum(1 for h in answered if h.choice == DISAGREE),
        abstained=sum(1 for h in answered if h.choice == ABSTAIN),
        missing=tuple(h.room for h in rows if h.choice is None),
    )

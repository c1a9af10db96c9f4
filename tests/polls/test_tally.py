"""The 民法典 第278条 double thresholds at and around every boundary, counted exactly."""

from __future__ import annotations

from decimal import Decimal

from bot.polls.tally import ABSTAIN, AGREE, DISAGREE, Household, count


def building(*rows: tuple[str, str | None]) -> list[Household]:
    """Households by (area, answer), rooms numbered 1, 2, 3 …"""
    return [Household(str(n), Decimal(area), choice) for n, (area, choice) in enumerate(rows, 1)]


def test_the_readme_example_passes_with_601_missing() -> None:
    tally = count(
        [
            Household("101", Decimal(60), DISAGREE),
            Household("201", Decimal(60), AGREE),
            Household("301", Decimal(75), AGREE),
            Household("401", Decimal(75), AGREE),
            Household("501", Decimal(90), AGREE),
            Household("601", Decimal(90), None),
        ]
    )
    assert (tally.households, tally.area) == (6, Decimal(450))
    assert (tally.participated.count, tally.participated.area) == (5, Decimal(360))
    assert (tally.agreed.count, tally.agreed.area) == (4, Decimal(300))
    assert tally.participation_ok and tally.agreement_ok and tally.passed
    assert tally.missing == ("601",)


def test_exactly_two_thirds_by_count_and_area_is_enough_to_take_part() -> None:
    tally = count(building(("10", AGREE), ("10", AGREE), ("10", None)))
    assert str(tally.participated.count_ratio) == str(tally.participated.area_ratio) == "2/3"
    assert tally.participation_ok


def test_just_under_two_thirds_by_count_fails_although_the_area_is_enough() -> None:
    # 5 of 8 households (< 2/3) answer, holding 80 of 100 m² (> 2/3).
    rows = building(*([("16", AGREE)] * 5), ("10", None), ("5", None), ("5", None))
    tally = count(rows)
    assert str(tally.participated.count_ratio) == "5/8"
    assert tally.participated.area_ratio > Decimal(2) / 3
    assert not tally.participation_ok and not tally.passed


def test_just_under_two_thirds_by_area_fails_although_the_count_is_enough() -> None:
    # 2 of 3 households answer (exactly 2/3) but hold 66.66 of 100 m²: just under 2/3.
    tally = count(building(("33.33", AGREE), ("33.33", AGREE), ("33.34", None)))
    assert str(tally.participated.count_ratio) == "2/3"
    assert not tally.participation_ok


def test_exactly_two_thirds_of_an_area_with_decimals_is_not_lost_to_float_rounding() -> None:
    # 173.5 of 260.25 m² is exactly 2/3; added up in floats it comes out just below.
    areas = (18.1, 59.0, 78.8, 18.6)
    assert sum(areas) / (sum(areas) + 87.25) < 2 / 3
    answered = [(str(a), AGREE) for a in areas]
    tally = count(building(*answered, ("87.25", None)))
    assert str(tally.participated.area_ratio) == "2/3"
    assert tally.participation_ok


def test_exactly_three_quarters_of_the_participants_agreeing_passes() -> None:
    tally = count(building(("50", AGREE), ("50", AGREE), ("50", AGREE), ("50", DISAGREE)))
    assert str(tally.agreed.count_ratio) == str(tally.agreed.area_ratio) == "3/4"
    assert tally.agreement_ok and tally.passed


def test_just_under_three_quarters_by_count_fails_although_the_area_is_enough() -> None:
    # 5 of 7 agree (< 3/4) holding 5*20 = 100 of 110 m² (> 3/4).
    tally = count(building(*([("20", AGREE)] * 5), ("5", DISAGREE), ("5", DISAGREE)))
    assert tally.participation_ok
    assert str(tally.agreed.count_ratio) == "5/7"
    assert not tally.agreement_ok and not tally.passed


def test_just_under_three_quarters_by_area_fails_although_the_count_is_enough() -> None:
    # 3 of 4 agree (exactly 3/4) but hold 149.99 of 200 m².
    tally = count(building(("50", AGREE), ("50", AGREE), ("49.99", AGREE), ("50.01", DISAGREE)))
    assert str(tally.agreed.count_ratio) == "3/4"
    assert not tally.agreement_ok


def test_abstaining_takes_part_but_does_not_agree() -> None:
    # 4 take part (enough); 3 agree and 1 abstains: exactly 3/4. A second abstention fails it.
    passing = count(building(("10", AGREE), ("10", AGREE), ("10", AGREE), ("10", ABSTAIN)))
    assert passing.participated.count == 4 and passing.abstained == 1 and passing.passed
    failing = count(
        building(("10", AGREE), ("10", AGREE), ("10", AGREE), ("10", ABSTAIN), ("10", ABSTAIN))
    )
    assert failing.participation_ok and not failing.agreement_ok


def test_agreement_is_a_share_of_the_participants_not_of_the_building() -> None:
    # 4 of 6 take part (2/3); 3 of them agree (3/4) although that is only half the building.
    tally = count(
        building(
            ("10", AGREE),
            ("10", AGREE),
            ("10", AGREE),
            ("10", DISAGREE),
            ("10", None),
            ("10", None),
        )
    )
    assert tally.passed


def test_nobody_answering_meets_nothing() -> None:
    tally = count(building(("60", None), ("60", None)))
    assert not tally.participation_ok and not tally.agreement_ok and not tally.passed
    assert tally.missing == ("1", "2")

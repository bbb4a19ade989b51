"""Statistics against values worked out by hand (and published worked examples)."""

from __future__ import annotations

import pytest

from bot.evaluation.stats import (
    Summary,
    alpha_from_moments,
    alpha_if_deleted,
    f_quantile,
    feldt_interval,
    mean_interval,
    cronbach_alpha,
    distribution,
    from_moments,
    median,
    reverse,
    sd,
    summarise,
    t_quantile,
    welch_change,
)


def test_summary_by_hand() -> None:
    values = [2.0, 4.0, 4.0, 5.0]
    # mean 15/4; deviations -1.75, .25, .25, 1.25 -> squares 3.0625+.0625+.0625+1.5625 = 4.75; /3
    assert summarise(values) == Summary(4, 3.75, pytest.approx((4.75 / 3) ** 0.5), 4.0)
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert sd([3.0]) is None
    assert distribution([1, 2, 2, 5], points=range(1, 6)) == {1: 1, 2: 2, 3: 0, 4: 0, 5: 1}
    moments = from_moments(4, 15.0, 4 + 16 + 16 + 25)
    assert moments.mean == 3.75 and moments.sd == pytest.approx((4.75 / 3) ** 0.5)


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (4, 2.7764), (10, 2.2281), (30, 2.0423), (100, 1.9840), (100000, 1.9600)],
)
def test_t_quantiles_match_the_table(df: float, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def test_welch_change_by_hand() -> None:
    before = summarise([2.0, 3.0, 4.0])  # mean 3, sd 1
    # after mean 5, sd 1: se = sqrt(1/3 + 1/3) = 0.8165; df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4; t = 2.7764
    after = summarise([4.0, 5.0, 6.0])
    change = welch_change(before, after)
    assert change is not None
    assert change.difference == pytest.approx(2.0)
    assert change.low == pytest.approx(2.0 - 2.776445 * 0.816497, abs=1e-4)
    assert change.high == pytest.approx(2.0 + 2.776445 * 0.816497, abs=1e-4)
    assert not change.notable  # the interval (-0.27, 4.27) holds zero: could be chance
    bigger = welch_change(before, summarise([6.0, 7.0, 8.0]))
    assert bigger is not None and bigger.notable and bigger.low == pytest.approx(4 - 2.2669, abs=1e-3)


def test_cronbach_alpha_published_example_three_items() -> None:
    # Worked example (askan.ai, "How is cronbach alpha coefficient calculated"): 5 respondents, items A, B, C.
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    # By hand: item variances 0.7, 0.8, 0.7 (sum 2.2); totals 10, 9, 13, 8, 12 -> variance 17.2 / 4 = 4.3
    # alpha = 3/2 * (1 - 2.2/4.3) = 0.73256
    assert cronbach_alpha(rows) == pytest.approx(0.732558, abs=1e-6)


def test_cronbach_alpha_published_example_four_people() -> None:
    # Worked example (calkulon.com, "Cronbach's alpha"): items [4,3,5,2], [5,4,5,3], [4,3,5,2].
    rows = [[4, 5, 4], [3, 4, 3], [5, 5, 5], [2, 3, 2]]
    # Item variances 5/3, 2.75/3, 5/3 (sum 4.25); totals 13, 10, 15, 7 -> variance 36.75 / 3 = 12.25
    assert cronbach_alpha(rows) == pytest.approx(1.5 * (1 - 4.25 / 12.25), abs=1e-9)


def test_reverse_scored_item_gives_the_same_alpha_as_the_straight_one() -> None:
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    stored = [[a, b, 6 - c] for a, b, c in rows]  # item C worded the other way round
    assert cronbach_alpha(stored) < 0.3  # read as stored, the scale looks broken
    turned = [[a, b, reverse(c, 1, 5)] for a, b, c in stored]
    assert cronbach_alpha(turned) == pytest.approx(0.732558, abs=1e-6)


def test_alpha_from_sql_moments_equals_alpha_from_rows() -> None:
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    items = [(5, float(sum(r[i] for r in rows)), float(sum(r[i] ** 2 for r in rows))) for i in range(3)]
    totals = [sum(r) for r in rows]
    assert alpha_from_moments(items, (5, float(sum(totals)), float(sum(t * t for t in totals)))) == pytest.approx(0.732558, abs=1e-6)


def test_alpha_is_none_when_it_cannot_be_computed() -> None:
    assert cronbach_alpha([[3, 3]]) is None
    assert cronbach_alpha([[3, 3], [3, 3]]) is None


@pytest.mark.parametrize(
    ("p", "d1", "d2", "expected"),
    # Printed F tables: F(.95; 5, 10) = 3.3258, F(.975; 4, 8) = 5.0526, F(.975; 4, 12) = 4.1212.
    [(0.95, 5, 10, 3.3258), (0.975, 4, 8, 5.0526), (0.975, 4, 12, 4.1212), (0.025, 4, 12, 1 / 8.7512)],
)
def test_f_quantiles_match_the_table(p: float, d1: int, d2: int, expected: float) -> None:
    assert f_quantile(p, d1, d2) == pytest.approx(expected, abs=2e-4)


def test_feldt_interval_matches_published_worked_examples() -> None:
    # Chris Evans' worked example on the MRC CBU statistics wiki ("R code from Chris Evans for
    # computing confidence intervals for Cronbach's alpha", FAQ/cafun): feldt1.return(0.913, 873, 20)
    # gives 0.9044024 to 0.9211588, with df n - 1 and (n - 1)(k - 1) as in Feldt, Woodruff & Salih
    # (1987), Applied Psychological Measurement 11, 93-103, formulas 6 and 7.
    band = feldt_interval(0.913, 873, 20)
    assert band is not None
    assert band.low == pytest.approx(0.9044024, abs=1e-6) and band.high == pytest.approx(0.9211588, abs=1e-6)
    # Bonett's statpsych::ci.cronbach(.05, .85, 7, 89) documents LL 0.7971254, UL 0.8931436; it takes
    # the second df as n(k - 1). The same F quantiles give its figures too.
    assert 1 - 0.15 * f_quantile(0.975, 88, 89 * 6) == pytest.approx(0.7971254, abs=1e-6)
    assert 1 - 0.15 * f_quantile(0.025, 88, 89 * 6) == pytest.approx(0.8931436, abs=1e-6)


def test_feldt_interval_by_hand_from_the_table() -> None:
    # alpha 0.732558 of 5 people on 3 items: df 4 and 8; F(.975; 4, 8) = 5.0526, F(.025; 4, 8) =
    # 1 / F(.975; 8, 4) = 1 / 8.9796. Low 1 - 0.267442 * 5.0526 = -0.3513, high 1 - 0.267442 / 8.9796 = 0.9702:
    # with five people, alpha could be almost anything.
    band = feldt_interval(0.732558, 5, 3)
    assert band is not None
    assert band.low == pytest.approx(-0.3513, abs=1e-3) and band.high == pytest.approx(0.9702, abs=1e-3)
    assert feldt_interval(0.8, 2, 4) is None and feldt_interval(0.8, 30, 1) is None


def test_mean_interval_by_hand() -> None:
    # 2, 3, 4: mean 3, sd 1; t(.975; 2) = 4.3027, so 3 +- 4.3027 / sqrt(3) = 3 +- 2.4841
    band = mean_interval(summarise([2.0, 3.0, 4.0]))
    assert band is not None
    assert band.low == pytest.approx(0.5159, abs=1e-3) and band.high == pytest.approx(5.4841, abs=1e-3)
    assert mean_interval(summarise([3.0])) is None


def test_alpha_if_item_deleted_by_hand_and_against_the_rows() -> None:
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    totals = [sum(r) for r in rows]
    items = [(5, float(sum(r[i] for r in rows)), float(sum(r[i] ** 2 for r in rows)), float(sum(r[i] * t for r, t in zip(rows, totals)))) for i in range(3)]
    found = alpha_if_deleted(items, (5, float(sum(totals)), float(sum(t * t for t in totals))))
    # Without A: B = 4,3,4,2,4 (variance 0.8), C = 3,4,5,3,4 (0.7); B + C = 7,7,9,5,8 (variance 2.2):
    # alpha = 2 * (1 - 1.5 / 2.2) = 0.63636
    assert found[0] == pytest.approx(0.636364, abs=1e-6)
    for i in range(3):
        assert found[i] == pytest.approx(cronbach_alpha([[v for j, v in enumerate(r) if j != i] for r in rows]), abs=1e-9)
    two = [(5, 15.0, 49.0, 100.0), (5, 17.0, 61.0, 120.0)]
    assert alpha_if_deleted(two, (5, 32.0, 220.0)) == [None, None]  # one item left is no scale

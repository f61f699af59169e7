"""Disclosure control: primary/secondary suppression, rounding, rates, the scan, and attacks."""

from __future__ import annotations

import inspect
import random

import polars as pl
import pytest

from asc_linkage.core.sdc import (
    ACRO_DEFAULTS,
    MeanSpec,
    RateSpec,
    SdcSpec,
    add_margins,
    apply_sdc,
    apply_sdc_spec,
    round_to_base,
    scan_published,
    violation_counts,
)

ALL = "All"

# 3 x 3 inner cells with one small count (A,Y)=3 and one zero (C,Z)=0.
INNER = pl.DataFrame(
    {
        "ethnic_group": ["A", "A", "A", "B", "B", "B", "C", "C", "C"],
        "sex": ["X", "Y", "Z"] * 3,
        "people": [25, 3, 40, 12, 30, 18, 50, 22, 0],
    }
)


def crosstab() -> pl.DataFrame:
    return add_margins(INNER, ["people"], ["ethnic_group", "sex"])


def lines(df: pl.DataFrame, dims: list[str]) -> list[tuple[list[int], int]]:
    """Each row/column of the cross-tab with its total, worked out independently of sdc.py."""
    out = []
    keyed = df.with_row_index("_i")
    for d in dims:
        others = [o for o in dims if o != d]
        for _, grp in keyed.group_by(others, maintain_order=True):
            idx = grp["_i"].to_list()
            margin = grp.filter(pl.col(d) == ALL)["_i"].to_list()
            if margin:
                out.append((idx, margin[0]))
    return out


def subtraction_attack(published: list, dims_df: pl.DataFrame, dims: list[str], base: int = 5):
    """For each line with exactly one suppressed cell, bound it from the rounded values.

    Returns {row index: (low, high)}; a rounded value p stands for a true value in p-2..p+2.
    """
    half = base // 2
    found = {}
    for members, margin in lines(dims_df, dims):
        unknown = [i for i in members if published[i] is None]
        if len(unknown) != 1:
            continue
        u = unknown[0]
        known = [i for i in members if i != u]
        if u == margin:
            lo = sum(max(0, published[i] - half) for i in known)
            hi = sum(published[i] + half for i in known)
        else:
            others = [i for i in known if i != margin]
            lo = max(0, published[margin] - half - sum(published[i] + half for i in others))
            hi = published[margin] + half - sum(max(0, published[i] - half) for i in others)
        found[u] = (lo, hi)
    return found


def lp_audit(true_vals: list, published: list, dims_df: pl.DataFrame, dims: list[str]):
    """Feasible range of every suppressed cell for an attacker who knows every published cell
    EXACTLY (worse than reality: they are rounded) and that counts are non-negative.

    Cross-tab constraint matrices are totally unimodular, so the LP bounds are attained by
    integer tables: a range wider than zero means at least two integer values are possible.
    """
    scipy_opt = pytest.importorskip("scipy.optimize")
    sup = [i for i, p in enumerate(published) if p is None]
    col = {i: k for k, i in enumerate(sup)}
    a_eq, b_eq = [], []
    for members, margin in lines(dims_df, dims):
        row, rhs = [0.0] * len(sup), 0.0
        for i in members:
            coef = -1.0 if i == margin else 1.0
            if i in col:
                row[col[i]] += coef
            else:
                rhs -= coef * true_vals[i]
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    ranges = {}
    for i in sup:
        c = [0.0] * len(sup)
        c[col[i]] = 1.0
        lo = scipy_opt.linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        c[col[i]] = -1.0
        hi = scipy_opt.linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        ranges[i] = (round(lo.fun), round(-hi.fun))
        assert ranges[i][0] <= true_vals[i] <= ranges[i][1]
    return ranges


# --------------------------------------------------------------------------- defaults / rounding


def test_defaults_mirror_acro():
    assert ACRO_DEFAULTS["safe_threshold"] == 10
    assert ACRO_DEFAULTS["safe_round_base"] == 5
    assert ACRO_DEFAULTS["zeros_are_disclosive"] is True
    assert (ACRO_DEFAULTS["safe_nk_n"], ACRO_DEFAULTS["safe_nk_k"]) == (2, 0.9)
    assert ACRO_DEFAULTS["safe_pratio_p"] == 0.1
    params = inspect.signature(apply_sdc).parameters
    assert params["threshold"].default == 10 and params["round_base"].default == 5
    assert params["zeros_disclosive"].default is True and params["nk_k"].default == 0.9


@pytest.mark.parametrize(
    "value,expected",
    [(10, 10), (12, 10), (13, 15), (22, 20), (23, 25), (27, 25), (28, 30), (12.5, 15), (100, 100)],
)
def test_round_to_nearest_five(value, expected):
    assert round_to_base(value, 5) == expected


# --------------------------------------------------------------------------- the hand-built table


def test_primary_secondary_and_rounding_on_hand_built_table():
    res = apply_sdc(crosstab(), ["people"], ["ethnic_group", "sex"], table_name="people_by_eth_sex")
    t = res.table
    cell = {(e, s): (v, f) for e, s, v, f in t.select("ethnic_group", "sex", "people", "people_flag").rows()}
    assert cell[("A", "Y")] == (None, "suppressed")
    assert cell[("C", "Z")] == (None, "suppressed")
    assert cell[("B", "X")] == (10, "published")  # 12 rounds to 10
    assert cell[("B", "Z")] == (20, "published")  # 18 rounds to 20
    assert cell[(ALL, ALL)] == (200, "published")
    published = [v for v in t["people"].to_list() if v is not None]
    assert all(v % 5 == 0 and v >= 10 for v in published)
    # every row and column holding a suppressed cell holds at least two
    for members, _ in lines(t, ["ethnic_group", "sex"]):
        assert sum(t["people"][i] is None for i in members) != 1
    rules = dict(zip(res.log["row_key"], res.log["rule"]))
    assert rules["ethnic_group=A|sex=Y"] == "primary_lt_threshold"
    assert rules["ethnic_group=C|sex=Z"] == "zero"
    assert res.rule_counts()["secondary"] == 2  # one cell closes a row and a column at once
    assert scan_published(t, SdcSpec(("people",), ("ethnic_group", "sex"))) == []


def test_suppressed_cells_cannot_be_recovered_from_margins():
    true_df = crosstab()
    true_vals = true_df["people"].to_list()
    res = apply_sdc(true_df, ["people"], ["ethnic_group", "sex"])
    published = res.table["people"].to_list()
    dims = ["ethnic_group", "sex"]

    # subtraction from the rounded margins finds no line with a single unknown
    assert subtraction_attack(published, res.table, dims) == {}
    # even knowing every published cell exactly, each suppressed cell keeps a range of values
    ranges = lp_audit(true_vals, published, res.table, dims)
    assert set(ranges) == {i for i, p in enumerate(published) if p is None}
    assert all(hi > lo for lo, hi in ranges.values()), ranges

    # control: the same attacks DO recover cells when only primary suppression is applied,
    # so the checks above can fail
    primary_only = [None if 0 <= v < 10 else round_to_base(v, 5) for v in true_vals]
    found = subtraction_attack(primary_only, true_df, dims)
    small = {i for i, v in enumerate(true_vals) if v < 10}
    assert small <= set(found)
    for i in small:
        lo, hi = found[i]
        # rounding alone leaves a window of a dozen values around a small cell, no more
        assert lo <= true_vals[i] <= hi and hi - lo <= 12
    exact = lp_audit(true_vals, primary_only, true_df, dims)
    assert all(exact[i] == (true_vals[i], true_vals[i]) for i in small)


def random_table(seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for a in ["a1", "a2", "a3", "a4"]:
        for b in ["b1", "b2", "b3"]:
            for c in ["c1", "c2"]:
                v = rng.choice([0, rng.randint(1, 9), rng.randint(10, 80), rng.randint(10, 300)])
                rows.append((a, b, c, v, v * 3 + rng.randint(0, 20)))
    inner = pl.DataFrame(rows, schema=["a", "b", "c", "events", "people"], orient="row")
    return add_margins(inner, ["events", "people"], ["a", "b", "c"])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_three_way_tables_reach_a_safe_fixed_point(seed):
    true_df = random_table(seed).with_columns(rate=pl.col("events") / pl.col("people"))
    dims = ["a", "b", "c"]
    spec = SdcSpec(("events", "people"), tuple(dims), rate_specs=(RateSpec("rate", "events", "people"),))
    res = apply_sdc_spec(true_df, spec)
    assert scan_published(res.table, spec) == []
    for col in ["events", "people"]:
        published = res.table[col].to_list()
        assert subtraction_attack(published, res.table, dims) == {}
        ranges = lp_audit(true_df[col].to_list(), published, res.table, dims)
        assert all(hi > lo for lo, hi in ranges.values())
    # deterministic
    again = apply_sdc_spec(true_df, spec)
    assert again.table.equals(res.table) and again.log.equals(res.log)


def test_audit_is_needed_beyond_two_unknowns_per_line():
    # seed 1 has lines whose only suppressed cells are zeros: two unknowns summing to a known 0
    true_df = random_table(1)
    dims = ["a", "b", "c"]
    weak = apply_sdc(true_df, ["events"], dims, audit=False)
    published = weak.table["events"].to_list()
    assert subtraction_attack(published, weak.table, dims) == {}  # passes the line rule...
    ranges = lp_audit(true_df["events"].to_list(), published, weak.table, dims)
    assert any(lo == hi for lo, hi in ranges.values())  # ...yet some cell is pinned
    strong = apply_sdc(true_df, ["events"], dims)
    ranges = lp_audit(true_df["events"].to_list(), strong.table["events"].to_list(), strong.table, dims)
    assert all(hi > lo for lo, hi in ranges.values())



# --------------------------------------------------------------------------- rates and means


def test_rates_published_only_over_safe_numerators_and_denominators():
    df = pl.DataFrame(
        {
            "sex": ["F", "M", "O", "U", ALL],
            "admissions": [30, 40, 0, 15, 85],
            "people": [8, 400, 20, 200, 628],
        }
    ).with_columns(
        rate=pl.col("admissions") / pl.col("people") * 1000,
        rate_lo=pl.col("admissions") / pl.col("people") * 900,
        rate_hi=pl.col("admissions") / pl.col("people") * 1100,
    )
    rate = RateSpec("rate", "admissions", "people", ("rate_lo", "rate_hi"))
    res = apply_sdc(df, ["admissions", "people"], ["sex"], [rate])
    out = {r["sex"]: r for r in res.table.iter_rows(named=True)}
    assert out["F"]["rate"] is None and out["F"]["rate_lo"] is None  # denominator 8
    assert out["O"]["rate"] is None  # numerator 0 (not structural)
    assert out["M"]["rate"] == pytest.approx(100.0) and out["M"]["rate_hi"] == pytest.approx(110.0)
    assert out["M"]["rate_flag"] == "published" and out["F"]["rate_flag"] == "suppressed"
    log = {(k, c): r for k, c, r in res.log.select("row_key", "column", "rule").rows()}
    assert log[("sex=F", "rate")] == "rate_denominator_lt_threshold"
    assert log[("sex=O", "rate")] == "rate_numerator_lt_threshold"
    # a rate whose inputs were secondarily suppressed would give them back: it is withheld
    assert log[("sex=U", "admissions")] == "secondary"
    assert log[("sex=U", "rate")] == "rate_input_suppressed" and out["U"]["rate"] is None
    spec = SdcSpec(("admissions", "people"), ("sex",), rate_specs=(rate,))
    assert scan_published(res.table, spec) == []


def test_means_need_ten_contributors_and_no_dominance():
    df = pl.DataFrame(
        {
            "setting": ["home", "care", "other", "day", ALL],
            "people": [40, 9, 30, 12, 91],
            "mean_cost": [100.0, 900.0, 50.0, 70.0, 200.0],
            "top2_share": [0.2, 0.5, 0.95, 0.4, 0.3],
        }
    )
    mean = MeanSpec("mean_cost", "people", top_share_col="top2_share")
    res = apply_sdc(df, ["people"], ["setting"], mean_specs=[mean])
    out = dict(res.table.select("setting", "mean_cost").rows())
    assert out["home"] == 100.0
    assert out["care"] is None  # n = 9
    assert out["other"] is None  # top two contribute 95% > 90%
    assert "top2_share" not in res.table.columns  # undeclared columns are never released
    assert out["day"] is None  # its n is the secondary suppression for "care"
    rules = dict(zip(zip(res.log["row_key"], res.log["column"]), res.log["rule"]))
    assert rules[("setting=care", "mean_cost")] == "mean_n_lt_threshold"
    assert rules[("setting=other", "mean_cost")] == "dominance_nk"
    assert rules[("setting=day", "mean_cost")] == "mean_n_suppressed"


def test_structural_zeros_are_published_and_not_unknowns():
    df = pl.DataFrame({"sex": ["F", "M", ALL], "pregnancies": [30, 0, 30]})
    structural = (pl.col("sex") == "M") & (pl.col("pregnancies") == 0)
    res = apply_sdc(df, ["pregnancies"], ["sex"], structural_zero=structural)
    assert res.table["pregnancies"].to_list() == [30, 0, 30]
    assert res.table["pregnancies_flag"].to_list() == ["published", "structural_zero", "published"]
    spec = SdcSpec(("pregnancies",), ("sex",), structural_zero=structural)
    assert scan_published(res.table, spec) == []
    # without the structural marker the same zero is suppressed, with a second cell
    plain = apply_sdc(df, ["pregnancies"], ["sex"])
    assert plain.table["pregnancies"].null_count() == 2


def test_missing_inner_cells_become_suppressed_zeros_and_missing_totals_are_refused():
    df = crosstab().filter(~((pl.col("ethnic_group") == "B") & (pl.col("sex") == "Y")))
    res = apply_sdc(df, ["people"], ["ethnic_group", "sex"])
    assert res.table.height == 16
    filled = res.table.filter((pl.col("ethnic_group") == "B") & (pl.col("sex") == "Y"))
    assert filled["people"].to_list() == [None]
    no_total = crosstab().filter(~((pl.col("ethnic_group") == ALL) & (pl.col("sex") == "Y")))
    with pytest.raises(ValueError, match="total rows missing"):
        apply_sdc(no_total, ["people"], ["ethnic_group", "sex"])


def test_by_columns_split_independent_tables():
    q1 = crosstab().with_columns(quarter=pl.lit("2025-Q1"))
    # no small cell in Q2 (margins stay sums: 9 inner cells each +10 -> rows +30, total +90)
    q2 = add_margins(INNER.with_columns(people=pl.col("people") + 10), ["people"], ["ethnic_group", "sex"])
    q2 = q2.with_columns(quarter=pl.lit("2025-Q2"))
    both = pl.concat([q1, q2.select(q1.columns)])
    res = apply_sdc(both, ["people"], ["ethnic_group", "sex"], by=["quarter"])
    by_q = dict(res.table.group_by("quarter").agg(pl.col("people").null_count()).rows())
    assert by_q == {"2025-Q1": 4, "2025-Q2": 0}


def test_bad_input_is_refused_without_values():
    df = pl.DataFrame({"sex": ["F", "M", ALL], "n": [-3, 20, 17]})
    with pytest.raises(ValueError) as exc:
        apply_sdc(df, ["n"], ["sex"])
    assert "-3" not in str(exc.value) and "negative" in str(exc.value)
    with pytest.raises(ValueError, match="share a dimension key"):
        apply_sdc(pl.DataFrame({"sex": ["F", "F"], "n": [20, 20]}), ["n"], ["sex"])


def test_log_holds_no_values():
    res = apply_sdc(crosstab(), ["people"], ["ethnic_group", "sex"])
    assert res.log.columns == ["table", "row_key", "column", "rule"]
    for key in res.log["row_key"]:
        assert not any(ch.isdigit() for ch in key)


# --------------------------------------------------------------------------- scan


def test_scan_finds_planted_violations():
    spec = SdcSpec(
        ("people", "events"),
        ("ethnic_group", "sex"),
        rate_specs=(RateSpec("rate", "events", "people"),),
    )
    true_df = crosstab().with_columns(events=pl.col("people") * 2).with_columns(
        rate=pl.col("events") / pl.col("people")
    )
    safe = apply_sdc_spec(true_df, spec).table
    assert scan_published(safe, spec) == []

    def at(e, s):
        return (pl.col("ethnic_group") == e) & (pl.col("sex") == s)

    bad = safe.with_columns(
        people=pl.when(at("B", "X")).then(7)  # small count
        .when(at("B", "Y")).then(31)  # not rounded
        .when(at("A", "Z")).then(pl.lit(None, dtype=pl.Int64))  # a third suppression in row A...
        .otherwise(pl.col("people")),
        events=pl.when(at("B", "Z")).then(0).otherwise(pl.col("events")),  # disclosive zero
        rate=pl.when(at("A", "Y")).then(0.5).otherwise(pl.col("rate")),  # rate over a suppressed cell
        leaked=pl.lit(1),
    )
    # ...and publish the partner of the (A,Y) small cell, leaving it alone in its column
    bad = bad.with_columns(people=pl.when(at("C", "Y")).then(20).otherwise(pl.col("people")))
    counts = violation_counts(scan_published(bad, spec))
    assert counts["count_lt_threshold"] == 1
    assert counts["count_not_rounded"] == 2  # 7 and 31
    assert counts["zero_not_structural"] == 1
    assert counts["single_suppressed_in_line"] >= 1
    assert counts["rate_denominator_lt_threshold"] == 2  # (A,Y) and (B,X) now 7
    assert counts["undeclared_column"] == 1
    dropped = safe.drop("people_flag")
    assert violation_counts(scan_published(dropped, spec)) == {"missing_column": 1}

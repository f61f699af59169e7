"""What leaves the secure environment: each published table, shaped for disclosure control.

Every research aggregate becomes a cross-tab whose totals are rows labelled "All", so that
``sdc.apply_sdc_spec`` can see every line an attacker could subtract along, and ``scan_published``
can re-check the table on disk. Only declared columns are released.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import polars as pl

from asc_linkage.core.sdc import MeanSpec, RateSpec, SdcResult, SdcSpec, Violation, apply_sdc_spec, scan_published

TOTAL = "All"


@dataclass(frozen=True)
class PublishedTable:
    name: str
    source: str
    description: str
    prepare: Callable[[pl.DataFrame], pl.DataFrame]
    spec: SdcSpec
    # Breakdowns with their own levels (sex has no "Black" cell) are protected one at a time, so
    # the SDC's filling of absent cells never invents cells across breakdowns.
    split_by: tuple[str, ...] = ()

    def parts(self, df: pl.DataFrame) -> list[pl.DataFrame]:
        if not self.split_by:
            return [df]
        return [part for _, part in df.group_by(list(self.split_by), maintain_order=True)]


def _one_way_with_totals(df: pl.DataFrame, breakdown_col: str, keys: list[str], overall: str) -> pl.DataFrame:
    """Give every one-way breakdown its own total row (copied from the overall row), so each
    breakdown is a line ``sum(groups) = All`` that secondary suppression protects."""
    overall_rows = df.filter(pl.col(breakdown_col) == overall)
    breakdowns = df.filter(pl.col(breakdown_col) != overall)[breakdown_col].unique(maintain_order=True)
    totals = [overall_rows.with_columns(pl.lit(b).alias(breakdown_col), pl.lit(TOTAL).alias("group"))
              for b in breakdowns]
    inner = df.filter(pl.col(breakdown_col) != overall)
    return pl.concat([inner, *totals], how="vertical_relaxed").sort([*keys, breakdown_col, "group"])


def _prepare_inequality_rates(df: pl.DataFrame) -> pl.DataFrame:
    return _one_way_with_totals(df, "breakdown", ["indicator", "rate_type"], overall="all").select(
        "indicator", "rate_type", "breakdown", "group", "numerator", "denominator", "rate", "ci_lower", "ci_upper")


def _prepare_placement_rates(df: pl.DataFrame) -> pl.DataFrame:
    return _one_way_with_totals(df, "grouping", ["cohort"], overall="all").select(
        "cohort", "grouping", "group", "persons", "placements", "person_years",
        "rate_per_1000_py", "rate_ci_lower", "rate_ci_upper")


def _prepare_crisis_patterns(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        "measure", "window", "case_persons", "comparison_persons", "case_total", "comparison_total",
        "case_mean_per_30_days", "comparison_mean_per_30_days", "rate_ratio", "rate_ratio_ci_lower",
        "rate_ratio_ci_upper")


# Segments that are unions of others (asc_all, mh_all) would let a suppressed cell of a part be
# recovered by subtraction, so only the disjoint segments and the subsets are released.
RELEASED_SEGMENTS = ["linked_cohort", "asc_only", "mh_only", "mh_smi", "mh_dementia"]


def _prepare_cohort_comparison(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("segment").is_in(RELEASED_SEGMENTS)).select(
        "segment", "measure", "numerator", "denominator", "percent", "ci_lower", "ci_upper", "structural")


PUBLISHED_TABLES: dict[str, PublishedTable] = {
    table.name: table for table in [
        PublishedTable(
            "published_inequality_rates", "inequality_rates",
            "Rates of the key indicators by ethnic group, sex, age band and IMD quintile with 95% confidence "
            "intervals, disclosure-controlled: counts under 10 (and zeros) suppressed, others rounded to 5, "
            "secondary suppression against each breakdown's total, rates only over numerators and denominators of 10+.",
            _prepare_inequality_rates,
            SdcSpec(count_cols=("numerator", "denominator"), dims=("group",), by=("indicator", "rate_type", "breakdown"),
                    rate_specs=(RateSpec("rate", "numerator", "denominator", ("ci_lower", "ci_upper")),),
                    table_name="published_inequality_rates"),
            split_by=("breakdown",),
        ),
        PublishedTable(
            "published_placement_rates", "placement_rates",
            "First permanent care-home placements per 1,000 person-years by dementia, age group and living "
            "situation for adults with SMI, older adults with dementia and older social care clients; disclosure-controlled.",
            _prepare_placement_rates,
            SdcSpec(count_cols=("persons", "placements", "person_years"), dims=("group",), by=("cohort", "grouping"),
                    rate_specs=(RateSpec("rate_per_1000_py", "placements", "person_years",
                                         ("rate_ci_lower", "rate_ci_upper")),),
                    table_name="published_placement_rates"),
            split_by=("cohort", "grouping"),
        ),
        PublishedTable(
            "published_crisis_patterns", "crisis_service_patterns",
            "Service use per 30 days in each window before a first mental-health crisis, cases against "
            "comparisons, with rate ratios; disclosure-controlled (means and ratios only over 10+ persons and events).",
            _prepare_crisis_patterns,
            SdcSpec(count_cols=("case_persons", "comparison_persons", "case_total", "comparison_total"),
                    dims=("measure", "window"),
                    mean_specs=(MeanSpec("case_mean_per_30_days", "case_persons"),
                                MeanSpec("comparison_mean_per_30_days", "comparison_persons")),
                    rate_specs=(RateSpec("rate_ratio", "case_total", "comparison_total",
                                         ("rate_ratio_ci_lower", "rate_ratio_ci_upper")),),
                    table_name="published_crisis_patterns"),
        ),
        PublishedTable(
            "published_cohort_comparison", "cohort_vs_single_system",
            "The linked cohort against single-system populations (for example people with SMI known to mental "
            "health services who receive no social care), as percentages with 95% confidence intervals; "
            "disclosure-controlled, structural zeros published as 0.",
            _prepare_cohort_comparison,
            SdcSpec(count_cols=("numerator", "denominator"), dims=("measure",), by=("segment",),
                    rate_specs=(RateSpec("percent", "numerator", "denominator", ("ci_lower", "ci_upper")),),
                    structural_zero=pl.col("structural"), table_name="published_cohort_comparison"),
        ),
    ]
}


def publish(table: PublishedTable, research_table: pl.DataFrame) -> SdcResult:
    """The disclosure-controlled table and its SDC log (the log stays with output checkers)."""
    results = [apply_sdc_spec(part, table.spec) for part in table.parts(table.prepare(research_table))]
    if not results:
        empty = apply_sdc_spec(table.prepare(research_table).clear(), table.spec)
        return empty
    return SdcResult(table=pl.concat([r.table for r in results], how="vertical_relaxed"),
                     log=pl.concat([r.log for r in results], how="vertical_relaxed"))


def scan(table: PublishedTable, published: pl.DataFrame) -> list[Violation]:
    """Every rule the published table breaks, re-checked from the released values alone.
    Structural zeros are known from their flags, since the column that marked them is not released."""
    flags = [pl.col(f"{c}_flag") == "structural_zero" for c in table.spec.count_cols]
    spec = dataclasses.replace(table.spec, structural_zero=pl.any_horizontal(flags))
    return [violation for part in table.parts(published) for violation in scan_published(part, spec)]

"""Inequalities in access and outcomes, and the linked cohort against single-system populations.

Research-zone inputs only (``research_person_id``); outputs are aggregates, but they are NOT yet
disclosure-controlled: small cells are still present and must go through the SDC step before they
leave the research zone.

Statistics used here (and by :mod:`institutionalisation` and :mod:`crisis`):

* proportions (persons with the event / persons at risk): Wilson score interval, 95%;
* Poisson rates (events / person-years): exact (Garwood, chi-square equivalent) interval for the
  count when it is at most 100, Byar's approximation above (where it agrees with exact to <0.1%),
  divided by the person-years; for a count of 0 the lower limit is 0 (upper 3.69 events);
* rate ratios: log rate ratio +/- 1.96 * sqrt(1/a + 1/b), null when either count is 0.
"""

from __future__ import annotations

import math

import polars as pl

from asc_linkage.core.output_specs import output_columns

Z_95 = 1.959963984540054

# Per-person values that do not add up across quarters.
NOT_ADDITIVE = {"research_person_id", "quarter_start", "quarter_end", "asc_cost_per_week",
                "asc_wait_days_request_to_first_service"}

DEFAULT_BREAKDOWNS = ["ethnic_group", "sex", "age_band", "imd_quintile"]

# Indicators reported as "persons with at least one ... per 1,000 persons at risk".
PERSON_INDICATORS: dict[str, tuple[str, pl.Expr]] = {
    "any_asc_service": (
        "Persons with any ASC service open in the period",
        pl.col("asc_services_open") > 0,
    ),
    "any_lt_residential_nursing": (
        "Persons with a long-term residential or nursing care service open in the period",
        (pl.col("asc_services_open_lt_residential") + pl.col("asc_services_open_lt_nursing")) > 0,
    ),
    "any_crisis": (
        "Persons with a mental-health crisis episode starting in the period (crisis.crisis_events)",
        pl.col("mh_crisis_episodes") > 0,
    ),
    "mha_detention": (
        "Persons with a civil or place-of-safety MHA detention starting in the period",
        pl.col("mh_mha_detentions") > 0,
    ),
    "inpatient_admission": (
        "Persons with a psychiatric inpatient admission in the period",
        pl.col("mh_inpatient_admissions") > 0,
    ),
    "any_attended_mh_contact": (
        "Persons with at least one attended MH care contact in the period",
        pl.col("mh_contacts_attended") > 0,
    ),
}

# Indicators reported as events per person-year at risk.
TIME_INDICATORS: dict[str, tuple[str, str]] = {
    "mh_contacts_attended": ("Attended MH care contacts per person-year", "mh_contacts_attended"),
    "mh_mha_detentions": ("MHA detentions per person-year", "mh_mha_detentions"),
    "mh_inpatient_admissions": ("Psychiatric admissions per person-year", "mh_inpatient_admissions"),
    "mh_crisis_episodes": ("Crisis episodes per person-year", "mh_crisis_episodes"),
}

# Columns and their descriptions: the contracts in data_specs/outputs/ (one place for both).
OUTPUT_COLUMNS: dict[str, dict[str, str]] = {
    "indicator_rates": output_columns("inequality_rates"),
    "cohort_vs_single_system": output_columns("cohort_vs_single_system"),
}


# ---------------------------------------------------------------------------------------------
# Interval helpers (plain floats and polars expressions); shared with the other research modules.
# ---------------------------------------------------------------------------------------------

def wilson_interval(successes: float, total: float, z: float = Z_95) -> tuple[float | None, float | None]:
    """95% Wilson score interval for a proportion; (None, None) when total is 0."""
    if total <= 0:
        return None, None
    p = successes / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_exprs(successes: pl.Expr, total: pl.Expr, z: float = Z_95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson interval limits (as proportions) as polars expressions; null when total is 0."""
    n = total.cast(pl.Float64)
    p = successes.cast(pl.Float64) / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt() / denom
    lower = pl.when(n > 0).then(pl.max_horizontal(centre - half, pl.lit(0.0)))
    upper = pl.when(n > 0).then(pl.min_horizontal(centre + half, pl.lit(1.0)))
    return lower, upper


EXACT_POISSON_MAX_COUNT = 100


def _poisson_cdf(k: int, mu: float) -> float:
    if k < 0:
        return 0.0
    if mu <= 0:
        return 1.0
    log_mu = math.log(mu)
    return math.fsum(math.exp(-mu + i * log_mu - math.lgamma(i + 1)) for i in range(k + 1))


def _solve_decreasing(f, target: float, high: float) -> float:
    """Bisection for f(mu) = target where f decreases in mu (Poisson CDFs do)."""
    low = 0.0
    while f(high) > target:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if f(mid) > target:
            low = mid
        else:
            high = mid
        if high - low < 1e-10 * max(1.0, high):
            break
    return (low + high) / 2


def poisson_count_interval(count: float, z: float = Z_95) -> tuple[float, float]:
    """95% interval for a Poisson count: exact (Garwood) up to 100 events, Byar's approximation above.

    Byar is within 0.1% of exact above 100 but up to ~7% off for the lower limit of tiny counts,
    which is why small counts are solved exactly (by bisection on the Poisson CDF; no scipy needed).
    """
    if count is None:
        return None, None
    a = float(count)
    if a <= EXACT_POISSON_MAX_COUNT and a == int(a):
        tail = (1 - math.erf(z / math.sqrt(2))) / 2  # 0.025 for z = 1.96
        k = int(a)
        upper = _solve_decreasing(lambda mu: _poisson_cdf(k, mu), tail, high=k + 10.0)
        lower = 0.0 if k == 0 else _solve_decreasing(lambda mu: _poisson_cdf(k - 1, mu), 1 - tail, high=k + 10.0)
        return lower, upper
    lower = a * (1 - 1 / (9 * a) - z / (3 * math.sqrt(a))) ** 3 if a > 0 else 0.0
    upper = (a + 1) * (1 - 1 / (9 * (a + 1)) + z / (3 * math.sqrt(a + 1))) ** 3
    return max(lower, 0.0), upper


def poisson_count_exprs(count: pl.Expr, z: float = Z_95) -> tuple[pl.Expr, pl.Expr]:
    """:func:`poisson_count_interval` limits as polars expressions (row-wise; for aggregate tables)."""
    return (
        count.map_elements(lambda a: poisson_count_interval(a, z)[0], return_dtype=pl.Float64),
        count.map_elements(lambda a: poisson_count_interval(a, z)[1], return_dtype=pl.Float64),
    )


def rate_ratio_exprs(
    events_a: pl.Expr, time_a: pl.Expr, events_b: pl.Expr, time_b: pl.Expr, z: float = Z_95
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Rate ratio (a over b) with a 95% CI from the log scale; null when either count is 0."""
    a = events_a.cast(pl.Float64)
    b = events_b.cast(pl.Float64)
    valid = (a > 0) & (b > 0) & (time_a > 0) & (time_b > 0)
    ratio = (a / time_a) / (b / time_b)
    se = (1 / a + 1 / b).sqrt()
    return (
        pl.when(valid).then(ratio),
        pl.when(valid).then(ratio * (-z * se).exp()),
        pl.when(valid).then(ratio * (z * se).exp()),
    )


# ---------------------------------------------------------------------------------------------

def _per_person_over_period(person_indicators: pl.DataFrame) -> pl.DataFrame:
    """Sum a person's quarters so a stacked multi-quarter table is treated as one longer period."""
    count_columns = [
        c
        for c, dtype in person_indicators.schema.items()
        if c not in NOT_ADDITIVE and dtype.is_numeric()
    ]
    return person_indicators.group_by("research_person_id").agg(
        [pl.col(c).fill_null(0).sum() for c in count_columns]
    )


def _at_risk_people(population: pl.DataFrame, person_indicators: pl.DataFrame) -> pl.DataFrame:
    per_person = _per_person_over_period(person_indicators)
    return population.join(per_person, on="research_person_id", how="inner").filter(
        pl.col("days_alive_in_period") > 0
    )


def indicator_rates(
    population: pl.DataFrame,
    person_indicators: pl.DataFrame,
    by: list[str] | None = None,
) -> pl.DataFrame:
    """Key indicator rates, overall and broken down one characteristic at a time.

    ``person_indicators`` is the output of :func:`indicators.person_quarter_indicators` for one or
    more quarters (several quarters are summed per person, i.e. "in the period" = across them).
    ``population`` may be ``research_population`` or ``linked_cohort``: only its people are counted.
    Everyone alive for at least one day of the period is at risk; person-years are days alive / 365.25.

    Each element of ``by`` (default ethnic_group, sex, age_band, imd_quintile) is a separate
    one-way breakdown; a row with breakdown 'all' gives the overall rate. Per-person indicators
    ("persons with any ...") are per 1,000 persons with Wilson 95% CIs; event-rate indicators are per
    person-year with exact-Poisson (Byar above 100 events) 95% CIs. Columns: see ``OUTPUT_COLUMNS['indicator_rates']``.
    Cells are NOT disclosure-controlled.
    """
    by = list(DEFAULT_BREAKDOWNS if by is None else by)
    unknown = set(by) - set(DEFAULT_BREAKDOWNS)
    if unknown:
        raise ValueError(f"indicator_rates: unsupported breakdown(s) {sorted(unknown)}")
    people = _at_risk_people(population, person_indicators).with_columns(
        (pl.col("days_alive_in_period") / 365.25).alias("_person_years"),
        *[pl.col(k).cast(pl.String).fill_null("Unknown").alias(f"_g_{k}") for k in by],
        pl.lit("All").alias("_g_all"),
    )
    frames = []
    for breakdown in ["all", *by]:
        group_col = f"_g_{breakdown}"
        person_aggs = [
            expr.cast(pl.Int64).sum().alias(f"p_{name}") for name, (_, expr) in PERSON_INDICATORS.items()
        ]
        time_aggs = [pl.col(col).sum().alias(f"t_{name}") for name, (_, col) in TIME_INDICATORS.items()]
        grouped = people.group_by(group_col).agg(
            pl.len().alias("_persons"), pl.col("_person_years").sum().alias("_py"), *person_aggs, *time_aggs
        )
        for name, (description, _) in PERSON_INDICATORS.items():
            lower, upper = wilson_exprs(pl.col("numerator"), pl.col("denominator"))
            frames.append(
                grouped.select(
                    pl.lit(breakdown).alias("breakdown"),
                    pl.col(group_col).alias("group"),
                    pl.lit(name).alias("indicator"),
                    pl.lit(description).alias("indicator_description"),
                    pl.lit("per_1000_persons").alias("rate_type"),
                    pl.col(f"p_{name}").cast(pl.Float64).alias("numerator"),
                    pl.col("_persons").cast(pl.Float64).alias("denominator"),
                ).with_columns(
                    (pl.col("numerator") / pl.col("denominator") * 1000).alias("rate"),
                    (lower * 1000).alias("ci_lower"),
                    (upper * 1000).alias("ci_upper"),
                )
            )
        for name, (description, _) in TIME_INDICATORS.items():
            lower, upper = poisson_count_exprs(pl.col("numerator"))
            frames.append(
                grouped.select(
                    pl.lit(breakdown).alias("breakdown"),
                    pl.col(group_col).alias("group"),
                    pl.lit(name).alias("indicator"),
                    pl.lit(description).alias("indicator_description"),
                    pl.lit("per_person_year").alias("rate_type"),
                    pl.col(f"t_{name}").cast(pl.Float64).alias("numerator"),
                    pl.col("_py").cast(pl.Float64).alias("denominator"),
                ).with_columns(
                    pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator")).alias("rate"),
                    pl.when(pl.col("denominator") > 0).then(lower / pl.col("denominator")).alias("ci_lower"),
                    pl.when(pl.col("denominator") > 0).then(upper / pl.col("denominator")).alias("ci_upper"),
                )
            )
    columns = list(OUTPUT_COLUMNS["indicator_rates"])
    breakdown_order = {b: i for i, b in enumerate(["all", *by])}
    indicator_order = {n: i for i, n in enumerate([*PERSON_INDICATORS, *TIME_INDICATORS])}
    return (
        pl.concat(frames)
        .with_columns(
            pl.col("breakdown").replace_strict(breakdown_order).alias("_b"),
            pl.col("indicator").replace_strict(indicator_order).alias("_i"),
        )
        .sort("_b", "group", "_i")
        .select(columns)
    )


SEGMENTS: dict[str, tuple[str, pl.Expr]] = {
    "linked_cohort": ("Known to both ASC and MH services (linked cohort)", pl.col("in_both")),
    "asc_only": ("Known to ASC but not to MH services", pl.col("in_asc") & ~pl.col("in_mh")),
    "mh_only": ("Known to MH services but not to ASC", pl.col("in_mh") & ~pl.col("in_asc")),
    "asc_all": ("Everyone known to ASC (single-system ASC population)", pl.col("in_asc")),
    "mh_all": ("Everyone known to MH services (single-system MH population)", pl.col("in_mh")),
    "mh_smi": ("Known to MH services with severe mental illness", pl.col("in_mh") & pl.col("smi")),
    "mh_dementia": ("Known to MH services with dementia", pl.col("in_mh") & pl.col("dementia")),
}

MEASURES: dict[str, tuple[str, pl.Expr]] = {
    "known_to_asc": ("Known to ASC at any time", pl.col("in_asc")),
    "known_to_mh": ("Known to MH services at any time", pl.col("in_mh")),
    "never_known_to_asc": ("Never known to ASC (no social care on record)", ~pl.col("in_asc")),
    "no_asc_service_in_period": ("No ASC service open in the period", pl.col("asc_services_open") == 0),
    "any_asc_service_in_period": ("Any ASC service open in the period", pl.col("asc_services_open") > 0),
    "any_lt_residential_nursing_in_period": (
        "Long-term residential or nursing care open in the period",
        (pl.col("asc_services_open_lt_residential") + pl.col("asc_services_open_lt_nursing")) > 0,
    ),
    "any_attended_mh_contact_in_period": (
        "At least one attended MH contact in the period",
        pl.col("mh_contacts_attended") > 0,
    ),
    "any_crisis_in_period": ("A crisis episode starting in the period", pl.col("mh_crisis_episodes") > 0),
    "inpatient_admission_in_period": (
        "A psychiatric admission in the period",
        pl.col("mh_inpatient_admissions") > 0,
    ),
    "mha_detention_in_period": ("An MHA detention starting in the period", pl.col("mh_mha_detentions") > 0),
}


# Which membership flags each segment pins down, and which flag values pin each measure down:
# a measure is "structural" in a segment when its value follows from the definition alone (ASC
# activity of people never known to ASC is 0), so a zero there discloses nothing.
SEGMENT_FLAGS: dict[str, dict[str, bool]] = {
    "linked_cohort": {"in_asc": True, "in_mh": True},
    "asc_only": {"in_asc": True, "in_mh": False},
    "mh_only": {"in_asc": False, "in_mh": True},
    "asc_all": {"in_asc": True},
    "mh_all": {"in_mh": True},
    "mh_smi": {"in_mh": True},
    "mh_dementia": {"in_mh": True},
}
MEASURE_FIXED_BY: dict[str, tuple[str, set[bool]]] = {
    "known_to_asc": ("in_asc", {True, False}),
    "never_known_to_asc": ("in_asc", {True, False}),
    "no_asc_service_in_period": ("in_asc", {False}),
    "any_asc_service_in_period": ("in_asc", {False}),
    "any_lt_residential_nursing_in_period": ("in_asc", {False}),
    "known_to_mh": ("in_mh", {True, False}),
    "any_attended_mh_contact_in_period": ("in_mh", {False}),
    "any_crisis_in_period": ("in_mh", {False}),
    "inpatient_admission_in_period": ("in_mh", {False}),
    "mha_detention_in_period": ("in_mh", {False}),
}


def _is_structural(segment: str, measure: str) -> bool:
    flag, fixing_values = MEASURE_FIXED_BY[measure]
    pinned = SEGMENT_FLAGS[segment]
    return flag in pinned and pinned[flag] in fixing_values


def cohort_vs_single_system(population: pl.DataFrame, person_indicators: pl.DataFrame) -> pl.DataFrame:
    """The linked cohort set against each single-system population.

    One row per segment x measure: e.g. segment ``mh_smi`` with measure ``never_known_to_asc`` is
    "people with SMI known to MH services who have no social care on record" (count and %), and
    ``no_asc_service_in_period`` the same for current social care. The segments overlap on purpose
    (``asc_all`` = ``linked_cohort`` + ``asc_only``). Denominator: segment members alive for at least
    one day of the period. Percent with Wilson 95% CI; ``structural`` marks values fixed by the
    segment's definition (for the disclosure-control step). Columns: see
    ``OUTPUT_COLUMNS['cohort_vs_single_system']``. Cells are NOT disclosure-controlled.
    """
    people = _at_risk_people(population, person_indicators).with_columns(
        pl.col("in_asc", "in_mh", "in_both", "smi", "dementia").fill_null(False)
    )
    frames = []
    for segment, (segment_description, segment_expr) in SEGMENTS.items():
        members = people.filter(segment_expr)
        for measure, (measure_description, measure_expr) in MEASURES.items():
            numerator = members.select(measure_expr.cast(pl.Int64).sum()).item() if members.height else 0
            denominator = members.height
            lower, upper = wilson_interval(numerator, denominator)
            frames.append(
                {
                    "segment": segment,
                    "segment_description": segment_description,
                    "measure": measure,
                    "measure_description": measure_description,
                    "numerator": numerator,
                    "denominator": denominator,
                    "percent": 100 * numerator / denominator if denominator else None,
                    "ci_lower": None if lower is None else 100 * lower,
                    "ci_upper": None if upper is None else 100 * upper,
                    "structural": _is_structural(segment, measure),
                }
            )
    return pl.DataFrame(
        frames,
        schema={
            "segment": pl.String,
            "segment_description": pl.String,
            "measure": pl.String,
            "measure_description": pl.String,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "percent": pl.Float64,
            "ci_lower": pl.Float64,
            "ci_upper": pl.Float64,
            "structural": pl.Boolean,
        },
    )

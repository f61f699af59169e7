"""Institutionalisation: first new permanent residential / nursing placements and their predictors.

Research question 1: what predicts a move into a care home among adults with severe mental illness
(SMI) and older adults with dementia. Research-zone inputs only.

Placements follow the CLD method for ASCOF 2B/2C (domain.md section 6, DHSC ``Create_ASCOF_2B2C``):

1. Service events of client type ``Service user`` with service type ``Long term support:
   Residential care`` or ``Long term support: Nursing care`` and a service component that is null
   or mentions residential/nursing without "short";
2. excluding event outcome ``NFA: Self-funded client or under 12wk disregard``;
3. "new": no earlier long-term residential/nursing service of the person (step 1 without the
   outcome exclusion - a self-funded earlier stay still means the person was already in care) that
   started before this one and is still open or ended less than 365 days before this start. A move
   between residential and nursing care is therefore not a new placement.

The person's FIRST new placement is the index date. CLD cannot tell temporary from permanent
placements (a known caveat of the method).

Ages: the population holds the birth year only, so ages are calendar ages assuming a birthday on
1 July (DHSC uses the birth month, which the research zone does not carry); an age can be one year
off.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from asc_linkage.core.crisis import DETENTION_LEGAL_STATUSES
from asc_linkage.core.inequalities import poisson_count_exprs, rate_ratio_exprs
from asc_linkage.core.output_specs import output_columns
# The same code lists that set the population's smi / dementia flags, so entry dates agree with them.
from asc_linkage.core.research_tables import dementia_expr, icd10_norm, smi_expr

CARE_HOME_SERVICE_TYPES = {
    "Long term support: Residential care": "residential",
    "Long term support: Nursing care": "nursing",
}
SELF_FUNDED_OUTCOME = "NFA: Self-funded client or under 12wk disregard"
NEW_PLACEMENT_GAP_DAYS = 365
COHORTS = ("smi", "dementia", "older_asc_clients")


DEFAULT_RATE_GROUPINGS = ["dementia_at_entry", "age_group", "lives_alone"]
# The level every other level of a grouping is compared with.
REFERENCE_LEVELS = {"dementia_at_entry": "false", "age_group": "65-84", "lives_alone": "false", "smi_at_entry": "false"}

# Columns and their descriptions: the contracts in data_specs/outputs/ (one place for both). The
# three placement_predictors_<cohort> contracts hold the same columns (a test keeps them equal);
# placement_rates' `cohort` column is added by the Dagster asset around placement_rates().
OUTPUT_COLUMNS: dict[str, dict[str, str]] = {
    "first_permanent_placements": output_columns("first_permanent_placements"),
    "predictor_table": output_columns(f"placement_predictors_{COHORTS[0]}"),
    "placement_rates": output_columns("placement_rates", exclude=("cohort",)),
}


def _age_on(day: pl.Expr) -> pl.Expr:
    # Calendar age with the birthday taken as 1 July: exact on the assumed 65th birthday, which the
    # 365.25-day formula misses by a day and would push people out of a 65+ cohort.
    before_birthday = (day.dt.month() < 7).cast(pl.Int64)
    return (day.dt.year().cast(pl.Int64) - pl.col("birth_year") - before_birthday).cast(pl.Int64)


def _care_home_services(asc_events: pl.DataFrame) -> pl.DataFrame:
    component = pl.col("service_component").fill_null("").str.to_lowercase()
    component_ok = pl.col("service_component").is_null() | (
        (component.str.contains("residential") | component.str.contains("nursing")) & ~component.str.contains("short")
    )
    return asc_events.filter(
        (pl.col("event_type") == "Service")
        & (pl.col("client_type") == "Service user")
        & pl.col("service_type").is_in(list(CARE_HOME_SERVICE_TYPES))
        & component_ok
        & pl.col("event_start_date").is_not_null()
    ).with_row_index("_service")


def first_permanent_placements(asc_events: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Each person's first new permanent residential or nursing placement (CLD ASCOF 2B/2C method).

    One row per person who ever had one; ``placement_date`` is the index date for research
    question 1. The rules are in the module docstring. Columns: see
    ``OUTPUT_COLUMNS['first_permanent_placements']``.
    """
    care_home = _care_home_services(asc_events)
    candidates = care_home.filter(pl.col("event_outcome").fill_null("") != SELF_FUNDED_OUTCOME)
    earlier = care_home.select(
        "research_person_id",
        pl.col("_service").alias("_earlier"),
        pl.col("event_start_date").alias("_earlier_start"),
        pl.col("event_end_date").alias("_earlier_end"),
    )
    not_new = (
        candidates.select("research_person_id", "_service", "event_start_date")
        .join(earlier, on="research_person_id")
        .filter(
            (pl.col("_earlier") != pl.col("_service"))
            & (pl.col("_earlier_start") < pl.col("event_start_date"))
            & (
                pl.col("_earlier_end").is_null()
                | ((pl.col("event_start_date") - pl.col("_earlier_end")).dt.total_days() < NEW_PLACEMENT_GAP_DAYS)
            )
        )
        .select("_service")
        .unique()
    )
    new = candidates.join(not_new, on="_service", how="anti").with_columns(
        pl.col("service_type").replace_strict(CARE_HOME_SERVICE_TYPES).alias("placement_setting")
    )
    first = (
        new.sort("research_person_id", "event_start_date", "placement_setting")
        .group_by("research_person_id", maintain_order=True)
        .agg(
            pl.col("event_start_date").first().alias("placement_date"),
            pl.col("placement_setting").first(),
            pl.col("event_start_date").n_unique().cast(pl.Int64).alias("new_placements_on_record"),
        )
        .join(population.select("research_person_id", "birth_year"), on="research_person_id", how="left")
        .with_columns(_age_on(pl.col("placement_date")).alias("age_at_placement"))
        .with_columns(
            pl.when(pl.col("age_at_placement") >= 65)
            .then(pl.lit("2C"))
            .when(pl.col("age_at_placement") >= 18)
            .then(pl.lit("2B"))
            .alias("ascof_measure")
        )
    )
    return first.select(list(OUTPUT_COLUMNS["first_permanent_placements"])).sort("research_person_id")


def _first_diagnosis(mh_diagnoses: pl.DataFrame, is_in_group, name: str) -> pl.DataFrame:
    return (
        mh_diagnoses.filter(is_in_group(icd10_norm("icd10_code")) & pl.col("diagnosis_date").is_not_null())
        .group_by("research_person_id")
        .agg(pl.col("diagnosis_date").min().alias(name))
    )


def _prior_count(index: pl.DataFrame, events: pl.DataFrame, date_column: str, name: str) -> pl.DataFrame:
    return (
        index.join(events.select("research_person_id", date_column), on="research_person_id")
        .filter(pl.col(date_column) < pl.col("entry_date"))
        .group_by("research_person_id")
        .agg(pl.len().cast(pl.Int64).alias(name))
    )


def predictor_table(
    population: pl.DataFrame,
    placements: pl.DataFrame,
    asc_events: pl.DataFrame,
    mh_hospital_spells: pl.DataFrame,
    mh_mha_episodes: pl.DataFrame,
    mh_diagnoses: pl.DataFrame,
    cohort: str,
    study_end: date,
) -> pl.DataFrame:
    """Analysis-ready table for a survival (or logistic) model of first placement in a care home.

    One row per cohort member:
    * ``smi``: population ``smi`` flag, aged 18+ at entry; entry = first dated SMI diagnosis (else
      first MH contact, else first ASC contact);
    * ``dementia``: population ``dementia`` flag, aged 65+ at entry (young-onset dementia diagnosed
      before 65 is left out); entry = first dated dementia diagnosis (else first MH, else ASC contact);
    * ``older_asc_clients``: everyone known to ASC, from the later of their first ASC contact and
      their 65th birthday - the population a council placement can come from, in which dementia is
      a predictor rather than the inclusion criterion (so its rate ratio can be estimated).

    People who died before entry, entered after ``study_end``, or whose first placement came before
    entry (already in care) are left out. Follow-up ends at the first placement (event), death or
    ``study_end`` (censored). Every predictor is measured strictly BEFORE the entry date (baseline),
    so a model fitted on it cannot use information from after follow-up starts; population flags
    without dates (lives_alone) are taken as recorded. Columns: see
    ``OUTPUT_COLUMNS['predictor_table']``.
    """
    if cohort not in COHORTS:
        raise ValueError(f"predictor_table: cohort must be one of {COHORTS}")
    first_smi = _first_diagnosis(mh_diagnoses, smi_expr, "_first_smi")
    first_dementia = _first_diagnosis(mh_diagnoses, dementia_expr, "_first_dementia")
    people = (
        population.join(first_smi, on="research_person_id", how="left")
        .join(first_dementia, on="research_person_id", how="left")
        .join(placements.select("research_person_id", "placement_date"), on="research_person_id", how="left")
        .with_columns(
            pl.min_horizontal("first_asc_date", "first_mh_date").alias("_known_from"),
            pl.col("smi", "dementia").fill_null(False),
        )
    )
    if cohort == "smi":
        people = people.filter(pl.col("smi")).with_columns(
            pl.coalesce("_first_smi", "first_mh_date", "_known_from").alias("entry_date")
        )
        minimum_age = 18
    elif cohort == "dementia":
        people = people.filter(pl.col("dementia")).with_columns(
            pl.coalesce("_first_dementia", "first_mh_date", "_known_from").alias("entry_date")
        )
        minimum_age = 65
    else:
        people = people.filter(pl.col("first_asc_date").is_not_null()).with_columns(
            pl.max_horizontal("first_asc_date", pl.date(pl.col("birth_year") + 65, 7, 1)).alias("entry_date")
        )
        minimum_age = 65

    study_end_lit = pl.lit(study_end)
    people = (
        people.filter(pl.col("entry_date").is_not_null() & (pl.col("entry_date") <= study_end_lit))
        .filter(pl.col("date_of_death").is_null() | (pl.col("date_of_death") >= pl.col("entry_date")))
        .filter(pl.col("placement_date").is_null() | (pl.col("placement_date") >= pl.col("entry_date")))
        .with_columns(_age_on(pl.col("entry_date")).alias("age_at_entry"))
        .filter(pl.col("age_at_entry") >= minimum_age)
    )
    censor_at = pl.min_horizontal(pl.col("date_of_death").fill_null(study_end_lit), study_end_lit)
    placed = pl.col("placement_date").is_not_null() & (pl.col("placement_date") <= censor_at)
    people = people.with_columns(
        placed.alias("placement"),
        pl.when(placed).then(pl.col("placement_date")).otherwise(censor_at).alias("exit_date"),
        pl.when(placed)
        .then(pl.lit("placement"))
        .when(pl.col("date_of_death").is_not_null() & (pl.col("date_of_death") <= study_end_lit))
        .then(pl.lit("death"))
        .otherwise(pl.lit("study_end"))
        .alias("exit_reason"),
        pl.lit(cohort).alias("cohort"),
        pl.when(pl.col("age_at_entry") >= 85)
        .then(pl.lit("85+"))
        .when(pl.col("age_at_entry") >= 65)
        .then(pl.lit("65-84"))
        .otherwise(pl.lit("18-64"))
        .alias("age_group"),
        (pl.col("smi") & (pl.col("_first_smi").is_null() | (pl.col("_first_smi") <= pl.col("entry_date")))).alias("smi_at_entry"),
        (pl.col("dementia") & (pl.col("_first_dementia").is_null() | (pl.col("_first_dementia") <= pl.col("entry_date")))).alias(
            "dementia_at_entry"
        ),
    ).with_columns(((pl.col("exit_date") - pl.col("entry_date")).dt.total_days() + 1).cast(pl.Int64).alias("time_at_risk_days"))

    index = people.select("research_person_id", "entry_date")
    event_type = pl.col("event_type")
    service_type = pl.col("service_type").fill_null("")
    services = asc_events.filter(event_type == "Service")
    parts = [
        _prior_count(index, mh_hospital_spells, "admission_date", "prior_admissions"),
        _prior_count(
            index, mh_mha_episodes.filter(
                pl.col("legal_status").cast(pl.String).str.strip_chars().is_in(DETENTION_LEGAL_STATUSES)
            ), "start_date", "prior_detentions"
        ),
        _prior_count(index, asc_events.filter(event_type == "Request"), "event_start_date", "prior_asc_requests"),
        _prior_count(index, asc_events.filter(event_type == "Assessment"), "event_start_date", "prior_asc_assessments"),
        _prior_count(
            index, services.filter(service_type == "Long term support: Community"), "event_start_date", "_community"
        ),
        _prior_count(
            index, services.filter(service_type.str.starts_with("Short term support")), "event_start_date", "_short_term"
        ),
    ]
    for part in parts:
        people = people.join(part, on="research_person_id", how="left")
    return (
        people.with_columns(
            pl.col("prior_admissions", "prior_detentions", "prior_asc_requests", "prior_asc_assessments").fill_null(0),
            (pl.col("_community").fill_null(0) > 0).alias("prior_asc_community_support"),
            (pl.col("_short_term").fill_null(0) > 0).alias("prior_asc_short_term_support"),
        )
        .select(list(OUTPUT_COLUMNS["predictor_table"]))
        .sort("research_person_id")
    )


PLACEMENT_RATES_SCHEMA = {
    c: pl.String if c in ("grouping", "group", "reference_group") else pl.Int64 if c in ("persons", "placements") else pl.Float64
    for c in OUTPUT_COLUMNS["placement_rates"]
}


def placement_rates(
    predictor_table: pl.DataFrame, by: list[str] | None = None, reference_levels: dict[str, str] | None = None
) -> pl.DataFrame:
    """Crude placement rates per 1,000 person-years and rate ratios, overall and by predictor.

    For each column in ``by`` (default dementia_at_entry, age_group, lives_alone) every level gets a
    rate with an exact-Poisson 95% CI and a rate ratio against the reference level (dementia: no; age:
    65-84, so the 85+ row is "85+ vs 65-84"; lives alone: no; otherwise the level with the most
    person-years; ``reference_levels`` overrides, e.g. {"age_group": "18-64"} for the SMI cohort)
    with a log-scale 95% CI. These are unadjusted: they show whether a signal is
    there, not its independent effect. NOT disclosure-controlled. Columns: see
    ``OUTPUT_COLUMNS['placement_rates']``.
    """
    by = list(DEFAULT_RATE_GROUPINGS if by is None else by)
    table = predictor_table.with_columns(
        (pl.col("time_at_risk_days") / 365.25).alias("_py"), pl.lit("All").alias("_all")
    )
    frames = []
    for grouping, column in [("all", "_all"), *[(c, c) for c in by]]:
        grouped = (
            table.with_columns(pl.col(column).cast(pl.String).fill_null("Unknown").alias("group"))
            .group_by("group")
            .agg(
                pl.len().cast(pl.Int64).alias("persons"),
                pl.col("placement").cast(pl.Int64).sum().alias("placements"),
                pl.col("_py").sum().alias("person_years"),
            )
            .sort("group")
        )
        if grouped.is_empty():
            continue
        reference = {**REFERENCE_LEVELS, **(reference_levels or {})}.get(grouping)
        if reference not in grouped["group"].to_list():
            reference = grouped.sort(["person_years", "group"], descending=[True, False])["group"][0]
        ref_row = grouped.filter(pl.col("group") == reference)
        lower, upper = poisson_count_exprs(pl.col("placements"))
        ratio, ratio_lower, ratio_upper = rate_ratio_exprs(
            pl.col("placements"), pl.col("person_years"), pl.lit(ref_row["placements"][0]), pl.lit(ref_row["person_years"][0])
        )
        is_reference = (pl.col("group") == reference) | pl.lit(grouping == "all")
        frames.append(
            grouped.with_columns(
                pl.lit(grouping).alias("grouping"),
                pl.when(pl.col("person_years") > 0).then(pl.col("placements") / pl.col("person_years") * 1000).alias("rate_per_1000_py"),
                pl.when(pl.col("person_years") > 0).then(lower / pl.col("person_years") * 1000).alias("rate_ci_lower"),
                pl.when(pl.col("person_years") > 0).then(upper / pl.col("person_years") * 1000).alias("rate_ci_upper"),
                pl.lit(None if grouping == "all" else reference, dtype=pl.String).alias("reference_group"),
                pl.when(~is_reference).then(ratio).alias("rate_ratio"),
                pl.when(~is_reference).then(ratio_lower).alias("rate_ratio_ci_lower"),
                pl.when(~is_reference).then(ratio_upper).alias("rate_ratio_ci_upper"),
            ).select(list(OUTPUT_COLUMNS["placement_rates"]))
        )
    if not frames:
        return pl.DataFrame(schema=PLACEMENT_RATES_SCHEMA)
    return pl.concat(frames, how="vertical_relaxed").cast(PLACEMENT_RATES_SCHEMA)

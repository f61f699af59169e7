"""Person-level service-use indicators per quarter (research zone).

One row per research person per quarter, from the research-zone event tables. The quarter is a
closed date range [quarter_start, quarter_end]. Counting rules, chosen so that stacking quarters
counts every event exactly once:

* "in the quarter" for point events (requests, assessments, reviews, referrals, contacts,
  admissions, detention starts) means the START/event date lies in the quarter;
* "open in the quarter" for services and referrals means open on at least one day of it
  (start <= quarter_end and (end is null or end >= quarter_start));
* ASC end dates are replaced by the date of death when death comes first (domain.md 1.4); open
  services of the living stay open to the quarter end.

ASC costs follow domain.md 1.4: units/week from the cost frequency (weekly 1, fortnightly 1/2,
4-weekly 1/4, monthly 12/52, quarterly 4/52, annually 1/52, otherwise planned units per week);
cost/week = |unit cost| x units/week; weeks = (days in the quarter + 1) / 7 with the service
clipped to the quarter; one-off services cost |unit cost| once, in the quarter they start;
zero or null costs are dropped (the service still counts as open).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from asc_linkage.core.crisis import (
    ATTENDED_CODES,
    CRISIS_TEAM_TYPES,
    DETENTION_LEGAL_STATUSES,
    MISSED_CODES,
    crisis_events,
)
from asc_linkage.core.output_specs import output_columns

READMISSION_DAYS = 30
FOLLOW_UP_DAYS = 3

LT_COMMUNITY = "Long term support: Community"
LT_RESIDENTIAL = "Long term support: Residential care"
LT_NURSING = "Long term support: Nursing care"

# Cost frequency (lower-cased) -> units per week; anything else uses planned_units_per_week.
FIXED_UNITS_PER_WEEK = {
    "weekly": 1.0,
    "fortnightly": 1 / 2,
    "4-weekly": 1 / 4,
    "monthly": 12 / 52,
    "quarterly": 4 / 52,
    "annually": 1 / 52,
    "no charge to client": 0.0,
}
ONE_OFF = "one-off"

# Columns and their descriptions: the contract in data_specs/outputs/ (one place for both).
OUTPUT_COLUMNS: dict[str, dict[str, str]] = {
    "person_quarter_indicators": output_columns("person_quarter_indicators"),
}

COUNT_COLUMNS = [
    c
    for c in OUTPUT_COLUMNS["person_quarter_indicators"]
    if c.startswith(("asc_", "mh_"))
    and c
    not in ("asc_new_long_term_support", "asc_weeks_of_support", "asc_cost_in_period", "asc_cost_per_week",
            "asc_wait_days_request_to_first_service")
]


def _days(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_days()


def _count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("research_person_id").agg(pl.len().cast(pl.Int64).alias(name))


def _code(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()


def _with_death_end(asc_events: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """End date replaced by the date of death when death comes first (domain.md 1.4)."""
    return asc_events.join(
        population.select("research_person_id", "date_of_death"), on="research_person_id", how="left"
    ).with_columns(
        pl.when(
            pl.col("date_of_death").is_not_null()
            & (pl.col("event_end_date").is_null() | (pl.col("date_of_death") < pl.col("event_end_date")))
        )
        .then(pl.col("date_of_death"))
        .otherwise(pl.col("event_end_date"))
        .alias("end_date")
    )


def _asc_point_counts(asc: pl.DataFrame, qs: date, qe: date) -> list[pl.DataFrame]:
    in_quarter = asc.filter(pl.col("event_start_date").is_between(qs, qe))
    reviews = in_quarter.filter(pl.col("event_type") == "Review")
    reason = pl.col("review_reason").fill_null("").str.to_lowercase()
    return [
        _count(in_quarter.filter(pl.col("event_type") == "Request"), "asc_requests"),
        _count(in_quarter.filter(pl.col("event_type") == "Assessment"), "asc_assessments"),
        _count(reviews, "asc_reviews"),
        _count(reviews.filter(reason.str.starts_with("planned")), "asc_reviews_planned"),
        _count(reviews.filter(reason.str.starts_with("unplanned")), "asc_reviews_unplanned"),
    ]


def _asc_services(asc: pl.DataFrame, qs: date, qe: date) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    services = asc.filter((pl.col("event_type") == "Service") & pl.col("event_start_date").is_not_null())
    open_services = services.filter(
        (pl.col("event_start_date") <= qe) & (pl.col("end_date").is_null() | (pl.col("end_date") >= qs))
    ).with_columns(
        pl.max_horizontal(pl.col("event_start_date"), pl.lit(qs)).alias("_from"),
        pl.min_horizontal(pl.col("end_date").fill_null(qe), pl.lit(qe)).alias("_to"),
    ).filter(pl.col("_to") >= pl.col("_from"))
    stype = pl.col("service_type").fill_null("")
    counts = [
        _count(open_services, "asc_services_open"),
        _count(open_services.filter(stype == LT_COMMUNITY), "asc_services_open_lt_community"),
        _count(open_services.filter(stype == LT_RESIDENTIAL), "asc_services_open_lt_residential"),
        _count(open_services.filter(stype == LT_NURSING), "asc_services_open_lt_nursing"),
        _count(open_services.filter(stype.str.starts_with("Short term support")), "asc_services_open_short_term"),
    ]

    weeks = (
        open_services.select("research_person_id", pl.date_ranges("_from", "_to").alias("_day"))
        .explode("_day")
        .group_by("research_person_id")
        .agg((pl.col("_day").n_unique() / 7).alias("asc_weeks_of_support"))
    )

    frequency = pl.col("cost_frequency_unit_type").fill_null("").str.strip_chars().str.to_lowercase()
    # NaN is a missing cost as much as null is (CSV exports write "NaN"); both are dropped.
    units_per_week = frequency.replace_strict(
        FIXED_UNITS_PER_WEEK,
        default=pl.col("planned_units_per_week").cast(pl.Float64).fill_nan(None),
        return_dtype=pl.Float64,
    )
    unit_cost = pl.col("unit_cost").cast(pl.Float64).fill_nan(None).abs()
    service_weeks = (_days(pl.col("_to") - pl.col("_from")) + 1) / 7
    costed = open_services.with_columns(
        pl.when(frequency == ONE_OFF)
        .then(pl.when(pl.col("event_start_date").is_between(qs, qe)).then(unit_cost).otherwise(0.0))
        .otherwise(None)
        .alias("_one_off"),
        pl.when(frequency != ONE_OFF).then(unit_cost * units_per_week * service_weeks).alias("_recurring"),
    )
    costs = (
        costed.group_by("research_person_id")
        .agg(
            pl.col("_recurring").filter(pl.col("_recurring") > 0).sum().alias("_recurring_cost"),
            pl.col("_one_off").filter(pl.col("_one_off") > 0).sum().alias("_one_off_cost"),
        )
        .join(weeks, on="research_person_id", how="full", coalesce=True)
        .with_columns(
            (pl.col("_recurring_cost").fill_null(0) + pl.col("_one_off_cost").fill_null(0)).alias("asc_cost_in_period"),
            pl.when(pl.col("asc_weeks_of_support") > 0)
            .then(pl.col("_recurring_cost").fill_null(0) / pl.col("asc_weeks_of_support"))
            .alias("asc_cost_per_week"),
        )
        .select("research_person_id", "asc_weeks_of_support", "asc_cost_in_period", "asc_cost_per_week")
    )
    return counts, costs


def _new_long_term_support(asc: pl.DataFrame, qs: date, qe: date) -> pl.DataFrame:
    long_term = asc.filter(
        (pl.col("event_type") == "Service")
        & pl.col("service_type").fill_null("").str.starts_with("Long term support")
        & pl.col("event_start_date").is_not_null()
    ).with_row_index("_service")
    starting = long_term.filter(pl.col("event_start_date").is_between(qs, qe))
    day_before = pl.col("event_start_date") - pl.duration(days=1)
    # A service "continues" an earlier one if that one started before it and was still open the day before.
    continuing = (
        starting.select("research_person_id", "_service", "event_start_date")
        .join(long_term.select("research_person_id", pl.col("_service").alias("_other"),
                               pl.col("event_start_date").alias("_other_start"), pl.col("end_date").alias("_other_end")),
              on="research_person_id")
        .filter(
            (pl.col("_other") != pl.col("_service"))
            & (pl.col("_other_start") <= day_before)
            & (pl.col("_other_end").is_null() | (pl.col("_other_end") >= day_before))
        )
        .select("_service")
        .unique()
    )
    return (
        starting.join(continuing, on="_service", how="anti")
        .select("research_person_id")
        .unique()
        .with_columns(pl.lit(True).alias("asc_new_long_term_support"))
    )


def _wait_to_first_service(asc: pl.DataFrame, qs: date, qe: date) -> pl.DataFrame:
    services = asc.filter((pl.col("event_type") == "Service") & pl.col("event_start_date").is_not_null())
    requests = asc.filter((pl.col("event_type") == "Request") & pl.col("event_start_date").is_not_null())
    service_days = services.select("research_person_id", "event_start_date").unique().sort("research_person_id", "event_start_date")
    service_days = service_days.with_columns(
        pl.col("event_start_date").shift(1).over("research_person_id").alias("_previous_service_start")
    )
    candidates = (
        service_days.filter(pl.col("event_start_date").is_between(qs, qe))
        .join(requests.select("research_person_id", pl.col("event_start_date").alias("_request_start")),
              on="research_person_id")
        .filter(pl.col("_request_start") <= pl.col("event_start_date"))
        .group_by("research_person_id", "event_start_date", "_previous_service_start")
        .agg(pl.col("_request_start").max())
        # first service after the request: no other service started between the request and it
        .filter(pl.col("_previous_service_start").is_null() | (pl.col("_previous_service_start") < pl.col("_request_start")))
    )
    return (
        candidates.sort("research_person_id", "event_start_date")
        .group_by("research_person_id", maintain_order=True)
        .first()
        .select(
            "research_person_id",
            _days(pl.col("event_start_date") - pl.col("_request_start")).alias("asc_wait_days_request_to_first_service"),
        )
    )


def _mh_counts(
    population: pl.DataFrame,
    mh_referrals: pl.DataFrame,
    mh_care_contacts: pl.DataFrame,
    mh_hospital_spells: pl.DataFrame,
    mh_mha_episodes: pl.DataFrame,
    qs: date,
    qe: date,
) -> list[pl.DataFrame]:
    referrals_open = mh_referrals.filter(
        (pl.col("referral_received_date") <= qe)
        & (pl.col("discharge_date").is_null() | (pl.col("discharge_date") >= qs))
    )
    contacts = mh_care_contacts.filter(pl.col("contact_date").is_between(qs, qe))
    attended = contacts.filter(_code("attendance").is_in(ATTENDED_CODES))

    spells = mh_hospital_spells.filter(pl.col("admission_date").is_not_null()).join(
        population.select("research_person_id", "date_of_death"), on="research_person_id", how="left"
    )
    # Bed nights: night d counts when admission <= d < discharge; open spells end at death or after the quarter.
    night_after_quarter = qe + timedelta(days=1)
    last_night_bound = pl.min_horizontal(
        pl.col("discharge_date").fill_null(night_after_quarter),
        pl.col("date_of_death").fill_null(night_after_quarter),
        pl.lit(night_after_quarter),
    )
    bed_days = (
        spells.with_columns(
            _days(last_night_bound - pl.max_horizontal(pl.col("admission_date"), pl.lit(qs))).clip(lower_bound=0).alias("_nights")
        )
        .group_by("research_person_id")
        .agg(pl.col("_nights").sum().cast(pl.Int64).alias("mh_bed_days"))
    )

    admitted = spells.filter(pl.col("admission_date").is_between(qs, qe)).with_row_index("_admission")
    readmissions = (
        admitted.select("research_person_id", "_admission", "spell_id", "admission_date")
        .join(
            mh_hospital_spells.filter(pl.col("discharge_date").is_not_null()).select(
                "research_person_id", pl.col("spell_id").alias("_earlier_spell"), pl.col("discharge_date").alias("_earlier_discharge")
            ),
            on="research_person_id",
        )
        .filter(
            (pl.col("_earlier_spell") != pl.col("spell_id"))
            & _days(pl.col("admission_date") - pl.col("_earlier_discharge")).is_between(0, READMISSION_DAYS)
        )
        .select("research_person_id", "_admission")
        .unique()
    )

    discharges = spells.filter(pl.col("discharge_date").is_between(qs, qe)).with_row_index("_discharge")
    died_before_follow_up = pl.col("date_of_death").is_not_null() & (
        pl.col("date_of_death") <= pl.col("discharge_date") + pl.duration(days=FOLLOW_UP_DAYS)
    )
    eligible = discharges.filter(~died_before_follow_up)
    all_attended = mh_care_contacts.filter(_code("attendance").is_in(ATTENDED_CODES))
    followed_up = (
        eligible.select("research_person_id", "_discharge", "discharge_date")
        .join(all_attended.select("research_person_id", "contact_date"), on="research_person_id")
        .filter(_days(pl.col("contact_date") - pl.col("discharge_date")).is_between(1, FOLLOW_UP_DAYS))
        .select("research_person_id", "_discharge")
        .unique()
    )
    detentions = mh_mha_episodes.filter(
        _code("legal_status").is_in(DETENTION_LEGAL_STATUSES) & pl.col("start_date").is_between(qs, qe)
    )
    return [
        _count(mh_referrals.filter(pl.col("referral_received_date").is_between(qs, qe)), "mh_referrals_received"),
        _count(referrals_open, "mh_referrals_open"),
        _count(attended, "mh_contacts_attended"),
        _count(contacts.filter(_code("attendance").is_in(MISSED_CODES)), "mh_contacts_missed"),
        _count(attended.filter(_code("team_type").is_in(CRISIS_TEAM_TYPES)), "mh_crisis_team_contacts"),
        _count(admitted, "mh_inpatient_admissions"),
        bed_days,
        _count(readmissions, "mh_readmissions_30d"),
        _count(detentions, "mh_mha_detentions"),
        _count(discharges, "mh_discharges"),
        _count(eligible, "mh_discharges_eligible_72h"),
        _count(followed_up, "mh_followed_up_72h"),
    ]


def person_quarter_indicators(
    population: pl.DataFrame,
    asc_events: pl.DataFrame,
    mh_referrals: pl.DataFrame,
    mh_care_contacts: pl.DataFrame,
    mh_hospital_spells: pl.DataFrame,
    mh_mha_episodes: pl.DataFrame,
    quarter_start: date,
    quarter_end: date,
) -> pl.DataFrame:
    """Each research person's use of social care and mental health services in one quarter.

    One row per person in ``population`` (also people with no activity: their counts are 0), so
    the table is the denominator as well as the numerator for rates. Counting rules and the cost
    rules are in the module docstring; every column is described in
    ``OUTPUT_COLUMNS['person_quarter_indicators']``. Stack several quarters for longer periods:
    point events are counted in exactly one quarter, "open" measures in every quarter they touch.
    """
    if quarter_end < quarter_start:
        raise ValueError("person_quarter_indicators: quarter_end is before quarter_start")
    qs, qe = quarter_start, quarter_end
    people = population.select("research_person_id", "date_of_death").unique("research_person_id", keep="first")
    asc = _with_death_end(asc_events, population)

    service_counts, costs = _asc_services(asc, qs, qe)
    crises = crisis_events(mh_referrals, mh_care_contacts, mh_hospital_spells, mh_mha_episodes)
    parts = [
        *_asc_point_counts(asc, qs, qe),
        *service_counts,
        *_mh_counts(population, mh_referrals, mh_care_contacts, mh_hospital_spells, mh_mha_episodes, qs, qe),
        _count(crises.filter(pl.col("crisis_date").is_between(qs, qe)), "mh_crisis_episodes"),
    ]
    result = people.with_columns(
        pl.lit(qs).alias("quarter_start"),
        pl.lit(qe).alias("quarter_end"),
        _days(
            pl.min_horizontal(pl.col("date_of_death").fill_null(qe), pl.lit(qe)) - pl.lit(qs)
        ).add(1).clip(lower_bound=0).cast(pl.Int64).alias("days_alive_in_period"),
    )
    for part in parts:
        result = result.join(part, on="research_person_id", how="left")
    for extra in (_new_long_term_support(asc, qs, qe), costs, _wait_to_first_service(asc, qs, qe)):
        result = result.join(extra, on="research_person_id", how="left")
    return (
        result.with_columns(
            pl.col(COUNT_COLUMNS).fill_null(0).cast(pl.Int64),
            pl.col("asc_new_long_term_support").fill_null(False),
            pl.col("asc_weeks_of_support").fill_null(0.0).cast(pl.Float64),
            pl.col("asc_cost_in_period").fill_null(0.0).cast(pl.Float64),
            pl.col("asc_cost_per_week").cast(pl.Float64),
            pl.col("asc_wait_days_request_to_first_service").cast(pl.Int64),
        )
        .select(list(OUTPUT_COLUMNS["person_quarter_indicators"]))
        .sort("research_person_id")
    )

"""Mental-health crises and the service use that precedes them (research question 2).

Research-zone inputs only. Definitions follow domain.md section 6 ("Mental-health crisis"):
a crisis event is any of

* ``admission``: a psychiatric inpatient admission (any bed type, any admission method);
* ``detention``: the start of a civil or place-of-safety MHA detention (legal status 02, 03, 04,
  05, 06, 19, 20; Part 3 forensic sections are not crises);
* ``crisis_team_contact``: an ATTENDED (5, 6) care contact with a crisis / home-treatment team
  (A02, A03, A04, A18, A19, A20-A25). A missed appointment is not treated as a crisis contact;
* ``crisis_referral``: a referral whose primary reason is ``18`` (in crisis).

Events are collapsed into crisis EPISODES by chaining. Each event covers its own date, an
admission covers up to its discharge and a detention up to its end (open ones: indefinitely).
A person's events are sorted by date; an event starting more than 7 days after everything the
current episode covers starts a new episode, otherwise it joins it. So a 3-week home-treatment
period with contacts every few days is one episode, and so is an admission with a section 3
applied a month into the stay - which is what an analyst means by "a crisis".
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import numpy as np
import polars as pl

from asc_linkage.core import charts
from asc_linkage.core.inequalities import rate_ratio_exprs
from asc_linkage.core.output_specs import output_columns

ATTENDED_CODES = ["5", "6"]
MISSED_CODES = ["3", "7"]
CRISIS_TEAM_TYPES = ["A02", "A03", "A04", "A18", "A19", "A20", "A21", "A22", "A23", "A24", "A25"]
DETENTION_LEGAL_STATUSES = ["02", "03", "04", "05", "06", "19", "20"]
CRISIS_REFERRAL_REASON = "18"
EPISODE_GAP_DAYS = 7
# Cover of an admission or detention with no end date yet: the person is still in it.
OPEN_ENDED = date(9999, 12, 31)

# When several events open an episode on the same day, the episode is labelled by the most
# intensive one.
CRISIS_TYPE_PRIORITY = {"admission": 0, "detention": 1, "crisis_team_contact": 2, "crisis_referral": 3}

# (label, first day before index, last day before index). Day 0 (the crisis day itself) is NOT
# counted: the crisis event would otherwise count itself as service use in the 0-30 window.
WINDOWS: list[tuple[str, int, int]] = [
    ("0-30", 1, 30),
    ("31-90", 31, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
]
LOOKBACK_DAYS = 365

SERVICE_USE_MEASURES = {
    "mh_contacts_attended": "Attended MH care contacts (5, 6) dated in the window",
    "mh_referrals": "MH referrals received in the window",
    "asc_requests": "ASC requests starting in the window",
    "asc_assessments": "ASC assessments starting in the window",
    "asc_reviews": "ASC reviews starting in the window",
    "asc_services_open": "ASC services open on at least one day of the window",
}

# Columns and their descriptions: the contracts in data_specs/outputs/ (one place for both).
OUTPUT_COLUMNS: dict[str, dict[str, str]] = {
    "crisis_events": output_columns("crisis_episodes"),
    "pre_crisis_service_use": output_columns("pre_crisis_service_use"),
    "pattern_table": output_columns("crisis_service_patterns"),
}


def _normalise_code(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()


def crisis_events(
    mh_referrals: pl.DataFrame,
    mh_care_contacts: pl.DataFrame,
    mh_hospital_spells: pl.DataFrame,
    mh_mha_episodes: pl.DataFrame,
) -> pl.DataFrame:
    """One row per crisis EPISODE per person (chaining rule in the module docstring).

    ``crisis_date`` is when the episode started and ``crisis_type`` what started it. Columns: see
    ``OUTPUT_COLUMNS['crisis_events']``. Sorted by person and date.
    """
    still_open = pl.lit(OPEN_ENDED, dtype=pl.Date)
    events = pl.concat(
        [
            mh_hospital_spells.select(
                "research_person_id",
                pl.col("admission_date").alias("event_date"),
                pl.lit("admission").alias("crisis_type"),
                pl.col("discharge_date").fill_null(still_open).alias("_covered_until"),
            ),
            mh_mha_episodes.filter(_normalise_code("legal_status").is_in(DETENTION_LEGAL_STATUSES)).select(
                "research_person_id",
                pl.col("start_date").alias("event_date"),
                pl.lit("detention").alias("crisis_type"),
                pl.col("end_date").fill_null(still_open).alias("_covered_until"),
            ),
            mh_care_contacts.filter(
                _normalise_code("team_type").is_in(CRISIS_TEAM_TYPES)
                & _normalise_code("attendance").is_in(ATTENDED_CODES)
            ).select(
                "research_person_id",
                pl.col("contact_date").alias("event_date"),
                pl.lit("crisis_team_contact").alias("crisis_type"),
                pl.col("contact_date").alias("_covered_until"),
            ),
            mh_referrals.filter(_normalise_code("primary_reason") == CRISIS_REFERRAL_REASON).select(
                "research_person_id",
                pl.col("referral_received_date").alias("event_date"),
                pl.lit("crisis_referral").alias("crisis_type"),
                pl.col("referral_received_date").alias("_covered_until"),
            ),
        ],
        how="vertical_relaxed",
    ).filter(pl.col("research_person_id").is_not_null() & pl.col("event_date").is_not_null())

    events = (
        events.with_columns(
            pl.col("crisis_type").replace_strict(CRISIS_TYPE_PRIORITY).alias("_priority"),
            pl.max_horizontal("_covered_until", "event_date").alias("_covered_until"),
        )
        .sort("research_person_id", "event_date", "_priority")
        .with_columns(
            pl.col("_covered_until").cum_max().shift(1).over("research_person_id").alias("_previous_cover")
        )
        .with_columns(
            (
                pl.col("_previous_cover").is_null()
                | ((pl.col("event_date") - pl.col("_previous_cover")).dt.total_days() > EPISODE_GAP_DAYS)
            )
            .cast(pl.Int64)
            .cum_sum()
            .over("research_person_id")
            .alias("crisis_episode_number")
        )
    )
    return (
        events.group_by("research_person_id", "crisis_episode_number", maintain_order=True)
        .agg(
            pl.col("event_date").first().alias("crisis_date"),
            pl.col("crisis_type").first().alias("crisis_type"),
            pl.col("crisis_type").unique().sort().str.join(";").alias("crisis_types_in_episode"),
            pl.len().cast(pl.Int64).alias("crisis_events_in_episode"),
            pl.col("event_date").last().alias("last_event_date"),
        )
        .select(list(OUTPUT_COLUMNS["crisis_events"]))
        .sort("research_person_id", "crisis_episode_number")
    )


def _stable_fraction(seed: int, research_person_id: str) -> float:
    """A uniform [0, 1) draw that depends only on (seed, person): stable when other people change."""
    digest = hashlib.blake2b(f"{seed}:{research_person_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _comparison_index_dates(
    crisis_free: pl.DataFrame, case_index: pl.DataFrame, seed: int
) -> pl.DataFrame:
    """Draw each crisis-free person's pseudo index date from the case index dates.

    Drawn from cases of the same age band and sex (so the comparison group has the cases' calendar
    spread within each stratum), restricted to dates when the person was already known (``known_from``) and
    alive; if no case date in the stratum qualifies, from all case dates (``matched_on_age_sex``
    False); if none qualifies at all, the person is left out.
    """
    all_dates = np.sort(case_index["index_date"].to_numpy())
    strata: dict[tuple, np.ndarray] = {
        (key[0], key[1]): np.sort(group["index_date"].to_numpy())
        for key, group in case_index.group_by("age_band", "sex")
    }
    rows = []
    for person in crisis_free.sort("research_person_id").iter_rows(named=True):
        earliest = person["known_from"]  # never null here
        death = person["date_of_death"]
        fraction = _stable_fraction(seed, person["research_person_id"])
        for dates, matched in ((strata.get((person["age_band"], person["sex"])), True), (all_dates, False)):
            if dates is None or len(dates) == 0:
                continue
            lo = int(np.searchsorted(dates, np.datetime64(earliest), side="left"))
            hi = len(dates) if death is None else int(np.searchsorted(dates, np.datetime64(death), side="left"))
            if hi > lo:
                chosen = dates[lo + int(fraction * (hi - lo))]
                rows.append(
                    {
                        "research_person_id": person["research_person_id"],
                        "index_date": chosen.astype("datetime64[D]").item(),
                        "matched_on_age_sex": matched,
                    }
                )
                break
    return pl.DataFrame(
        rows, schema={"research_person_id": pl.String, "index_date": pl.Date, "matched_on_age_sex": pl.Boolean}
    )


def _count_in_windows(index: pl.DataFrame, events: pl.DataFrame, date_column: str, name: str) -> pl.DataFrame:
    days_before = (pl.col("index_date") - pl.col(date_column)).dt.total_days()
    window = pl.lit(None, dtype=pl.String)
    for label, first, last in reversed(WINDOWS):
        window = pl.when(days_before.is_between(first, last)).then(pl.lit(label)).otherwise(window)
    return (
        index.select("research_person_id", "index_date")
        .join(events.select("research_person_id", date_column), on="research_person_id", how="inner")
        .with_columns(window.alias("window"))
        .filter(pl.col("window").is_not_null())
        .group_by("research_person_id", "window")
        .agg(pl.len().cast(pl.Int64).alias(name))
    )


def _services_open_in_windows(index: pl.DataFrame, services: pl.DataFrame) -> pl.DataFrame:
    frames = []
    joined = index.select("research_person_id", "index_date").join(
        services.select("research_person_id", "event_start_date", "event_end_date"), on="research_person_id"
    )
    for label, first, last in WINDOWS:
        window_start = pl.col("index_date") - pl.duration(days=last)
        window_end = pl.col("index_date") - pl.duration(days=first)
        frames.append(
            joined.filter(
                (pl.col("event_start_date") <= window_end)
                & (pl.col("event_end_date").is_null() | (pl.col("event_end_date") >= window_start))
            )
            .group_by("research_person_id")
            .agg(pl.len().cast(pl.Int64).alias("asc_services_open"))
            .with_columns(pl.lit(label).alias("window"))
        )
    return pl.concat(frames).select("research_person_id", "window", "asc_services_open")


def pre_crisis_service_use(
    crises: pl.DataFrame,
    asc_events: pl.DataFrame,
    mh_referrals: pl.DataFrame,
    mh_care_contacts: pl.DataFrame,
    population: pl.DataFrame,
    seed: int,
    data_start: date | None = None,
    comparison_scope: str = "mh",
) -> pl.DataFrame:
    """Both systems' service use in the year before each person's FIRST crisis, and for comparisons.

    Cases: each person's first crisis episode on record (one index per person, so windows never
    contain an earlier crisis of the same person and people are independent). Comparisons:
    population members with no crisis on record, at a pseudo index date drawn deterministically
    (``seed``) from the cases' crisis dates in the same age band and sex, among dates on which the
    person was already known and alive (falling back to all case dates when the stratum has none).

    ``comparison_scope``: ``"mh"`` (default) takes comparisons only from people known to MH
    services by the pseudo index date - every case is an MH patient, so comparing with people the
    trust has never seen would make "more MH contacts before a crisis" trivially true; ``"all"``
    takes anyone known to either service. Pass ``linked_cohort`` as ``population`` to restrict
    cases and comparisons to the linked cohort.

    If ``data_start`` is given (first date the event tables are complete), only index dates at least
    365 days after it are kept, so every window is fully observed.

    One row per person per window (0-30, 31-90, 91-180, 181-365 days before; the index day itself
    excluded). Columns: see ``OUTPUT_COLUMNS['pre_crisis_service_use']``.
    """
    if comparison_scope not in ("mh", "all"):
        raise ValueError("pre_crisis_service_use: comparison_scope must be 'mh' or 'all'")
    known_from = (
        pl.col("first_mh_date") if comparison_scope == "mh" else pl.min_horizontal("first_asc_date", "first_mh_date")
    )
    people = population.select(
        "research_person_id", "age_band", "sex", "date_of_death", known_from.alias("known_from")
    )
    case_index = (
        crises.filter(pl.col("crisis_episode_number") == 1)
        .select("research_person_id", pl.col("crisis_date").alias("index_date"), "crisis_type")
        .join(people.select("research_person_id", "age_band", "sex"), on="research_person_id", how="inner")
    )
    if data_start is not None:
        case_index = case_index.filter(pl.col("index_date") >= data_start + timedelta(days=LOOKBACK_DAYS))
    case_index = case_index.with_columns(pl.lit(True).alias("matched_on_age_sex"), pl.lit("case").alias("group"))

    crisis_free = people.filter(pl.col("known_from").is_not_null()).join(
        crises.select("research_person_id").unique(), on="research_person_id", how="anti"
    )
    comparison_dates = _comparison_index_dates(crisis_free, case_index, seed)
    comparison_index = comparison_dates.join(
        people.select("research_person_id", "age_band", "sex"), on="research_person_id"
    ).with_columns(pl.lit(None, dtype=pl.String).alias("crisis_type"), pl.lit("comparison").alias("group"))

    index = pl.concat(
        [
            case_index.select("research_person_id", "group", "index_date", "crisis_type", "age_band", "sex", "matched_on_age_sex"),
            comparison_index.select("research_person_id", "group", "index_date", "crisis_type", "age_band", "sex", "matched_on_age_sex"),
        ],
        how="vertical_relaxed",
    )
    windows = pl.DataFrame(
        {"window": [w[0] for w in WINDOWS], "window_days": [w[2] - w[1] + 1 for w in WINDOWS]},
        schema={"window": pl.String, "window_days": pl.Int64},
    )
    grid = index.join(windows, how="cross")

    attended = mh_care_contacts.filter(_normalise_code("attendance").is_in(ATTENDED_CODES))
    event_type = pl.col("event_type")
    counts = [
        _count_in_windows(index, attended, "contact_date", "mh_contacts_attended"),
        _count_in_windows(index, mh_referrals, "referral_received_date", "mh_referrals"),
        _count_in_windows(index, asc_events.filter(event_type == "Request"), "event_start_date", "asc_requests"),
        _count_in_windows(index, asc_events.filter(event_type == "Assessment"), "event_start_date", "asc_assessments"),
        _count_in_windows(index, asc_events.filter(event_type == "Review"), "event_start_date", "asc_reviews"),
        _services_open_in_windows(index, asc_events.filter(event_type == "Service")),
    ]
    for frame in counts:
        grid = grid.join(frame, on=["research_person_id", "window"], how="left")
    window_order = {w[0]: i for i, w in enumerate(WINDOWS)}
    return (
        grid.with_columns(pl.col(list(SERVICE_USE_MEASURES)).fill_null(0))
        .with_columns(pl.col("window").replace_strict(window_order).alias("_w"))
        .sort("group", "research_person_id", "_w")
        .select(list(OUTPUT_COLUMNS["pre_crisis_service_use"]))
    )


def pattern_table(pre_crisis_use: pl.DataFrame) -> pl.DataFrame:
    """Mean service use per person by window, cases against comparisons, with a rate ratio.

    One row per window x measure. The rate ratio compares cases with comparisons in the same
    window; the ``*_per_30_days`` columns put the windows on one scale, so the rise in use as a
    crisis approaches is read down the case column (the comparison column shows the background). The rate ratio is case mean / comparison mean (windows are of
    equal length for both groups); its CI treats the totals as Poisson counts, which is too narrow
    when use is over-dispersed - read it as indicative. Aggregates only, NOT disclosure-controlled.
    Columns: see ``OUTPUT_COLUMNS['pattern_table']``.
    """
    long = pre_crisis_use.unpivot(
        index=["research_person_id", "group", "window"], on=list(SERVICE_USE_MEASURES), variable_name="measure"
    )
    by_group = long.group_by("window", "measure").agg(
        pl.col("research_person_id").filter(pl.col("group") == "case").n_unique().alias("case_persons"),
        pl.col("research_person_id").filter(pl.col("group") == "comparison").n_unique().alias("comparison_persons"),
        pl.col("value").filter(pl.col("group") == "case").sum().alias("case_total"),
        pl.col("value").filter(pl.col("group") == "comparison").sum().alias("comparison_total"),
    )
    ratio, lower, upper = rate_ratio_exprs(
        pl.col("case_total"), pl.col("case_persons"), pl.col("comparison_total"), pl.col("comparison_persons")
    )
    window_order = {w[0]: i for i, w in enumerate(WINDOWS)}
    window_days = {w[0]: w[2] - w[1] + 1 for w in WINDOWS}
    measure_order = {m: i for i, m in enumerate(SERVICE_USE_MEASURES)}
    return (
        by_group.with_columns(
            pl.col("case_persons", "comparison_persons").cast(pl.Int64),
            pl.col("case_total", "comparison_total").cast(pl.Int64),
            pl.when(pl.col("case_persons") > 0).then(pl.col("case_total") / pl.col("case_persons")).alias("case_mean"),
            pl.when(pl.col("comparison_persons") > 0)
            .then(pl.col("comparison_total") / pl.col("comparison_persons"))
            .alias("comparison_mean"),
            ratio.alias("rate_ratio"),
            lower.alias("rate_ratio_ci_lower"),
            upper.alias("rate_ratio_ci_upper"),
            pl.col("window").replace_strict(window_order).alias("_w"),
            pl.col("measure").replace_strict(measure_order).alias("_m"),
            (30 / pl.col("window").replace_strict(window_days, return_dtype=pl.Float64)).alias("_per_30"),
        )
        .with_columns(
            (pl.col("case_mean") * pl.col("_per_30")).alias("case_mean_per_30_days"),
            (pl.col("comparison_mean") * pl.col("_per_30")).alias("comparison_mean_per_30_days"),
        )
        .sort("_m", "_w")
        .select(list(OUTPUT_COLUMNS["pattern_table"]))
    )


def pattern_chart(pattern: pl.DataFrame, title: str = "Service use before a mental-health crisis") -> dict:
    """Vega-Lite spec of mean use per person per 30 days by window, cases against comparisons, one panel per measure.

    Built from the aggregate pattern table only (pass the disclosure-controlled version for release).
    """
    return charts.pattern_chart(pattern, window_order=[w[0] for w in reversed(WINDOWS)], title=title)

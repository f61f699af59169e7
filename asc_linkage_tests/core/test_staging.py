import datetime as dt
import random

import polars as pl

from asc_linkage.core.staging import council_code_counts, stage_asc_events, stage_asc_events_incremental

D = dt.date


def _row(q, rn, pid="P1", ref="E1", etype="Service", start=D(2024, 1, 1), end=None, dod=None, outcome=None, comp="Day support",
         pc=None, period_end=None):
    return {
        "la_code": "210", "la_person_unique_identifier": pid, "event_type": etype, "event_reference": ref,
        "event_start_date": start, "event_end_date": end, "date_of_death": dod, "client_type": "Service user",
        "service_type": "Long term support: Community", "service_component": comp, "event_outcome": outcome,
        "request_route_of_access": None, "assessment_type": None, "postcode": pc, "reporting_period_end_date": period_end,
        "_quarter": q, "_row_number": rn,
    }


def _df(rows):
    return pl.DataFrame(rows, schema_overrides={"event_end_date": pl.Date, "date_of_death": pl.Date,
                                                "event_outcome": pl.String, "request_route_of_access": pl.String,
                                                "assessment_type": pl.String, "event_reference": pl.String,
                                                "postcode": pl.String, "reporting_period_end_date": pl.Date})


def _staged_both_ways(everything):
    """The full staging of every drop, after checking the quarterly build (last quarter's staged
    events + the latest drop) gives the same table."""
    last = everything["_quarter"].max()
    full = stage_asc_events(everything)
    incremental = stage_asc_events_incremental(stage_asc_events(everything.filter(pl.col("_quarter") < last)),
                                               everything.filter(pl.col("_quarter") == last))
    assert incremental.select(full.columns).equals(full)
    return full


def test_same_event_in_overlapping_drops_counted_once_latest_wins():
    rows = [
        _row("2024-Q1", 1),
        _row("2024-Q2", 5, end=D(2024, 5, 1), outcome="NFA: Support ended as planned"),
        _row("2024-Q3", 2, end=D(2024, 5, 1), outcome="NFA: Other"),
        _row("2024-Q3", 3, ref="E2", start=D(2024, 7, 1)),
    ]
    out = stage_asc_events(_df(rows))
    assert out.height == 2
    e1 = out.filter(pl.col("event_reference") == "E1").row(0, named=True)
    assert e1["_quarter"] == "2024-Q3" and e1["event_outcome"] == "NFA: Other"
    assert e1["n_submissions"] == 3


def test_composite_key_without_reference_and_service_end_excluded():
    rows = [
        _row("2024-Q1", 1, ref=None),
        _row("2024-Q2", 1, ref=None, end=D(2024, 3, 1)),  # same open service now closed: one event
        _row("2024-Q2", 2, ref=None, comp="Meals"),  # another component: another event
        _row("2024-Q2", 3, ref=None, etype="Review", start=D(2024, 2, 1), end=D(2024, 2, 2)),
        _row("2024-Q3", 3, ref=None, etype="Review", start=D(2024, 2, 1), end=D(2024, 2, 2)),
    ]
    out = stage_asc_events(_df(rows))
    assert out.height == 3
    svc = out.filter((pl.col("event_type") == "Service") & (pl.col("service_component") == "Day support"))
    assert svc["event_end_date"].to_list() == [D(2024, 3, 1)]


def test_death_crops_end_date():
    rows = [_row("2024-Q1", 1, end=D(2024, 6, 1), dod=D(2024, 3, 1)), _row("2024-Q1", 2, ref="E2", dod=D(2024, 3, 1))]
    out = stage_asc_events(_df(rows))
    assert out["event_end_date_derived"].to_list() == [D(2024, 3, 1), D(2024, 3, 1)]
    assert out["event_end_date"].to_list() == [D(2024, 6, 1), None]


def test_outcome_hierarchy_breaks_ties_within_a_drop():
    rows = [_row("2024-Q1", 2, outcome="NFA: Other", end=D(2024, 2, 1)), _row("2024-Q1", 1, outcome="Progress to reablement/ST-Max", end=D(2024, 2, 1))]
    out = stage_asc_events(_df(rows))
    assert out["event_outcome"].to_list() == ["Progress to reablement/ST-Max"]


def test_incremental_staging_equals_restaging_every_drop():
    rows = [
        _row("2024-Q1", 1), _row("2024-Q1", 2, ref="E2", pid="P2"), _row("2024-Q1", 3, ref=None, pid="P3"),
        _row("2024-Q2", 1, end=D(2024, 5, 1), outcome="NFA: Other"),  # E1 closed by the later drop
        _row("2024-Q2", 2, ref="E3", pid="P2", start=D(2024, 4, 2)),  # a new event
        _row("2024-Q2", 3, ref=None, pid="P3"),  # the same composite-key event again
    ]
    everything = _df(rows)
    before = stage_asc_events(everything.filter(pl.col("_quarter") == "2024-Q1"))
    incremental = stage_asc_events_incremental(before, everything.filter(pl.col("_quarter") == "2024-Q2"))
    full = stage_asc_events(everything)
    assert incremental.select(full.columns).equals(full)
    assert dict(zip(full["event_reference"].fill_null("-"), full["n_submissions"])) == {"E1": 2, "E2": 1, "E3": 1, "-": 2}


def test_latest_end_date_before_outcome_within_a_drop():
    # DHSC order within a submission: null end first, then the latest end, before the outcome hierarchy.
    rows = [_row("2024-Q1", 1, ref=None, end=D(2024, 3, 31), outcome="NFA: Other"),
            _row("2024-Q1", 2, ref=None, end=D(2024, 2, 1), outcome="Progress to reablement/ST-Max")]
    out = stage_asc_events(_df(rows))
    assert out.select("event_end_date", "event_outcome").rows() == [(D(2024, 3, 31), "NFA: Other")]


def test_open_service_missing_from_a_later_drop_is_cropped_to_its_period_end():
    rows = [
        _row("2024-Q1", 1, period_end=D(2024, 3, 31)),  # open, not in 2024-Q2: cropped to 2024-03-31
        _row("2024-Q1", 2, pid="P2", dod=D(2024, 2, 10), period_end=D(2024, 3, 31)),  # died first: death wins
        _row("2024-Q1", 3, pid="P3"),  # no period end sent: the drop's quarter end
        _row("2024-Q1", 4, pid="P4", etype="Review", end=None),  # not a service: left open
        _row("2024-Q1", 5, pid="P5", period_end=D(2024, 3, 31)),  # still open in 2024-Q2: not cropped
        _row("2024-Q2", 1, pid="P5", period_end=D(2024, 6, 30)),
        _row("2024-Q2", 2, pid="P6", ref="E2", start=D(2024, 4, 2), period_end=D(2024, 6, 30)),
    ]
    out = _staged_both_ways(_df(rows))
    derived = dict(zip(out["la_person_unique_identifier"], out["event_end_date_derived"]))
    assert derived == {"P1": D(2024, 3, 31), "P2": D(2024, 2, 10), "P3": D(2024, 3, 31), "P4": None, "P5": None, "P6": None}
    assert out["event_end_date"].null_count() == out.height  # the recorded end is kept as sent


def test_event_reference_sent_in_one_drop_only_is_counted_once():
    rows = [
        _row("2024-Q1", 1, ref=None),  # the reference arrives later: P1's service is one event
        _row("2024-Q2", 1, ref="E1", end=D(2024, 5, 1)),
        _row("2024-Q1", 2, pid="P2", ref="E5"),  # the reference is dropped later: P2's service is one event
        _row("2024-Q2", 2, pid="P2", ref=None, end=D(2024, 6, 1)),
    ]
    out = _staged_both_ways(_df(rows))
    assert out.height == 2
    assert out.select("la_person_unique_identifier", "_quarter", "event_end_date", "n_submissions").rows() == [
        ("P1", "2024-Q2", D(2024, 5, 1), 2), ("P2", "2024-Q2", D(2024, 6, 1), 2)]
    assert all(k.startswith("R") for k in out["event_key"])


def test_postcodes_seen_holds_every_submission_rows_postcode():
    rows = [
        _row("2024-Q1", 1, pc="SE5 8AZ"),
        _row("2024-Q2", 1, pc="SW9 7AA"),
        _row("2024-Q2", 2, pc="se5 8az"),  # the same event twice in a drop: raw strings, as sent
        _row("2024-Q3", 1, pc=None),
        _row("2024-Q3", 2, pid="P2", ref="E2", pc=None),
    ]
    out = _staged_both_ways(_df(rows))
    seen = dict(zip(out["la_person_unique_identifier"], out["postcodes_seen"].to_list()))
    assert seen == {"P1": ["SE5 8AZ", "SW9 7AA", "se5 8az"], "P2": []}
    assert out.filter(pl.col("la_person_unique_identifier") == "P1")["postcode"].to_list() == [None]


def test_quarterly_staging_equals_restaging_on_random_drops():
    # Few persons, dates and references, so references come and go, composite keys collide,
    # services open and close, persons die and postcodes change between drops.
    rng = random.Random(7)
    quarters = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    for _ in range(10):
        rows = []
        for qi, q in enumerate(quarters):
            for rn in range(rng.randint(4, 14)):
                rows.append(_row(
                    q, rn + 1, pid=rng.choice(["P1", "P2", "P3"]), ref=rng.choice([None, None, "E1", "E2", "E3"]),
                    etype=rng.choice(["Service", "Service", "Review"]), start=D(2024, 1, rng.choice([1, 2])),
                    end=rng.choice([None, None, D(2024, 2, 1), D(2024, 3, 1)]), dod=rng.choice([None] * 6 + [D(2024, 2, 15)]),
                    outcome=rng.choice([None, "NFA: Other", "Progress to reablement/ST-Max"]), comp=rng.choice(["Day support", "Meals"]),
                    pc=rng.choice([None, "SE5 8AZ", "SW9 7AA"]), period_end=rng.choice([None, D(2024, 3 * qi + 3, 28)])))
        everything = _df(rows)
        for q in quarters[1:]:
            _staged_both_ways(everything.filter(pl.col("_quarter") <= q))


def test_council_code_counts_events_per_code_without_naming_a_code():
    one = _staged_both_ways(_df([_row("2024-Q1", 1, ref="E1"), _row("2024-Q1", 2, ref="E2")]))
    assert council_code_counts(one) == {"la_codes": 1, "events_main_la_code": 2, "events_other_la_codes": 0, "events_no_la_code": 0}
    rows = [_row("2024-Q1", 1, ref="E1"), _row("2024-Q1", 2, ref="E2"), _row("2024-Q1", 3, ref="E3"), _row("2024-Q1", 4, ref="E4")]
    rows[2]["la_code"], rows[3]["la_code"] = "JANE DOE", None  # a shifted column, a blank code
    counts = council_code_counts(_staged_both_ways(_df(rows)))
    assert counts == {"la_codes": 2, "events_main_la_code": 2, "events_other_la_codes": 1, "events_no_la_code": 1}
    assert "JANE DOE" not in str(counts)

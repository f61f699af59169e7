import datetime as dt

import polars as pl

from asc_linkage.core.staging import stage_asc_events

D = dt.date


def _row(q, rn, pid="P1", ref="E1", etype="Service", start=D(2024, 1, 1), end=None, dod=None, outcome=None, comp="Day support"):
    return {
        "la_code": "210", "la_person_unique_identifier": pid, "event_type": etype, "event_reference": ref,
        "event_start_date": start, "event_end_date": end, "date_of_death": dod, "client_type": "Service user",
        "service_type": "Long term support: Community", "service_component": comp, "event_outcome": outcome,
        "request_route_of_access": None, "assessment_type": None, "_quarter": q, "_row_number": rn,
    }


def _df(rows):
    return pl.DataFrame(rows, schema_overrides={"event_end_date": pl.Date, "date_of_death": pl.Date,
                                                "event_outcome": pl.String, "request_route_of_access": pl.String,
                                                "assessment_type": pl.String, "event_reference": pl.String})


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
    from asc_linkage.core.staging import stage_asc_events_incremental

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

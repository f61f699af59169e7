"""Crisis episodes and pre-crisis service use on hand-built frames."""

import json
import math
from datetime import date as d

import polars as pl
import pytest

from asc_linkage.core.crisis import (
    OUTPUT_COLUMNS,
    crisis_events,
    pattern_chart,
    pattern_table,
    pre_crisis_service_use,
)
from asc_linkage_tests.core.test_indicators import asc, make, person


def contact(pid, day, team="A06", attendance="5"):
    return {"research_person_id": pid, "contact_id": f"{pid}{day}", "contact_date": day, "team_type": team,
            "attendance": attendance}


def test_events_within_seven_days_chain_into_one_episode():
    contacts = make("contacts", [
        contact("X", d(2024, 1, 5), "A02"),
        contact("X", d(2024, 1, 12), "A02"),   # 7 days after: same episode
        contact("X", d(2024, 1, 20), "A02"),   # 8 days after: new episode
        contact("X", d(2024, 1, 22), "A02", attendance="3"),  # missed: not a crisis event
        contact("X", d(2024, 3, 1), "A06"),    # not a crisis team
    ])
    spells = make("spells", [
        {"research_person_id": "X", "spell_id": "s", "admission_date": d(2024, 1, 1), "discharge_date": d(2024, 1, 3)},
        {"research_person_id": "Z", "spell_id": "t", "admission_date": d(2024, 3, 1), "discharge_date": d(2024, 4, 30)},
        {"research_person_id": "Z", "spell_id": "u", "admission_date": d(2024, 6, 1)},  # still in hospital
    ])
    referrals = make("referrals", [
        {"research_person_id": "Y", "referral_id": "r", "referral_received_date": d(2024, 2, 1), "primary_reason": "18"},
        {"research_person_id": "Y", "referral_id": "q", "referral_received_date": d(2024, 5, 1), "primary_reason": "04"},
    ])
    mha = make("mha", [
        {"research_person_id": "Y", "episode_id": "m", "legal_status": "20", "start_date": d(2024, 2, 1)},
        {"research_person_id": "Y", "episode_id": "n", "legal_status": "37", "start_date": d(2024, 6, 1)},
        # sectioned a month into the stay: the same crisis
        {"research_person_id": "Z", "episode_id": "o", "legal_status": "03", "start_date": d(2024, 3, 30),
         "end_date": d(2024, 4, 30)},
    ])
    contacts = contacts.vstack(make("contacts", [
        contact("Z", d(2024, 5, 7), "A02"),   # 7 days after discharge: same episode
        contact("Z", d(2024, 5, 20), "A02"),  # 13 days after the last cover: new episode
        contact("Z", d(2024, 9, 1), "A02"),   # during the open admission: same episode as it
    ]))
    episodes = crisis_events(referrals, contacts, spells, mha)
    assert episodes.columns == list(OUTPUT_COLUMNS["crisis_events"])
    x = episodes.filter(pl.col("research_person_id") == "X")
    assert x["crisis_date"].to_list() == [d(2024, 1, 1), d(2024, 1, 20)]
    assert x["crisis_type"].to_list() == ["admission", "crisis_team_contact"]
    assert x["crisis_events_in_episode"].to_list() == [3, 1]
    assert x["last_event_date"].to_list() == [d(2024, 1, 12), d(2024, 1, 20)]
    assert x["crisis_types_in_episode"].to_list() == ["admission;crisis_team_contact", "crisis_team_contact"]
    y = episodes.filter(pl.col("research_person_id") == "Y")
    # same-day detention and crisis referral: labelled by the more intensive (detention)
    assert y.select("crisis_episode_number", "crisis_date", "crisis_type").rows() == [(1, d(2024, 2, 1), "detention")]
    z = episodes.filter(pl.col("research_person_id") == "Z")
    assert z.select("crisis_date", "crisis_type", "crisis_events_in_episode").rows() == [
        (d(2024, 3, 1), "admission", 3), (d(2024, 5, 20), "crisis_team_contact", 1), (d(2024, 6, 1), "admission", 2),
    ]


@pytest.fixture(scope="module")
def world():
    population = make("population", [
        person("C1", age_band="45-64", sex="Female"),
        person("C2", age_band="45-64", sex="Female"),
        person("K1", age_band="45-64", sex="Female", first_asc_date=d(2023, 1, 1), first_mh_date=d(2020, 1, 1)),
        # known to ASC only: a comparison only when comparison_scope="all"
        person("K5", age_band="45-64", sex="Female", in_mh=False, in_both=False, first_mh_date=None),
        person("K2", age_band="25-44", sex="Male"),
        person("K3", age_band="45-64", sex="Female", first_asc_date=d(2025, 1, 1), first_mh_date=d(2025, 1, 1)),
        person("K4", age_band="45-64", sex="Female", date_of_death=d(2024, 1, 1)),
    ])
    spells = make("spells", [
        {"research_person_id": "C1", "spell_id": "a", "admission_date": d(2024, 6, 30)},
        {"research_person_id": "C1", "spell_id": "b", "admission_date": d(2024, 9, 30)},  # second crisis: ignored
    ])
    mha = make("mha", [
        {"research_person_id": "C2", "episode_id": "m", "legal_status": "02", "start_date": d(2022, 3, 1)},
    ])
    contacts = make("contacts", [
        contact("C1", d(2024, 6, 30)),   # the crisis day itself: excluded
        contact("C1", d(2024, 6, 29)),   # 1 day before: 0-30
        contact("C1", d(2024, 5, 31)),   # 30 days: 0-30
        contact("C1", d(2024, 5, 30)),   # 31 days: 31-90
        contact("C1", d(2023, 7, 1)),    # 365 days: 181-365
        contact("C1", d(2023, 6, 30)),   # 366 days: outside
        contact("C1", d(2024, 6, 20), attendance="3"),  # missed: not counted
        contact("K1", d(2024, 6, 1)),    # 29 days before the pseudo index
        contact("K2", d(2024, 1, 1)),    # 181 days before
    ])
    referrals = make("referrals", [
        {"research_person_id": "K1", "referral_id": "r", "referral_received_date": d(2024, 6, 1)},
    ])
    asc_events = make("asc_events", [
        asc("C1", "Service", d(2024, 1, 1), d(2024, 2, 1), service_type="Long term support: Community"),
        asc("C1", "Request", d(2024, 4, 1), d(2024, 4, 2)),  # 90 days before
        asc("K2", "Assessment", d(2024, 3, 31), d(2024, 4, 2)),  # 91 days before
    ])
    crises = crisis_events(referrals, contacts, spells, mha)
    use = pre_crisis_service_use(crises, asc_events, referrals, contacts, population, seed=7, data_start=d(2023, 1, 1))
    use_all = pre_crisis_service_use(crises, asc_events, referrals, contacts, population, seed=7,
                                     data_start=d(2023, 1, 1), comparison_scope="all")
    return use, use_all


def cell(use, pid, window, column):
    return use.filter((pl.col("research_person_id") == pid) & (pl.col("window") == window))[column].item()


def test_cases_are_first_crises_with_a_full_lookback(world):
    use, _ = world
    assert use.columns == list(OUTPUT_COLUMNS["pre_crisis_service_use"])
    cases = use.filter(pl.col("group") == "case")
    # C2's crisis (2022) is less than 365 days after data_start: left out
    assert cases["research_person_id"].unique().to_list() == ["C1"]
    assert cases["index_date"].unique().to_list() == [d(2024, 6, 30)]
    assert cases.height == 4  # one row per window


def test_window_boundaries(world):
    use, _ = world
    assert [cell(use, "C1", w, "mh_contacts_attended") for w in ["0-30", "31-90", "91-180", "181-365"]] == [2, 1, 0, 1]
    assert [cell(use, "C1", w, "asc_services_open") for w in ["0-30", "31-90", "91-180", "181-365"]] == [0, 0, 1, 1]
    assert cell(use, "C1", "31-90", "asc_requests") == 1


def test_comparisons_get_a_matched_pseudo_index_when_known_and_alive(world):
    use, _ = world
    comparisons = use.filter(pl.col("group") == "comparison").unique("research_person_id").sort("research_person_id")
    # K3 was not yet known and K4 had died at the only case date; C2 had a crisis so is no comparison;
    # K5 has never been seen by MH services
    assert comparisons["research_person_id"].to_list() == ["K1", "K2"]
    assert comparisons["index_date"].to_list() == [d(2024, 6, 30), d(2024, 6, 30)]
    assert comparisons["matched_on_age_sex"].to_list() == [True, False]
    assert cell(use, "K1", "0-30", "mh_contacts_attended") == 1
    assert cell(use, "K1", "0-30", "mh_referrals") == 1
    assert cell(use, "K2", "181-365", "mh_contacts_attended") == 1
    assert cell(use, "K2", "91-180", "asc_assessments") == 1


def test_comparison_scope_all_admits_people_known_only_to_asc(world):
    _, use_all = world
    comparisons = use_all.filter(pl.col("group") == "comparison")["research_person_id"].unique().sort().to_list()
    assert comparisons == ["K1", "K2", "K5"]


def test_pseudo_index_dates_are_deterministic_and_within_eligible_range():
    population = make("population", [person(f"C{i}") for i in range(6)] + [
        person(f"K{i}", first_asc_date=None, first_mh_date=d(2024, 3, 1)) for i in range(30)
    ])
    spells = make("spells", [
        {"research_person_id": f"C{i}", "spell_id": str(i), "admission_date": d(2024, 1 + 2 * i, 1)} for i in range(6)
    ])
    empty = {t: make(t, []) for t in ["contacts", "referrals", "mha", "asc_events"]}
    crises = crisis_events(empty["referrals"], empty["contacts"], spells, empty["mha"])
    first = pre_crisis_service_use(crises, empty["asc_events"], empty["referrals"], empty["contacts"], population, seed=1)
    again = pre_crisis_service_use(crises, empty["asc_events"], empty["referrals"], empty["contacts"], population, seed=1)
    assert first.equals(again)
    dates = first.filter(pl.col("group") == "comparison")["index_date"]
    case_dates = {d(2024, 1 + 2 * i, 1) for i in range(6)}
    assert set(dates.to_list()) <= {x for x in case_dates if x >= d(2024, 3, 1)}
    assert len(set(dates.to_list())) > 1  # draws spread over the eligible dates
    other_seed = pre_crisis_service_use(crises, empty["asc_events"], empty["referrals"], empty["contacts"], population, seed=2)
    assert not other_seed.equals(first)


def test_pattern_table_means_and_rate_ratio():
    rows = []
    for pid, group, contacts_0_30 in [("a", "case", 3), ("b", "case", 1), ("x", "comparison", 1), ("y", "comparison", 0),
                                      ("z", "comparison", 1), ("w", "comparison", 0)]:
        for window in ["0-30", "31-90", "91-180", "181-365"]:
            rows.append({"research_person_id": pid, "group": group, "window": window,
                         "mh_contacts_attended": contacts_0_30 if window == "0-30" else 0, "mh_referrals": 0,
                         "asc_requests": 0, "asc_assessments": 0, "asc_reviews": 0, "asc_services_open": 0})
    pattern = pattern_table(pl.DataFrame(rows))
    assert pattern.columns == list(OUTPUT_COLUMNS["pattern_table"])
    r = pattern.filter((pl.col("window") == "0-30") & (pl.col("measure") == "mh_contacts_attended")).row(0, named=True)
    assert (r["case_persons"], r["comparison_persons"], r["case_total"], r["comparison_total"]) == (2, 4, 4, 2)
    assert (r["case_mean"], r["comparison_mean"]) == (2.0, 0.5)
    assert (r["case_mean_per_30_days"], r["comparison_mean_per_30_days"]) == (2.0, 0.5)
    assert r["rate_ratio"] == pytest.approx(4.0)
    se = math.sqrt(1 / 4 + 1 / 2)
    assert r["rate_ratio_ci_lower"] == pytest.approx(4 * math.exp(-1.959964 * se), rel=1e-5)
    assert r["rate_ratio_ci_upper"] == pytest.approx(4 * math.exp(1.959964 * se), rel=1e-5)
    # a 60-day window: per-30-day means are half the window means
    rows_31_90 = [dict(r, mh_referrals=2) for r in rows if r["window"] == "31-90"]
    wide = pattern_table(pl.DataFrame(rows_31_90))
    r90 = wide.filter(pl.col("measure") == "mh_referrals").row(0, named=True)
    assert (r90["case_mean"], r90["case_mean_per_30_days"]) == (2.0, 1.0)
    # no events anywhere: means 0, ratio undefined
    empty = pattern.filter((pl.col("window") == "31-90") & (pl.col("measure") == "mh_contacts_attended")).row(0, named=True)
    assert (empty["case_mean"], empty["rate_ratio"]) == (0.0, None)

    spec = pattern_chart(pattern)
    text = json.dumps(spec)
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert "research_person_id" not in text and '"a"' not in text
    assert len(spec["data"]["values"]) == pattern.height * 2

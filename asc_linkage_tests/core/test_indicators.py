"""Person-quarter indicators on a small hand-built world (expected values worked out by hand)."""

from datetime import date as d

import polars as pl
import pytest

from asc_linkage.core.indicators import OUTPUT_COLUMNS, person_quarter_indicators

SCHEMAS = {
    "population": {
        "research_person_id": pl.String, "in_asc": pl.Boolean, "in_mh": pl.Boolean, "in_both": pl.Boolean,
        "age_band": pl.String, "birth_year": pl.Int64, "sex": pl.String, "ethnic_group": pl.String,
        "imd_decile": pl.Int64, "imd_quintile": pl.Int64, "smi": pl.Boolean, "dementia": pl.Boolean,
        "first_asc_date": pl.Date, "first_mh_date": pl.Date, "date_of_death": pl.Date, "lives_alone": pl.Boolean,
    },
    "asc_events": {
        "research_person_id": pl.String, "event_type": pl.String, "event_start_date": pl.Date,
        "event_end_date": pl.Date, "client_type": pl.String, "service_type": pl.String,
        "service_component": pl.String, "delivery_mechanism": pl.String, "event_outcome": pl.String,
        "request_route_of_access": pl.String, "assessment_type": pl.String, "review_reason": pl.String,
        "unit_cost": pl.Float64, "cost_frequency_unit_type": pl.String, "planned_units_per_week": pl.Float64,
        "accommodation_status": pl.String, "primary_support_reason": pl.String,
    },
    "referrals": {
        "research_person_id": pl.String, "referral_id": pl.String, "referral_received_date": pl.Date,
        "discharge_date": pl.Date, "source_of_referral": pl.String, "primary_reason": pl.String, "team_type": pl.String,
    },
    "contacts": {
        "research_person_id": pl.String, "contact_id": pl.String, "referral_id": pl.String, "contact_date": pl.Date,
        "team_type": pl.String, "attendance": pl.String, "consultation_medium": pl.String,
    },
    "spells": {
        "research_person_id": pl.String, "spell_id": pl.String, "admission_date": pl.Date, "discharge_date": pl.Date,
        "admission_method": pl.String, "bed_type": pl.String, "discharge_destination": pl.String,
    },
    "mha": {
        "research_person_id": pl.String, "episode_id": pl.String, "legal_status": pl.String,
        "start_date": pl.Date, "end_date": pl.Date,
    },
    "diagnoses": {
        "research_person_id": pl.String, "diagnosis_date": pl.Date, "icd10_code": pl.String, "diagnosis_type": pl.String,
    },
}


def make(table: str, rows: list[dict]) -> pl.DataFrame:
    """A research-zone table with the full schema; unspecified fields are null."""
    schema = SCHEMAS[table]
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema, orient="row")


def person(pid: str, **fields) -> dict:
    base = {"research_person_id": pid, "in_asc": True, "in_mh": True, "in_both": True, "sex": "Female",
            "age_band": "45-64", "ethnic_group": "White", "smi": False, "dementia": False, "lives_alone": False,
            "first_asc_date": d(2015, 1, 1), "first_mh_date": d(2015, 1, 1), "birth_year": 1970}
    base.update(fields)
    return base


def asc(pid, event_type, start, end=None, **fields) -> dict:
    return {"research_person_id": pid, "event_type": event_type, "event_start_date": start,
            "event_end_date": end, "client_type": "Service user", **fields}


Q_START, Q_END = d(2024, 1, 1), d(2024, 3, 31)  # 91 days (leap year)


@pytest.fixture(scope="module")
def indicators() -> pl.DataFrame:
    population = make("population", [
        person("P1"),
        person("P2", date_of_death=d(2024, 2, 10)),
        person("P3"),
        person("P4", date_of_death=d(2023, 12, 1)),
        person("P5", date_of_death=d(2024, 3, 15)),
    ])
    asc_events = make("asc_events", [
        asc("P1", "Request", d(2024, 1, 10), d(2024, 1, 12)),
        asc("P1", "Request", d(2023, 12, 20), d(2023, 12, 21)),
        asc("P1", "Assessment", d(2024, 1, 15), d(2024, 1, 20)),
        asc("P1", "Review", d(2024, 2, 1), d(2024, 2, 1), review_reason="Planned review"),
        asc("P1", "Review", d(2024, 3, 1), d(2024, 3, 1), review_reason="Unplanned review"),
        asc("P1", "Review", d(2024, 3, 5), d(2024, 3, 5), review_reason="Review of short term support"),
        # open all quarter: 91 days = 13 weeks x 200 = 2600
        asc("P1", "Service", d(2023, 11, 1), None, service_type="Long term support: Community",
            unit_cost=200.0, cost_frequency_unit_type="Weekly"),
        # 14 days = 2 weeks; |-20| x 10 units = 200/week -> 400; overlaps the one above
        asc("P1", "Service", d(2024, 2, 1), d(2024, 2, 14), service_type="Short term support: ST-Max",
            unit_cost=-20.0, cost_frequency_unit_type="Hourly", planned_units_per_week=10.0),
        asc("P1", "Service", d(2024, 3, 10), d(2024, 3, 10), service_type="Long term support: Community",
            service_component="Equipment", unit_cost=150.0, cost_frequency_unit_type="One-off"),
        # zero cost: counted as open, not costed
        asc("P1", "Service", d(2024, 3, 20), None, service_type="Long term support: Residential care",
            unit_cost=0.0, cost_frequency_unit_type="Weekly"),
        # NaN cost or units: open, but not costed
        asc("P3", "Service", d(2024, 1, 1), d(2024, 1, 7), service_type="Long term support: Community",
            unit_cost=float("nan"), cost_frequency_unit_type="Weekly"),
        asc("P3", "Service", d(2024, 1, 1), d(2024, 1, 7), service_type="Long term support: Community",
            unit_cost=10.0, cost_frequency_unit_type="Hourly", planned_units_per_week=float("nan")),
        asc("P2", "Request", d(2024, 1, 5), d(2024, 1, 6)),
        # open service cropped at death (Feb 10): 22 days -> 22/7 weeks x 700 = 2200
        asc("P2", "Service", d(2024, 1, 20), None, service_type="Long term support: Nursing care",
            unit_cost=700.0, cost_frequency_unit_type="Weekly"),
    ])
    referrals = make("referrals", [
        {"research_person_id": "P1", "referral_id": "r1", "referral_received_date": d(2023, 10, 1)},
        {"research_person_id": "P1", "referral_id": "r2", "referral_received_date": d(2024, 2, 15),
         "primary_reason": "18", "team_type": "A02"},
        {"research_person_id": "P1", "referral_id": "r3", "referral_received_date": d(2023, 1, 1),
         "discharge_date": d(2023, 12, 31)},
    ])
    contacts = make("contacts", [
        {"research_person_id": "P1", "contact_id": "c1", "contact_date": d(2024, 1, 5), "team_type": "A06", "attendance": "5"},
        {"research_person_id": "P1", "contact_id": "c2", "contact_date": d(2024, 1, 6), "team_type": "A02", "attendance": "6"},
        {"research_person_id": "P1", "contact_id": "c3", "contact_date": d(2024, 1, 7), "team_type": "A06", "attendance": "3"},
        {"research_person_id": "P1", "contact_id": "c4", "contact_date": d(2024, 1, 8), "team_type": "A06", "attendance": "7"},
        {"research_person_id": "P1", "contact_id": "c5", "contact_date": d(2024, 1, 9), "team_type": "A02", "attendance": "2"},
        {"research_person_id": "P1", "contact_id": "c6", "contact_date": d(2023, 12, 30), "team_type": "A06", "attendance": "5"},
        # on the discharge day itself: not a follow-up
        {"research_person_id": "P1", "contact_id": "c7", "contact_date": d(2024, 1, 10), "team_type": "A06", "attendance": "5"},
        # 2 days after the Feb 20 discharge: a follow-up
        {"research_person_id": "P1", "contact_id": "c8", "contact_date": d(2024, 2, 22), "team_type": "A06", "attendance": "5"},
    ])
    spells = make("spells", [
        {"research_person_id": "P1", "spell_id": "s1", "admission_date": d(2023, 12, 20), "discharge_date": d(2024, 1, 10)},
        {"research_person_id": "P1", "spell_id": "s2", "admission_date": d(2024, 2, 5), "discharge_date": d(2024, 2, 20)},
        {"research_person_id": "P1", "spell_id": "s3", "admission_date": d(2024, 3, 25)},
        {"research_person_id": "P2", "spell_id": "s4", "admission_date": d(2024, 1, 25), "discharge_date": d(2024, 2, 8)},
        {"research_person_id": "P5", "spell_id": "s5", "admission_date": d(2024, 3, 1)},
    ])
    mha = make("mha", [
        {"research_person_id": "P1", "episode_id": "m1", "legal_status": "03", "start_date": d(2024, 2, 5),
         "end_date": d(2024, 2, 19)},
        {"research_person_id": "P1", "episode_id": "m2", "legal_status": "01", "start_date": d(2024, 1, 1)},
        {"research_person_id": "P1", "episode_id": "m3", "legal_status": "10", "start_date": d(2024, 3, 1)},
        {"research_person_id": "P1", "episode_id": "m4", "legal_status": "02", "start_date": d(2023, 12, 1),
         "end_date": d(2023, 12, 5)},
    ])
    return person_quarter_indicators(population, asc_events, referrals, contacts, spells, mha, Q_START, Q_END)


def row(frame: pl.DataFrame, pid: str) -> dict:
    return frame.filter(pl.col("research_person_id") == pid).row(0, named=True)


def test_one_row_per_person_with_documented_columns(indicators):
    assert indicators["research_person_id"].to_list() == ["P1", "P2", "P3", "P4", "P5"]
    assert indicators.columns == list(OUTPUT_COLUMNS["person_quarter_indicators"])


def test_asc_activity_counts(indicators):
    p1 = row(indicators, "P1")
    assert (p1["asc_requests"], p1["asc_assessments"]) == (1, 1)
    assert (p1["asc_reviews"], p1["asc_reviews_planned"], p1["asc_reviews_unplanned"]) == (3, 1, 1)
    assert p1["asc_services_open"] == 4
    assert (p1["asc_services_open_lt_community"], p1["asc_services_open_lt_residential"],
            p1["asc_services_open_lt_nursing"], p1["asc_services_open_short_term"]) == (2, 1, 0, 1)


def test_new_long_term_support_needs_no_long_term_service_open_the_day_before(indicators):
    # P1's new LT services start while the community package is still open; P2's nursing care is new.
    assert row(indicators, "P1")["asc_new_long_term_support"] is False
    assert row(indicators, "P2")["asc_new_long_term_support"] is True
    assert row(indicators, "P5")["asc_new_long_term_support"] is False


def test_costs_and_weeks_follow_domain_rules(indicators):
    p1 = row(indicators, "P1")
    assert p1["asc_weeks_of_support"] == pytest.approx(13.0)  # overlapping services not double counted
    assert p1["asc_cost_in_period"] == pytest.approx(2600 + 400 + 150)
    assert p1["asc_cost_per_week"] == pytest.approx(3000 / 13)
    p2 = row(indicators, "P2")
    assert p2["asc_weeks_of_support"] == pytest.approx(22 / 7)
    assert p2["asc_cost_in_period"] == pytest.approx(2200)
    assert p2["asc_cost_per_week"] == pytest.approx(700)
    p3 = row(indicators, "P3")
    assert (p3["asc_services_open"], p3["asc_weeks_of_support"]) == (2, pytest.approx(1.0))
    assert (p3["asc_cost_in_period"], p3["asc_cost_per_week"]) == (0.0, 0.0)
    p5 = row(indicators, "P5")
    assert (p5["asc_weeks_of_support"], p5["asc_cost_in_period"], p5["asc_cost_per_week"]) == (0.0, 0.0, None)


def test_wait_from_request_to_first_service(indicators):
    assert row(indicators, "P1")["asc_wait_days_request_to_first_service"] == 22  # Jan 10 -> Feb 1
    assert row(indicators, "P2")["asc_wait_days_request_to_first_service"] == 15  # Jan 5 -> Jan 20
    assert row(indicators, "P3")["asc_wait_days_request_to_first_service"] is None  # services, no request


def test_days_alive(indicators):
    assert [row(indicators, p)["days_alive_in_period"] for p in ["P1", "P2", "P3", "P4", "P5"]] == [91, 41, 91, 0, 75]


def test_mh_referrals_and_contacts(indicators):
    p1 = row(indicators, "P1")
    assert (p1["mh_referrals_received"], p1["mh_referrals_open"]) == (1, 2)
    assert (p1["mh_contacts_attended"], p1["mh_contacts_missed"], p1["mh_crisis_team_contacts"]) == (4, 2, 1)


def test_inpatient_measures(indicators):
    p1 = row(indicators, "P1")
    assert p1["mh_inpatient_admissions"] == 2
    assert p1["mh_bed_days"] == 9 + 15 + 7  # s1 cropped at quarter start, s3 open to quarter end
    assert p1["mh_readmissions_30d"] == 1  # s2, 26 days after s1; s3 is 34 days after s2
    assert (p1["mh_discharges"], p1["mh_discharges_eligible_72h"], p1["mh_followed_up_72h"]) == (2, 2, 1)
    p2 = row(indicators, "P2")
    assert p2["mh_bed_days"] == 14
    # died 2 days after discharge: excluded from the follow-up denominator
    assert (p2["mh_discharges"], p2["mh_discharges_eligible_72h"], p2["mh_followed_up_72h"]) == (1, 0, 0)
    assert row(indicators, "P5")["mh_bed_days"] == 14  # open spell cropped at death on Mar 15


def test_detentions_and_crisis_episodes(indicators):
    p1 = row(indicators, "P1")
    assert p1["mh_mha_detentions"] == 1  # 03 in quarter; 01 informal and 10 (Part 3) are not detentions counted
    # episodes: Dec 1 detention; Dec 20 admission (+ the Jan 6 contact during it); Feb 5 admission and
    # detention (+ the Feb 15 crisis referral during the stay); Mar 25 admission. Two start in the quarter.
    assert p1["mh_crisis_episodes"] == 2
    assert row(indicators, "P2")["mh_crisis_episodes"] == 1


def test_inactive_person_has_zero_counts(indicators):
    p5 = row(indicators, "P5")
    counts = [v for k, v in p5.items() if k.startswith(("asc_requests", "asc_services", "mh_contacts", "mh_referrals"))]
    assert counts and all(v == 0 for v in counts)


def test_rejects_reversed_quarter():
    with pytest.raises(ValueError):
        person_quarter_indicators(make("population", []), make("asc_events", []), make("referrals", []),
                                  make("contacts", []), make("spells", []), make("mha", []), Q_END, Q_START)


def test_people_without_any_events_get_zero_rows():
    population = make("population", [person("A"), person("B", date_of_death=d(2024, 1, 31))])
    empty = {t: make(t, []) for t in ["asc_events", "referrals", "contacts", "spells", "mha"]}
    result = person_quarter_indicators(population, empty["asc_events"], empty["referrals"], empty["contacts"],
                                       empty["spells"], empty["mha"], Q_START, Q_END)
    assert result["days_alive_in_period"].to_list() == [91, 31]
    assert result.select(pl.col("mh_contacts_attended", "asc_services_open").sum()).row(0) == (0, 0)

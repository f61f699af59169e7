"""First new permanent placements, the predictor table and crude placement rates."""

import math
from datetime import date as d

import polars as pl
import pytest

from asc_linkage.core.institutionalisation import (
    OUTPUT_COLUMNS,
    first_permanent_placements,
    placement_rates,
    predictor_table,
)
from asc_linkage_tests.core.test_indicators import asc, make, person

RES = "Long term support: Residential care"
NUR = "Long term support: Nursing care"


def test_first_new_placement_follows_the_cld_method():
    population = make("population", [person(p, birth_year=1950) for p in ["P1", "P2", "P3", "P4", "P5", "P6"]]
                      + [person("P7", birth_year=1980)])
    events = make("asc_events", [
        # P1: residential then, 244 days after it ended, nursing -> a transfer, not new
        asc("P1", "Service", d(2020, 1, 1), d(2020, 6, 30), service_type=RES, service_component="Long term residential care"),
        asc("P1", "Service", d(2021, 3, 1), None, service_type=NUR, service_component="Long term nursing care"),
        # P2: a second stay over 365 days after the first ended is new again
        asc("P2", "Service", d(2019, 1, 1), d(2019, 6, 30), service_type=RES),
        asc("P2", "Service", d(2021, 1, 1), None, service_type=RES),
        # P3: short-term residential component
        asc("P3", "Service", d(2022, 1, 1), None, service_type=RES, service_component="Short term residential care"),
        # P4: self-funded placement excluded, and it blocks the council-funded one that follows while it is open
        asc("P4", "Service", d(2022, 1, 1), None, service_type=RES,
            event_outcome="NFA: Self-funded client or under 12wk disregard"),
        asc("P4", "Service", d(2022, 5, 1), None, service_type=NUR),
        # P5: carers' services do not count
        asc("P5", "Service", d(2022, 1, 1), None, service_type=RES, client_type="Unpaid carer"),
        asc("P6", "Service", d(2023, 2, 1), None, service_type=NUR),
        asc("P7", "Service", d(2023, 2, 1), None, service_type=RES, service_component="Long term residential care"),
        # community support is not a placement
        asc("P7", "Service", d(2020, 2, 1), None, service_type="Long term support: Community"),
    ])
    placements = first_permanent_placements(events, population)
    assert placements.columns == list(OUTPUT_COLUMNS["first_permanent_placements"])
    assert placements.select("research_person_id", "placement_date", "placement_setting", "new_placements_on_record").rows() == [
        ("P1", d(2020, 1, 1), "residential", 1),
        ("P2", d(2019, 1, 1), "residential", 2),
        ("P6", d(2023, 2, 1), "nursing", 1),
        ("P7", d(2023, 2, 1), "residential", 1),
    ]
    ages = dict(placements.select("research_person_id", "age_at_placement").rows())
    assert ages["P6"] == 72 and ages["P7"] == 42  # birthday assumed 1 July
    assert dict(placements.select("research_person_id", "ascof_measure").rows())["P6"] == "2C"
    assert dict(placements.select("research_person_id", "ascof_measure").rows())["P7"] == "2B"


@pytest.fixture(scope="module")
def dementia_table():
    population = make("population", [
        person("D1", dementia=True, birth_year=1935),
        person("D2", dementia=True, birth_year=1930, first_mh_date=d(2021, 3, 1), first_asc_date=d(2020, 5, 1),
               date_of_death=d(2022, 5, 1)),
        person("D3", dementia=True, birth_year=1960),
        person("D4", dementia=True, birth_year=1935),
        person("D5", dementia=False, birth_year=1935),
        person("D6", dementia=True, birth_year=1940),
        person("D7", dementia=True, birth_year=1940, lives_alone=True),
    ])
    diagnoses = make("diagnoses", [
        {"research_person_id": "D1", "diagnosis_date": d(2020, 1, 1), "icd10_code": "F03"},
        {"research_person_id": "D1", "diagnosis_date": d(2022, 1, 1), "icd10_code": "F01.1"},
        {"research_person_id": "D3", "diagnosis_date": d(2020, 1, 1), "icd10_code": "F00.0"},
        {"research_person_id": "D4", "diagnosis_date": d(2020, 1, 1), "icd10_code": "F000"},
        {"research_person_id": "D5", "diagnosis_date": d(2020, 1, 1), "icd10_code": "F20.0"},
        {"research_person_id": "D6", "diagnosis_date": d(2025, 2, 1), "icd10_code": "F00.1"},
        {"research_person_id": "D7", "diagnosis_date": d(2023, 1, 1), "icd10_code": "G31.8"},
    ])
    placements = pl.DataFrame(
        {"research_person_id": ["D1", "D4"], "placement_date": [d(2021, 1, 1), d(2019, 1, 1)]}
    )
    spells = make("spells", [
        {"research_person_id": "D1", "spell_id": "a", "admission_date": d(2019, 5, 1)},
        {"research_person_id": "D1", "spell_id": "b", "admission_date": d(2020, 6, 1)},
    ])
    mha = make("mha", [
        {"research_person_id": "D1", "episode_id": "m", "legal_status": "03", "start_date": d(2018, 1, 1)},
        {"research_person_id": "D1", "episode_id": "n", "legal_status": "01", "start_date": d(2019, 1, 1)},
    ])
    events = make("asc_events", [
        asc("D1", "Request", d(2019, 12, 31), d(2020, 1, 2)),
        asc("D1", "Request", d(2020, 1, 1), d(2020, 1, 2)),  # on the entry day: not "before"
        asc("D1", "Service", d(2019, 6, 1), None, service_type="Long term support: Community"),
    ])
    return predictor_table(population, placements, events, spells, mha, diagnoses, "dementia", d(2024, 12, 31))


def test_dementia_cohort_membership_and_follow_up(dementia_table):
    t = dementia_table
    assert t.columns == list(OUTPUT_COLUMNS["predictor_table"])
    # D3 under 65, D4 placed before entry, D5 no dementia, D6 enters after study end
    assert t["research_person_id"].to_list() == ["D1", "D2", "D7"]
    rows = {r["research_person_id"]: r for r in t.iter_rows(named=True)}
    assert (rows["D1"]["entry_date"], rows["D1"]["exit_date"], rows["D1"]["exit_reason"]) == (d(2020, 1, 1), d(2021, 1, 1), "placement")
    assert rows["D1"]["placement"] is True and rows["D1"]["time_at_risk_days"] == 367
    # no dated diagnosis: entry at first MH contact (not the earlier ASC one); censored at death
    assert (rows["D2"]["entry_date"], rows["D2"]["exit_reason"], rows["D2"]["time_at_risk_days"]) == (d(2021, 3, 1), "death", 427)
    assert (rows["D7"]["exit_reason"], rows["D7"]["time_at_risk_days"], rows["D7"]["placement"]) == ("study_end", 731, False)
    assert (rows["D1"]["age_at_entry"], rows["D1"]["age_group"]) == (84, "65-84")
    assert (rows["D2"]["age_at_entry"], rows["D2"]["age_group"]) == (90, "85+")
    assert rows["D7"]["lives_alone"] is True


def test_predictors_are_measured_strictly_before_entry(dementia_table):
    d1 = dementia_table.filter(pl.col("research_person_id") == "D1").row(0, named=True)
    assert (d1["prior_admissions"], d1["prior_detentions"], d1["prior_asc_requests"]) == (1, 1, 1)
    assert d1["prior_asc_community_support"] is True and d1["prior_asc_short_term_support"] is False
    assert d1["dementia_at_entry"] is True and d1["smi_at_entry"] is False


def test_smi_cohort_uses_first_smi_diagnosis_and_adults_only():
    population = make("population", [
        person("S1", smi=True, birth_year=1990),
        person("S2", smi=True, birth_year=2010),
        person("S3", smi=True, dementia=True, birth_year=1950),
    ])
    diagnoses = make("diagnoses", [
        {"research_person_id": "S1", "diagnosis_date": d(2021, 4, 1), "icd10_code": "F31.2"},
        {"research_person_id": "S1", "diagnosis_date": d(2020, 4, 1), "icd10_code": "F32.1"},  # not SMI
        {"research_person_id": "S2", "diagnosis_date": d(2022, 1, 1), "icd10_code": "F200"},
        {"research_person_id": "S3", "diagnosis_date": d(2019, 1, 1), "icd10_code": "F20.0"},
        {"research_person_id": "S3", "diagnosis_date": d(2023, 1, 1), "icd10_code": "F03"},  # after entry
    ])
    empty_placements = pl.DataFrame(schema={"research_person_id": pl.String, "placement_date": pl.Date})
    t = predictor_table(population, empty_placements, make("asc_events", []), make("spells", []), make("mha", []),
                        diagnoses, "smi", d(2024, 12, 31))
    assert t["research_person_id"].to_list() == ["S1", "S3"]
    assert t["entry_date"].to_list() == [d(2021, 4, 1), d(2019, 1, 1)]
    assert t.filter(pl.col("research_person_id") == "S3")["dementia_at_entry"].item() is False
    with pytest.raises(ValueError):
        predictor_table(population, empty_placements, make("asc_events", []), make("spells", []), make("mha", []),
                        diagnoses, "frailty", d(2024, 12, 31))


def test_placement_rates_and_rate_ratios():
    four_years = 1461  # days = 4 person-years
    rows = [
        # dementia, age_group, lives_alone, placement
        (True, "85+", True, True), (True, "85+", False, True),
        (False, "65-84", True, True), (False, "65-84", False, False),
    ]
    table = pl.DataFrame(
        [{"research_person_id": f"R{i}", "dementia_at_entry": dem, "age_group": age, "lives_alone": alone,
          "placement": placed, "time_at_risk_days": four_years} for i, (dem, age, alone, placed) in enumerate(rows)]
    )
    rates = placement_rates(table)
    assert rates.columns == list(OUTPUT_COLUMNS["placement_rates"])
    overall = rates.filter(pl.col("grouping") == "all").row(0, named=True)
    assert (overall["persons"], overall["placements"], overall["person_years"]) == (4, 3, pytest.approx(16.0))
    assert overall["rate_per_1000_py"] == pytest.approx(187.5)
    assert overall["rate_ratio"] is None

    dementia = rates.filter((pl.col("grouping") == "dementia_at_entry") & (pl.col("group") == "true")).row(0, named=True)
    assert dementia["reference_group"] == "false"
    assert dementia["rate_per_1000_py"] == pytest.approx(250.0)
    assert dementia["rate_ratio"] == pytest.approx(2.0)
    se = math.sqrt(1 / 2 + 1 / 1)
    assert dementia["rate_ratio_ci_lower"] == pytest.approx(2 * math.exp(-1.959964 * se), rel=1e-5)
    assert dementia["rate_ratio_ci_upper"] == pytest.approx(2 * math.exp(1.959964 * se), rel=1e-5)
    # exact Poisson limits for 2 events are (0.2422, 7.2247)
    assert dementia["rate_ci_lower"] == pytest.approx(0.2422 / 8 * 1000, rel=1e-3)
    assert dementia["rate_ci_upper"] == pytest.approx(7.2247 / 8 * 1000, rel=1e-3)

    age = rates.filter(pl.col("grouping") == "age_group").sort("group")
    assert age["group"].to_list() == ["65-84", "85+"]
    assert age["rate_ratio"].to_list()[0] is None  # the reference row
    assert age["rate_ratio"].to_list()[1] == pytest.approx(2.0)
    alone = rates.filter((pl.col("grouping") == "lives_alone") & (pl.col("group") == "true")).row(0, named=True)
    assert alone["rate_ratio"] == pytest.approx(2.0)
    flipped = placement_rates(table, by=["age_group"], reference_levels={"age_group": "85+"})
    younger = flipped.filter(pl.col("group") == "65-84").row(0, named=True)
    assert (younger["reference_group"], younger["rate_ratio"]) == ("85+", pytest.approx(0.5))


def test_older_asc_clients_enter_at_the_later_of_asc_contact_and_65th_birthday():
    population = make("population", [
        person("O1", birth_year=1950, first_asc_date=d(2010, 1, 1), dementia=True),
        person("O2", birth_year=1940, first_asc_date=d(2018, 3, 1)),
        person("O3", birth_year=1940, in_asc=False, first_asc_date=None),
        person("O4", birth_year=1970, first_asc_date=d(2020, 1, 1)),
    ])
    diagnoses = make("diagnoses", [{"research_person_id": "O1", "diagnosis_date": d(2019, 1, 1), "icd10_code": "G30.1"}])
    empty_placements = pl.DataFrame(schema={"research_person_id": pl.String, "placement_date": pl.Date})
    t = predictor_table(population, empty_placements, make("asc_events", []), make("spells", []), make("mha", []),
                        diagnoses, "older_asc_clients", d(2024, 12, 31))
    assert t.select("research_person_id", "entry_date", "age_at_entry").rows() == [
        ("O1", d(2015, 7, 1), 65), ("O2", d(2018, 3, 1), 77),
    ]
    # dementia diagnosed after entry is not a baseline predictor
    assert t["dementia_at_entry"].to_list() == [False, False]

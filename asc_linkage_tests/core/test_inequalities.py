"""Indicator rates by group and the linked cohort against single-system populations."""

from datetime import date as d

import polars as pl
import pytest

from asc_linkage.core.indicators import OUTPUT_COLUMNS as INDICATOR_COLUMNS
from asc_linkage.core.inequalities import (
    OUTPUT_COLUMNS,
    cohort_vs_single_system,
    indicator_rates,
    poisson_count_interval,
    wilson_interval,
)
from asc_linkage_tests.core.test_indicators import make, person

QUARTERS = [(d(2024, 1, 1), d(2024, 3, 31)), (d(2024, 4, 1), d(2024, 6, 30))]


def indicator_row(pid: str, quarter: int, days: int = 91, **values) -> dict:
    row = {c: 0 for c in INDICATOR_COLUMNS["person_quarter_indicators"]}
    row.update(research_person_id=pid, quarter_start=QUARTERS[quarter][0], quarter_end=QUARTERS[quarter][1],
               days_alive_in_period=days, asc_new_long_term_support=False, asc_weeks_of_support=0.0,
               asc_cost_in_period=0.0, asc_cost_per_week=None, asc_wait_days_request_to_first_service=None)
    row.update(values)
    return row


@pytest.fixture(scope="module")
def world():
    population = make("population", [
        person("A", sex="Female", ethnic_group="White", imd_quintile=1, in_both=True, in_asc=True, in_mh=True, smi=True),
        person("B", sex="Female", ethnic_group="Black", imd_quintile=2, in_both=False, in_asc=False, in_mh=True, smi=True),
        person("C", sex="Male", ethnic_group="White", imd_quintile=None, in_both=False, in_asc=True, in_mh=False),
        person("D", sex="Male", ethnic_group="Black", imd_quintile=1, date_of_death=d(2023, 1, 1)),
    ])
    rows = [
        indicator_row("A", 0, asc_services_open=1, mh_contacts_attended=4, mh_crisis_episodes=1),
        indicator_row("A", 1, mh_contacts_attended=2),
        indicator_row("B", 0, mh_contacts_attended=2, mh_mha_detentions=1, mh_inpatient_admissions=1),
        indicator_row("B", 1),
        indicator_row("C", 0, asc_services_open=1, asc_services_open_lt_residential=1),
        indicator_row("C", 1, asc_services_open=1, asc_services_open_lt_residential=1),
        indicator_row("D", 0, days=0),
        indicator_row("D", 1, days=0),
        indicator_row("NOT_IN_POPULATION", 0, asc_services_open=1),
    ]
    indicators = pl.DataFrame(rows, schema={c: None for c in INDICATOR_COLUMNS["person_quarter_indicators"]}, orient="row",
                              infer_schema_length=None)
    return population, indicators


def rate(rates, breakdown, group, indicator) -> dict:
    return rates.filter(
        (pl.col("breakdown") == breakdown) & (pl.col("group") == group) & (pl.col("indicator") == indicator)
    ).row(0, named=True)


def test_interval_helpers_match_published_values():
    low, high = wilson_interval(1, 10)
    assert (low, high) == (pytest.approx(0.01787, abs=1e-4), pytest.approx(0.40415, abs=1e-4))
    assert wilson_interval(0, 0) == (None, None)
    assert poisson_count_interval(0) == (0.0, pytest.approx(3.6889, abs=1e-3))
    assert poisson_count_interval(10) == (pytest.approx(4.7954, abs=1e-3), pytest.approx(18.3904, abs=1e-3))


def test_person_rates_per_1000_with_wilson_intervals(world):
    population, indicators = world
    rates = indicator_rates(population, indicators)
    assert rates.columns == list(OUTPUT_COLUMNS["indicator_rates"])
    overall = rate(rates, "all", "All", "any_asc_service")
    # D died before the period and the unknown id is not in the population: 2 of 3 at risk
    assert (overall["numerator"], overall["denominator"]) == (2, 3)
    assert overall["rate"] == pytest.approx(2000 / 3)
    low, high = wilson_interval(2, 3)
    assert (overall["ci_lower"], overall["ci_upper"]) == (pytest.approx(1000 * low), pytest.approx(1000 * high))
    assert rate(rates, "sex", "Female", "any_asc_service")["rate"] == pytest.approx(500.0)
    assert rate(rates, "sex", "Male", "any_lt_residential_nursing")["numerator"] == 1
    assert rate(rates, "imd_quintile", "Unknown", "any_asc_service")["denominator"] == 1
    assert rate(rates, "ethnic_group", "Black", "mha_detention")["rate"] == pytest.approx(1000.0)
    assert set(rates["breakdown"].unique()) == {"all", "ethnic_group", "sex", "age_band", "imd_quintile"}


def test_event_rates_per_person_year_sum_quarters(world):
    population, indicators = world
    rates = indicator_rates(population, indicators, by=["sex"])
    contacts = rate(rates, "all", "All", "mh_contacts_attended")
    person_years = 3 * 182 / 365.25
    assert contacts["rate_type"] == "per_person_year"
    assert (contacts["numerator"], contacts["denominator"]) == (8, pytest.approx(person_years))
    assert contacts["rate"] == pytest.approx(8 / person_years)
    low, high = poisson_count_interval(8)
    assert contacts["ci_lower"] == pytest.approx(low / person_years)
    assert contacts["ci_upper"] == pytest.approx(high / person_years)
    # a person's quarters are summed before "any" is decided
    assert rate(rates, "sex", "Female", "any_attended_mh_contact")["numerator"] == 2
    with pytest.raises(ValueError):
        indicator_rates(population, indicators, by=["postcode"])


def test_cohort_vs_single_system(world):
    population, indicators = world
    table = cohort_vs_single_system(population, indicators)
    assert table.columns == list(OUTPUT_COLUMNS["cohort_vs_single_system"])

    def get(segment, measure):
        return table.filter((pl.col("segment") == segment) & (pl.col("measure") == measure)).row(0, named=True)

    smi_no_care = get("mh_smi", "never_known_to_asc")  # people with SMI known to MH with no social care
    assert (smi_no_care["numerator"], smi_no_care["denominator"], smi_no_care["percent"]) == (1, 2, 50.0)
    assert get("mh_smi", "no_asc_service_in_period")["numerator"] == 1
    assert (get("linked_cohort", "any_crisis_in_period")["numerator"], get("linked_cohort", "any_crisis_in_period")["denominator"]) == (1, 1)
    assert get("asc_only", "any_lt_residential_nursing_in_period")["percent"] == 100.0
    assert get("mh_only", "mha_detention_in_period")["percent"] == 100.0
    assert get("asc_all", "known_to_mh")["denominator"] == 2  # A and C; D dead before the period
    assert get("mh_dementia", "known_to_asc")["percent"] is None  # empty segment
    # fixed by definition, so a zero there is not disclosive; a real count is not structural
    assert get("asc_only", "any_crisis_in_period")["structural"] is True
    assert get("mh_only", "any_asc_service_in_period")["structural"] is True
    assert get("linked_cohort", "known_to_asc")["structural"] is True
    assert get("mh_smi", "never_known_to_asc")["structural"] is False
    assert get("asc_all", "any_crisis_in_period")["structural"] is False

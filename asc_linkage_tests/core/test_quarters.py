from datetime import date

import pytest

from asc_linkage.core.quarters import (
    QuarterError,
    is_quarter,
    next_quarter,
    parse_quarter,
    previous_quarter,
    quarter_end,
    quarter_of,
    quarter_range,
    quarter_start,
)


def test_parse_quarter_splits_year_and_number():
    assert parse_quarter("2025-Q2") == (2025, 2)


@pytest.mark.parametrize("bad", ["2025Q2", "2025-Q5", "2025-Q0", "25-Q1", "2025-q2", " 2025-Q2", "2025-Q2/", "", None])
def test_parse_quarter_rejects_other_forms_with_a_clear_message(bad):
    with pytest.raises(QuarterError, match="YYYY-Qn"):
        parse_quarter(bad)
    assert not is_quarter(bad)


@pytest.mark.parametrize(
    "quarter, start, end",
    [
        ("2025-Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_quarter_start_and_end(quarter, start, end):
    assert quarter_start(quarter) == start
    assert quarter_end(quarter) == end
    assert quarter_of(start) == quarter == quarter_of(end)


def test_previous_and_next_cross_year_boundaries():
    assert previous_quarter("2025-Q1") == "2024-Q4"
    assert previous_quarter("2025-Q3") == "2025-Q2"
    assert next_quarter("2024-Q4") == "2025-Q1"


def test_quarter_range_is_inclusive_and_ordered():
    assert quarter_range("2023-Q3", "2024-Q2") == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert quarter_range("2025-Q2", "2025-Q2") == ["2025-Q2"]
    assert quarter_range("2025-Q3", "2025-Q2") == []
    assert len(quarter_range("2023-Q3", "2025-Q2")) == 8


def test_quarter_range_rejects_bad_keys():
    with pytest.raises(QuarterError):
        quarter_range("2023-Q3", "2025")

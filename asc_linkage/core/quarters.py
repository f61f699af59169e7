"""Quarter keys ``YYYY-Qn``: the partition keys and the landing folder names."""

from __future__ import annotations

import re
from datetime import date, timedelta

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


class QuarterError(ValueError):
    """A quarter key is not of the form YYYY-Qn."""


def is_quarter(text: str) -> bool:
    return isinstance(text, str) and _QUARTER.fullmatch(text) is not None


def parse_quarter(quarter: str) -> tuple[int, int]:
    """``"2025-Q2"`` -> ``(2025, 2)``."""
    match = _QUARTER.fullmatch(quarter) if isinstance(quarter, str) else None
    if match is None:
        # The key is a folder name or partition key, never personal data, so it may be echoed.
        raise QuarterError(f"quarter {quarter!r} is not of the form YYYY-Qn (e.g. 2025-Q2)")
    return int(match.group(1)), int(match.group(2))


def format_quarter(year: int, number: int) -> str:
    return f"{year:04d}-Q{number}"


def quarter_start(quarter: str) -> date:
    year, number = parse_quarter(quarter)
    return date(year, 3 * number - 2, 1)


def quarter_end(quarter: str) -> date:
    year, number = parse_quarter(quarter)
    if number == 4:
        return date(year, 12, 31)
    return date(year, 3 * number + 1, 1) - timedelta(days=1)


def quarter_of(day: date) -> str:
    return format_quarter(day.year, (day.month - 1) // 3 + 1)


def previous_quarter(quarter: str) -> str:
    year, number = parse_quarter(quarter)
    return format_quarter(year - 1, 4) if number == 1 else format_quarter(year, number - 1)


def next_quarter(quarter: str) -> str:
    year, number = parse_quarter(quarter)
    return format_quarter(year + 1, 1) if number == 4 else format_quarter(year, number + 1)


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive (empty when ``last`` is earlier)."""
    parse_quarter(last)
    quarters = []
    current = first
    while parse_quarter(current) <= parse_quarter(last):
        quarters.append(current)
        current = next_quarter(current)
    return quarters

"""Quarter arithmetic and day-number dates for the generator.

Dates are held as integer day numbers since 1970-01-01 while simulating (numpy arithmetic on
millions of events), and become ``pl.Date`` only when written. The helpers are local so the
generator does not depend on the platform's ``core.quarters`` module being importable.
"""

from __future__ import annotations

import datetime as dt
import re

EPOCH = dt.date(1970, 1, 1)
# Day number standing for "no date": an open end, no death, no move. Compares after every real day.
NEVER = 2**31 - 1
DEFAULT_FIRST_QUARTER = "2023-Q3"
DEFAULT_LAST_QUARTER = "2025-Q2"
# Event histories start this long before the first drop's rolling 12-month window (long-known
# people's support began up to four years before that), so the first submissions already carry
# services opened years earlier and the trust's snapshots have a past.
HISTORY_YEARS_BEFORE_FIRST_WINDOW = 2

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(quarter: str) -> tuple[int, int]:
    match = _QUARTER.match(quarter)
    if not match:
        raise ValueError(f"quarter must look like 2025-Q2: {quarter!r}")
    return int(match.group(1)), int(match.group(2))


def quarter_start(quarter: str) -> dt.date:
    year, q = parse_quarter(quarter)
    return dt.date(year, 3 * q - 2, 1)


def quarter_end(quarter: str) -> dt.date:
    year, q = parse_quarter(quarter)
    next_start = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return next_start - dt.timedelta(days=1)


def quarter_range(first: str, last: str) -> list[str]:
    year, q = parse_quarter(first)
    last_key = parse_quarter(last)
    out = []
    while (year, q) <= last_key:
        out.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def rolling_window_start(quarter: str) -> dt.date:
    """First day of the rolling 12 months that a CLD submission for ``quarter`` covers."""
    return _add_months(quarter_end(quarter), -12)


def _add_months(end: dt.date, months: int) -> dt.date:
    # The day after `end` shifted back by 12 months: 2025-06-30 -> 2024-07-01.
    nxt = end + dt.timedelta(days=1)
    total = nxt.year * 12 + (nxt.month - 1) + months
    return dt.date(total // 12, total % 12 + 1, 1)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


"""Deadlines: the promised date (承诺时限) in working days, and what is overdue or due soon."""

from __future__ import annotations

import datetime as dt
import re

from villageagent.domain.errors import ValidationError

DUE_SOON_DAYS = 2


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Count working days (Monday-Friday) after ``start``; public holidays are not modelled."""
    current = start
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def days_left(promised: dt.date, today: dt.date) -> int:
    return (promised - today).days


def is_overdue(promised: dt.date, today: dt.date, closed: bool) -> bool:
    return not closed and promised < today


def is_due_soon(promised: dt.date, today: dt.date, closed: bool) -> bool:
    return not closed and 0 <= (promised - today).days <= DUE_SOON_DAYS


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(text: str) -> tuple[dt.date, dt.date]:
    """'2026-03' → (2026-03-01, 2026-04-01): the month as a half-open range."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise ValidationError("month", field="month", text=text)
    start = dt.date(int(m.group(1)), int(m.group(2)), 1)
    end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("date", field="date", text=text) from None

"""Time for services: wall clock and today, swappable in tests (a wrong device clock)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Callable

_wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000  # noqa: E731
_today: Callable[[], dt.date] | None = None


def wall_ms() -> int:
    return _wall_ms()


def today() -> dt.date:
    if _today is not None:
        return _today()
    return dt.datetime.fromtimestamp(wall_ms() / 1000).date()


def set_wall(fn: Callable[[], int] | None) -> None:
    """Replace the wall clock (tests, demo); ``None`` restores the real one."""
    global _wall_ms
    _wall_ms = fn or (lambda: time.time_ns() // 1_000_000)


def set_today(fn: Callable[[], dt.date] | None) -> None:
    global _today
    _today = fn

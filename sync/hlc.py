"""Hybrid logical clock (HLC) timestamps.

- A timestamp is (wall milliseconds, counter, node). It is encoded as a fixed-width string
  so that plain string order (and SQL ``ORDER BY``) is causal order.
- A device's own timestamps always increase, even when its wall clock jumps back or is a year
  wrong: the clock never goes below the largest timestamp it has issued or seen.
- Remote timestamps are never refused for being far from our wall clock (a village laptop
  with a wrong clock must still sync); we only carry them forward.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

_WALL_DIGITS = 13
_COUNTER_DIGITS = 6
MAX_COUNTER = 10**_COUNTER_DIGITS - 1
MAX_TEXT = 64  # characters of an encoded timestamp that the township's column holds


@dataclass(frozen=True, order=True)
class Timestamp:
    wall_ms: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.wall_ms:0{_WALL_DIGITS}d}-{self.counter:0{_COUNTER_DIGITS}d}-{self.node}"

    @classmethod
    def decode(cls, text: str) -> "Timestamp":
        try:
            wall, counter, node = text.split("-", 2)
            if len(wall) != _WALL_DIGITS or len(counter) != _COUNTER_DIGITS or not node:
                raise ValueError
            return cls(int(wall), int(counter), node)
        except ValueError:
            raise ValueError(f"not an HLC timestamp: {text!r}") from None

    def __str__(self) -> str:
        return self.encode()


def is_timestamp(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        Timestamp.decode(text)
    except ValueError:
        return False
    return True


class HybridClock:
    """Issues monotonically increasing timestamps for one node.

    - ``now`` comes from ``wall`` (milliseconds); tests pass a fake one.
    - ``observe`` folds in a timestamp seen from elsewhere (or read back from storage).
    - Thread-safe: the UI thread and the writer may both stamp.
    """

    def __init__(self, node: str, wall: Callable[[], int] | None = None, last: str | None = None):
        if not node or "-" in node:
            raise ValueError("node id must be non-empty and contain no '-'")
        self.node = node
        self._wall = wall or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._last_wall = 0
        self._last_counter = 0
        if last:
            self.observe(last)

    def now(self) -> str:
        with self._lock:
            wall = self._wall()
            if wall > self._last_wall:
                self._last_wall, self._last_counter = wall, 0
            else:
                self._bump()
            return Timestamp(self._last_wall, self._last_counter, self.node).encode()

    def observe(self, text: str) -> None:
        ts = Timestamp.decode(text)
        with self._lock:
            if (ts.wall_ms, ts.counter) > (self._last_wall, self._last_counter):
                self._last_wall, self._last_counter = ts.wall_ms, ts.counter

    def _bump(self) -> None:
        if self._last_counter >= MAX_COUNTER:
            # Counter exhausted within one millisecond: borrow the next millisecond.
            self._last_wall += 1
            self._last_counter = 0
        else:
            self._last_counter += 1

"""Steps taken on many errands at once (a whole order round delivered, a roster paid).

- Each errand's step is its own transaction (``advance_status``): one that is not allowed in
  its current state is skipped and reported, and never blocks the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from villageagent.domain.errors import VillageError
from villageagent.services.errands import advance_status
from villageagent.storage.events import Changes


@dataclass
class BatchResult:
    done: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (errand id, error kind)


def advance_many(db: Database, errand_ids: list[str], target: str, *, reason: str = "") -> tuple[BatchResult, Changes]:
    """Move each errand to ``target`` where that is a legal village step now."""
    result = BatchResult()
    changes = Changes()
    for errand_id in errand_ids:
        try:
            _errand, ch = advance_status(db, errand_id, target, reason=reason)
        except VillageError as exc:
            result.skipped.append((errand_id, exc.kind))
            continue
        result.done += 1
        changes.merge(ch)
    return result, changes

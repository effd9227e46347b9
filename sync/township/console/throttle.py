"""Sign-in throttling (issue 6): after repeated failures a user name or an address waits.

- ``MAX_FAILURES`` failures of one user name (``MAX_ADDRESS_FAILURES`` from one address, higher
  because colleagues may share a gateway) within ``WINDOW`` lock that key for ``LOCK``; a success
  clears the user name's counter. Counted in the database, so it holds across server threads and restarts.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sync.township.console.models import LoginThrottle

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)


def keys_for(username: str, address: str) -> list[str]:
    return [f"user:{(username or '').strip().lower()[:150]}", f"ip:{address or '?'}"]


def locked_minutes(keys: list[str]) -> int:
    """Minutes left on the longest lock among the keys (0: not locked)."""
    now = timezone.now()
    until = [t.locked_until for t in LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now)]
    if not until:
        return 0
    return max(1, int((max(until) - now).total_seconds() // 60) + 1)


def record_failure(keys: list[str]) -> None:
    now = timezone.now()
    with transaction.atomic():
        for key in keys:
            row, created = LoginThrottle.objects.get_or_create(key=key, defaults={"failures": 1,
                                                                                  "first_failure_at": now})
            if created:
                continue
            if row.first_failure_at < now - WINDOW:
                row.failures, row.first_failure_at, row.locked_until = 1, now, None
                row.save(update_fields=["failures", "first_failure_at", "locked_until"])
                continue
            LoginThrottle.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
            row.refresh_from_db()
            limit = MAX_FAILURES if key.startswith("user:") else MAX_ADDRESS_FAILURES
            if row.failures >= limit:
                LoginThrottle.objects.filter(pk=row.pk).update(locked_until=now + LOCK)


def record_success(username: str) -> None:
    LoginThrottle.objects.filter(key=keys_for(username, "")[0]).delete()

"""The console's own tables (the township's tables belong to ``sync.township``).

- ``Access``: no table, only the two permissions behind the roles (clerk, supervisor).
- ``LoginThrottle``: failed sign-ins per user name and per address (issue 6: throttling).
- ``ResidentKey``: pinyin initials of resident names, filled lazily, so a search by ``zgy`` is
  an indexed lookup instead of converting every name on every keystroke.
- ``OfflineImport``: an imported USB file's summary and the answer file to download.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Access(models.Model):
    """Holder of the console permissions; never stored."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("process_errands", "办理代办事项（办事员）"),
            ("supervise", "管理设备、目录、名册和账号（主管）"),
        ]


class LoginThrottle(models.Model):
    """Failed sign-ins counted per key (``user:NAME`` or ``ip:ADDRESS``) within a window."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.IntegerField(default=0)
    first_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)


class ResidentKey(models.Model):
    """A resident's pinyin initials (张桂英 → zgy), keyed by the resident's entity id and name."""

    entity_id = models.CharField(max_length=64, unique=True)
    village_id = models.BigIntegerField()
    name = models.CharField(max_length=40)
    initials = models.CharField(max_length=40, db_index=True)


class OfflineImport(models.Model):
    """A village's USB file imported through the console, with the answer file for the village."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    filename = models.CharField(max_length=200)
    village_code = models.CharField(max_length=12)
    summary = models.JSONField(default=dict)
    answer = models.BinaryField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"])]

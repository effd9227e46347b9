"""The township center's tables.

- ``Event``: the same immutable events the villages keep, by UUID (storing one twice is a no-op);
  ``seq`` is the server's monotonic sequence, the pull cursor.
- ``Errand``/``Resident``/``Roster``/``LogEntry``: projections per village, re-derived with
  ``sync.workflow.fold`` from an entity's events: a pushed batch is acknowledged once its events
  are stored, and projected right after (``Village.projected_seq`` says how far; see store.py).
- ``Device`` (token stored hashed, revocable, one village), ``EnrollmentCode`` (one-time, hashed),
  ``Batch`` (by batch id, with the acknowledgement sent, for exactly-once acknowledgement),
  ``SyncIncident`` (consistency mismatches and repairs, never silent).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Village(models.Model):
    """A village the township serves; ``event_count``/``digest`` are the consistency check."""

    code = models.CharField("村代码", max_length=12, unique=True)
    name = models.CharField("村名", max_length=30, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # HLC high-water mark of this village's events (the server clock per village, see operations).
    hlc_last = models.CharField(max_length=64, blank=True, default="")
    event_count = models.BigIntegerField(default=0)
    # XOR of the 128-bit event ids, as 32 hex digits: order-independent, updated per insert.
    digest = models.CharField(max_length=32, default="0" * 32)
    # Every event with a seq up to this one is reflected in the projections (errands, residents,
    # logs, rosters); later ones are stored and acknowledged but not yet projected (store.py).
    projected_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "村"

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Device(models.Model):
    """A village laptop enrolled with a one-time code; every request carries its token."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="devices")
    node = models.CharField("设备编号", max_length=64, help_text="the device id its events carry as origin")
    name = models.CharField("设备名称", max_length=60, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_cursor = models.BigIntegerField(default=0)
    pending_reported = models.IntegerField("待上传事件数", default=0)

    class Meta:
        ordering = ["village__code", "id"]
        verbose_name = verbose_name_plural = "设备"
        indexes = [models.Index(fields=["node"])]

    def __str__(self) -> str:
        return f"{self.village.code}/{self.node}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class EnrollmentCode(models.Model):
    """A one-time code for enrolling one device of one village; only its hash is kept."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="enrollment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = "设备登记码"


class Batch(models.Model):
    """A pushed batch, remembered so that a batch sent again gets the same answer."""

    batch_id = models.CharField(max_length=64)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="batches")
    received_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=8, default="http")  # http | file
    accepted = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    ack = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "batch_id"], name="batch_once_per_device")]
        verbose_name = verbose_name_plural = "上传批次"


class EventData(models.JSONField):
    """An event's data: JSON this program wrote (``sync.events.data_text``, or the ORM's own).

    - No ``CHECK (JSON_VALID(...))`` on SQLite: it parsed every stored event's data once more,
      7,000 of the ~37,000 CPU instructions an event's insert cost (measured with a hardware
      counter). Every writer of the column writes valid JSON already.
    """

    def db_check(self, connection):  # type: ignore[no-untyped-def]
        return None


class Event(models.Model):
    """One immutable event (see ``sync.events``)."""

    seq = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True)
    hlc = models.CharField(max_length=64)
    # No single-column indexes on the two foreign keys: (village, seq) serves the village, and
    # batches are never deleted or looked up from here; two fewer b-trees per stored event.
    # Nor database-level foreign keys: the push writes both from rows it read or made in the same
    # transaction, and nothing deletes a village or a batch. The checks they made on SQLite (two
    # look-ups per stored event) cost 3,600 instructions of an event's insert (measured).
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="events", db_index=False,
                                db_constraint=False)
    origin = models.CharField(max_length=64)
    entity = models.CharField(max_length=16)
    entity_id = models.CharField(max_length=64)
    op = models.CharField(max_length=16)
    data = EventData(default=dict)
    actor = models.CharField(max_length=64, blank=True, default="")
    applied = models.BooleanField(default=True)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, db_index=False,
                              db_constraint=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # With the origin, a pull that leaves out the asking device's own events reads only the
            # index, not every row it skips (measured: the pull after a 10,000-record push, 21 -> 6 ms at the township).
            models.Index(fields=["village", "seq", "origin"]),
            # Ownership checks and folds; without hlc a smaller b-tree to grow per stored event.
            models.Index(fields=["entity_id"]),
        ]
        verbose_name = verbose_name_plural = "事件"


class Resident(models.Model):
    """A village's resident as derived from its events."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="residents", db_index=False)
    entity_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=40, default="")
    id_number = models.CharField(max_length=18, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    group = models.CharField(max_length=40, blank=True, default="")
    address = models.CharField(max_length=200, blank=True, default="")
    created_hlc = models.CharField(max_length=64, default="")
    updated_hlc = models.CharField(max_length=64, default="")

    class Meta:
        indexes = [models.Index(fields=["village", "id_number"]), models.Index(fields=["village", "name"])]
        verbose_name = verbose_name_plural = "村民"

    def __str__(self) -> str:
        return self.name


class Errand(models.Model):
    """An errand as derived from its events (both sides'); ``state`` keeps the whole fold."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="errands", db_index=False)
    entity_id = models.CharField(max_length=64, unique=True)
    number = models.CharField("编号", max_length=40, default="")
    kind = models.CharField(max_length=16)
    item_code = models.CharField(max_length=16, blank=True, default="")
    item_name = models.CharField(max_length=60, blank=True, default="")
    resident_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True, default="")
    tier = models.CharField(max_length=16, blank=True, default="township")
    quantity = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True, default="")
    amount_fen = models.BigIntegerField(default=0)
    paid_fen = models.BigIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True, default="")
    promised_date = models.CharField(max_length=10, blank=True, default="")
    created_date = models.CharField(max_length=10, blank=True, default="")
    done_date = models.CharField(max_length=10, null=True, blank=True)
    closed = models.BooleanField(default=False)
    roster_id = models.CharField(max_length=64, null=True, blank=True)
    round = models.CharField(max_length=40, blank=True, default="")
    origin = models.CharField(max_length=64, blank=True, default="")
    created_hlc = models.CharField(max_length=64, default="")
    updated_hlc = models.CharField(max_length=64, default="")
    status_hlc = models.CharField(max_length=64, default="")
    state = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["village", "status"]),
            models.Index(fields=["status", "created_date"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["closed", "promised_date"]),
            models.Index(fields=["created_date"]),
            models.Index(fields=["number"]),
            models.Index(fields=["resident_id"]),
            models.Index(fields=["roster_id"]),
        ]
        verbose_name = verbose_name_plural = "代办事项"

    def __str__(self) -> str:
        return self.number or self.entity_id


class Roster(models.Model):
    """A subsidy roster (补贴名册) published to a village."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="rosters")
    entity_id = models.CharField(max_length=64, unique=True)
    item_code = models.CharField(max_length=16)
    title = models.CharField(max_length=60, default="")
    month = models.CharField(max_length=7, blank=True, default="")
    note = models.CharField(max_length=200, blank=True, default="")
    created_hlc = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = verbose_name_plural = "补贴名册"


class LogEntry(models.Model):
    """A village's consultation/dispute/concern log line (for the monthly circular)."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="logs", db_index=False)
    entity_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=16)
    resident_id = models.CharField(max_length=64, null=True, blank=True)
    summary = models.CharField(max_length=500, default="")
    outcome = models.CharField(max_length=200, blank=True, default="")
    date = models.CharField(max_length=10, blank=True, default="")
    created_hlc = models.CharField(max_length=64, default="")

    class Meta:
        indexes = [models.Index(fields=["village", "date"])]
        verbose_name = verbose_name_plural = "村务记录"


class CatalogVersion(models.Model):
    """A published version of the service catalog (事项目录)."""

    version = models.CharField(max_length=32, unique=True)
    items = models.JSONField(default=list)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-published_at"]
        verbose_name = verbose_name_plural = "事项目录版本"


class SyncIncident(models.Model):
    """Something about a sync that staff should be able to see: mismatches, repairs, refusals."""

    at = models.DateTimeField(auto_now_add=True)
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.CASCADE)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=32)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "同步记录"

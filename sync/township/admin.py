"""Django admin for the supervisor's housekeeping (devices, villages, incidents)."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from sync.township import models as m


@admin.register(m.Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "event_count", "created_at")
    search_fields = ("code", "name")
    readonly_fields = ("hlc_last", "event_count", "digest")


@admin.action(description="吊销所选设备")
def revoke(modeladmin, request, queryset):
    queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(m.Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("village", "node", "name", "enrolled_at", "last_sync_at", "pending_reported", "revoked_at")
    list_filter = ("village",)
    # The token hash is never shown: it is useless to staff and should not be copied around.
    exclude = ("token_hash",)
    readonly_fields = ("node", "enrolled_at", "last_sync_at", "last_cursor", "pending_reported")
    actions = [revoke]


@admin.register(m.SyncIncident)
class SyncIncidentAdmin(admin.ModelAdmin):
    list_display = ("at", "village", "device", "kind")
    list_filter = ("kind", "village")


@admin.register(m.CatalogVersion)
class CatalogVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "published_at", "published_by")

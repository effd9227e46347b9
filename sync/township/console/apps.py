"""App config of the staff console: the clerk/supervisor groups are ensured after each migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConsoleConfig(AppConfig):
    name = "sync.township.console"
    label = "console"
    verbose_name = "乡镇工作台"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sync.township.console.roles import ensure_roles

        # After migrate, because permissions themselves are created by a post_migrate handler.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="console-ensure-roles")

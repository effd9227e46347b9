"""Django app config of the township center."""

from django.apps import AppConfig


class TownshipConfig(AppConfig):
    name = "sync.township"
    label = "township"
    verbose_name = "乡镇中心"
    default_auto_field = "django.db.models.BigAutoField"

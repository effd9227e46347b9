"""What every screen needs, passed explicitly instead of a global app object.

- ``tasks``: the task runner (reads, the one writer, printing).
- ``data_did_change(Changes)``: the app-wide signal every screen listens to; it decides itself
  whether to reload (the services report which entities they touched).
- ``settings``: a snapshot of the village settings, refreshed after each change.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from villageagent.storage.events import Changes
from villageagent.storage.settings import VillageSettings
from villageagent.ui import i18n


class AppContext(QObject):
    data_did_change = Signal(object)
    settings_did_change = Signal(object)
    language_did_change = Signal(str)

    def __init__(self, tasks: Any, settings: VillageSettings, parent: QObject | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.settings = settings
        tasks.data_did_change.connect(self.data_did_change)
        tasks.job_did_fail.connect(self._on_job_did_fail)
        self.data_did_change.connect(self._on_data_did_change)

    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("settings"):
            self.reload_settings()

    def reload_settings(self, then: Callable[[VillageSettings], None] | None = None) -> None:
        from villageagent.services.village import get_settings

        def done(settings: VillageSettings) -> None:
            self.settings = settings
            self.settings_did_change.emit(settings)
            if then:
                then(settings)

        self.tasks.read(get_settings, done)

    def _on_job_did_fail(self, exc: BaseException) -> None:
        show_error(None, exc)


shown_errors: list[str] = []  # every message shown, newest last (tests read it)
_quiet = {"on": False}


def set_quiet(on: bool) -> None:
    """Tests and the screenshot command must never block on a modal box."""
    _quiet["on"] = on


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """A plain message box for an error that does not belong beside one field."""
    text = i18n.error_text(exc)
    shown_errors.append(text)
    if _quiet["on"]:
        return
    QMessageBox.warning(parent, Q.translate("messages", "提示"), text)

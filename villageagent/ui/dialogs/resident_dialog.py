"""Registering or editing a resident, with the same checks as the new-errand form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from villageagent.domain.errors import ValidationError
from villageagent.services import residents as resident_service
from villageagent.ui import i18n
from villageagent.ui.context import AppContext
from villageagent.ui.widgets.common import FieldMessage
from villageagent.ui.widgets.resident_form import ResidentForm


class ResidentDialog(QDialog):
    resident_was_saved = Signal(object)

    def __init__(self, ctx: AppContext, resident: dict[str, Any] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.resident = resident
        self.setWindowTitle(self.tr("修改村民信息") if resident else self.tr("登记新村民"))
        self.form = ResidentForm(ctx.settings.groups, self)
        if resident:
            self.form.set_values(resident)
        self.message = FieldMessage(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(720, 260)

    def save(self) -> None:
        if not self.form.check():
            self.message.error(self.tr("请按红字提示改正后再保存。"))
            return
        values = self.form.values()
        if self.resident:
            rid = self.resident["id"]
            job = lambda db: resident_service.update_resident(db, rid, **values)  # noqa: E731
        else:
            job = lambda db: resident_service.register_resident(db, **values)  # noqa: E731
        self.ctx.tasks.write(job, self._on_saved, self._on_error)

    def _on_saved(self, resident: dict[str, Any]) -> None:
        self.accept()
        self.resident_was_saved.emit(resident)

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and self.form.show_error(exc):
            self.message.error(self.tr("请按红字提示改正后再保存。"))
        else:
            self.message.error(i18n.error_text(exc))

"""Enroll this laptop with the township center: its address and the one-time code.

- The township prints the code (and a QR code carrying both) with ``township-center enroll``
  or shows it in the console; the cadre types or pastes them here.
- Pasting the QR text (``villageagent:enroll?url=...&code=...``) into either field fills both.
- A refusal is shown in the dialog in plain words; the dialog stays open to correct it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)


def parse_enroll_text(text: str) -> tuple[str, str] | None:
    """(url, code) from the QR code's text, or None."""
    text = (text or "").strip()
    if not text.startswith("villageagent:enroll?"):
        return None
    query = parse_qs(urlparse(text.replace("villageagent:enroll?", "x://x/?", 1)).query)
    url, code = query.get("url", [""])[0], query.get("code", [""])[0]
    return (url, code) if url and code else None


class EnrollDialog(QDialog):
    """Township address + one-time code; runs the enrollment through the sync controller."""

    enroll_did_succeed = Signal(str)

    def __init__(self, ctx: Any, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller
        self.setWindowTitle(self.tr("登记到乡镇中心"))
        self.setMinimumWidth(460)
        intro = QLabel(self.tr("请填写乡镇给的地址和一次性登记码。登记后，本村的事项会自动同步到乡镇，"
                               "乡镇的办理结果也会自动回到这台电脑。"), self)
        intro.setWordWrap(True)
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("http://192.168.1.10:8000")
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText("ABCD-EFGH")
        for edit in (self.url_edit, self.code_edit):
            edit.textChanged.connect(self._on_text_changed)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow(self.tr("乡镇地址"), self.url_edit)
        form.addRow(self.tr("登记码"), self.code_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登记"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _on_text_changed(self, text: str) -> None:
        parsed = parse_enroll_text(text)
        if parsed:
            self.url_edit.blockSignals(True)
            self.code_edit.blockSignals(True)
            self.url_edit.setText(parsed[0])
            self.code_edit.setText(parsed[1])
            self.url_edit.blockSignals(False)
            self.code_edit.blockSignals(False)
        self.error_label.hide()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def submit(self) -> None:
        url, code = self.url_edit.text().strip(), self.code_edit.text().strip()
        if not url:
            self.show_error(self.tr("请填写乡镇地址，例如 http://192.168.1.10:8000"))
            self.url_edit.setFocus()
            return
        if len("".join(ch for ch in code if ch.isalnum())) != 8:
            self.show_error(self.tr("登记码是8个字母或数字，例如 ABCD-EFGH，请核对。"))
            self.code_edit.setFocus()
            return
        self.buttons.setEnabled(False)
        self.setCursor(Qt.CursorShape.WaitCursor)
        self.controller.enroll(url, code, self._on_done)

    def _on_done(self, ok: bool, text: str) -> None:
        self.buttons.setEnabled(True)
        self.unsetCursor()
        if ok:
            self.enroll_did_succeed.emit(text)
            self.accept()
        else:
            self.show_error(text)

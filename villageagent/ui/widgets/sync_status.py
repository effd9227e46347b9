"""The sync area of the status bar (placeholder until the sync issue fills it in).

- Constructed by the main window as ``SyncStatusWidget(ctx, parent)`` and added with
  ``statusBar().addPermanentWidget``; the sync controller may replace this module's internals.
- For now it only says the laptop is not enrolled with a township.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


class SyncStatusWidget(QWidget):
    """Shows the sync state; today always "not enrolled"."""

    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.label = QLabel(self.tr("同步：未登记"), self)
        self.label.setObjectName("syncStatus")
        self.label.setToolTip(self.tr("这台电脑还没有在乡镇登记，事项只保存在本机。"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.label)

    def set_text(self, text: str) -> None:
        self.label.setText(text)

"""The sync area of the status bar, the 同步 menu and the list of refused records.

- Constructed by the main window as ``SyncStatusWidget(ctx, parent)``; it fills the window's
  ``sync_menu`` (sync now, cancel, enroll, USB export/import, refused records) and shows:
  online/offline, events waiting, the last sync and its result, a busy bar while syncing.
- The work itself is the ``SyncController`` (one per window context).
- Messages say what to do; a sync error never shows a code or a traceback.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox,
    QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from villageagent.services.sync import township_text
from villageagent.ui.sync_controller import SyncController


def describe(status: dict[str, Any]) -> str:
    """One line for the status bar."""
    if not status.get("enrolled"):
        return Q.translate("sync", "同步：未登记到乡镇")
    parts = []
    online = status.get("online")
    if status.get("running"):
        parts.append(Q.translate("sync", "正在同步…"))
    elif online is True:
        parts.append(Q.translate("sync", "在线"))
    elif online is False:
        parts.append(Q.translate("sync", "离线"))
    waiting = int(status.get("waiting") or 0)
    parts.append(Q.translate("sync", "待上传 %1 条").replace("%1", str(waiting)))
    refused = int(status.get("quarantined") or 0)
    if refused:
        parts.append(Q.translate("sync", "被拒收 %1 条").replace("%1", str(refused)))
    last = status.get("last") or {}
    if last.get("at"):
        when = str(last["at"]).replace("T", " ")[5:16]
        if last.get("ok"):
            parts.append(Q.translate("sync", "上次同步 %1 成功").replace("%1", when))
        else:
            parts.append(Q.translate("sync", "上次同步 %1 未完成").replace("%1", when))
    return "  ·  ".join(parts)


class SyncStatusWidget(QWidget):
    """The status bar's sync line; also fills the parent window's 同步 menu."""

    def __init__(self, ctx: Any, parent: QWidget | None = None, controller: SyncController | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller or SyncController.for_context(ctx)
        self.label = QLabel(self.tr("同步：未登记"), self)
        self.label.setObjectName("syncStatus")
        self.label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label.mousePressEvent = lambda _e: (self.show_refused(), None)[1]  # type: ignore[method-assign, assignment]
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(90)
        self.bar.setMaximumHeight(14)
        self.bar.hide()
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.setFlat(True)
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.cancel_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        c = self.controller
        c.status_did_change.connect(self._on_status_did_change)
        c.sync_did_start.connect(self._on_sync_did_start)
        c.sync_did_progress.connect(self._on_sync_did_progress)
        c.sync_did_finish.connect(self._on_sync_did_finish)
        c.sync_did_fail.connect(self._on_sync_did_fail)
        self.last_message = ""
        self._fill_menu(getattr(parent, "sync_menu", None))
        if c.status:
            self._on_status_did_change(c.status)
        else:
            c.refresh_status()

    def set_text(self, text: str) -> None:
        self.label.setText(text)

    # --- menu --------------------------------------------------------------------------------
    def _fill_menu(self, menu: Any) -> None:
        if menu is None:
            return
        menu.clear()
        self.sync_action = QAction(self.tr("立即同步"), self)
        self.sync_action.setShortcut("F5")
        self.sync_action.triggered.connect(self.controller.sync_now)
        self.cancel_action = QAction(self.tr("取消同步"), self)
        self.cancel_action.triggered.connect(self.controller.cancel)
        self.enroll_action = QAction(self.tr("登记到乡镇…"), self)
        self.enroll_action.triggered.connect(self.show_enroll)
        self.export_action = QAction(self.tr("没有网络：导出到U盘…"), self)
        self.export_action.triggered.connect(self.export_usb)
        self.import_action = QAction(self.tr("导入乡镇的答复文件…"), self)
        self.import_action.triggered.connect(self.import_usb)
        self.refused_action = QAction(self.tr("被乡镇拒收的记录…"), self)
        self.refused_action.triggered.connect(self.show_refused)
        for action in (self.sync_action, self.cancel_action, None, self.enroll_action, None, self.export_action,
                       self.import_action, None, self.refused_action):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)

    # --- signals -------------------------------------------------------------------------------
    def _on_status_did_change(self, status: dict) -> None:
        # The not-enrolled line keeps the placeholder's source text, which is already translated.
        self.label.setText(describe(status) if status.get("enrolled") else self.tr("同步：未登记"))
        tip = self.last_message or (self.tr("这台电脑还没有在乡镇登记，事项只保存在本机。")
                                    if not status.get("enrolled") else status.get("url", ""))
        self.label.setToolTip(tip)
        if hasattr(self, "sync_action"):
            self.sync_action.setEnabled(bool(status.get("enrolled")) and not status.get("running"))
            self.export_action.setEnabled(bool(status.get("enrolled")))
            self.import_action.setEnabled(bool(status.get("enrolled")))

    def _on_sync_did_start(self) -> None:
        self.bar.show()
        self.cancel_button.show()
        self.label.setText(self.tr("正在同步…"))

    def _on_sync_did_progress(self, report: Any) -> None:
        self.label.setText(self.tr("正在同步：已上传 %1 条，已下载 %2 条").replace("%1", str(report.pushed))
                           .replace("%2", str(report.pulled)))

    def _on_sync_did_finish(self, report: Any) -> None:
        self.bar.hide()
        self.cancel_button.hide()
        self.last_message = self.tr("上次同步：上传 %1 条，下载 %2 条").replace("%1", str(report.pushed)).replace(
            "%2", str(report.pulled))
        if report.refused:
            self.last_message += self.tr("；有 %1 条被乡镇拒收，点这里查看原因").replace("%1", str(report.refused))

    def _on_sync_did_fail(self, message: str) -> None:
        self.bar.hide()
        self.cancel_button.hide()
        self.last_message = message
        self.label.setToolTip(message)

    # --- dialogs -------------------------------------------------------------------------------
    def show_enroll(self) -> QDialog:
        from villageagent.ui.dialogs.enroll_dialog import EnrollDialog

        dialog = EnrollDialog(self.ctx, self.controller, self.window())
        dialog.open()
        return dialog

    def export_usb(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window(), self.tr("导出到U盘"), "村代办同步.vasync",
                                                  self.tr("同步文件 (*.vasync)"))
            if not path:
                return

        def done(ok: bool, text: str) -> None:
            self._tell(self.tr("已导出 %n 条待上传记录。请把文件交给乡镇导入，再把乡镇给的答复文件导入这台电脑。", "",
                               int(text)) if ok else text)

        self.controller.export_file(path, done)

    def import_usb(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window(), self.tr("导入乡镇的答复文件"), "",
                                                  self.tr("同步文件 (*.vasync)"))
            if not path:
                return

        def done(ok: bool, text: str) -> None:
            self._tell(self.tr("已导入乡镇的答复。") if ok else text)

        self.controller.import_file(path, done)

    def show_refused(self) -> QDialog:
        dialog = RefusedRecordsDialog(self.controller, self.window())
        dialog.open()
        return dialog

    def _tell(self, text: str) -> None:
        from villageagent.ui.context import _quiet, shown_errors

        self.last_message = text
        shown_errors.append(text)
        if not _quiet["on"]:
            QMessageBox.information(self.window(), self.tr("同步"), text)


class RefusedRecordsDialog(QDialog):
    """Records the township refused, with its reason; they can be sent again once fixed."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(self.tr("被乡镇拒收的记录"))
        self.resize(720, 360)
        note = QLabel(self.tr("这些记录乡镇没有收下，其余记录不受影响。请按原因处理后点“重新发送”，"
                              "或打电话问乡镇。"), self)
        note.setWordWrap(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("时间"), self.tr("记录"), self.tr("原因")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.retry_button = buttons.addButton(self.tr("重新发送"), QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button.clicked.connect(self._retry)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.rows: list[dict] = []
        controller.refused(self._fill)

    def _fill(self, rows: list[dict]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            data = r.get("data") or {}
            what = data.get("number") or data.get("name") or data.get("summary") or r.get("entity") or ""
            reason = township_text(r.get("code"), str(r.get("message", "")))
            for j, text in enumerate((str(r.get("at", "")).replace("T", " "), str(what), reason)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.retry_button.setEnabled(bool(rows))

    def _retry(self) -> None:
        picked = {i.row() for i in self.table.selectedIndexes()} or set(range(len(self.rows)))
        ids = [self.rows[i]["event_id"] for i in sorted(picked)]
        self.controller.retry_refused(ids, lambda _n: self.controller.refused(self._fill))

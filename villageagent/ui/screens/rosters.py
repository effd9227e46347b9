"""Subsidy rosters (补贴代发): who is on the roster, who was paid and confirmed, and the totals.

- Reconciliation is the domain's: paid + unpaid must equal the roster, in money and in heads.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from villageagent.domain.identity import mask_id_number
from villageagent.domain.money import format_fen
from villageagent.services import supplies
from villageagent.services.batch import advance_many
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui import i18n
from villageagent.ui.context import AppContext, show_error
from villageagent.ui.dialogs.errand_detail import ReasonDialog
from villageagent.ui.models.errands import OVERDUE_BG, OVERDUE_FG, SOON_BG, SOON_FG
from villageagent.ui.models.lists import ListTableModel, RowRole
from villageagent.ui.widgets.common import setup_table, select_rows_by_id, selected_row_ids, step_bar


def load_roster(db: Any, roster_id: str) -> dict[str, Any]:
    return {"lines": queries.roster_lines(db, roster_id), "totals": supplies.roster_reconciliation(db, roster_id)}


class RostersScreen(QWidget):
    errand_was_opened = Signal(str)
    roster_did_load = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.roster_id: str | None = None
        self.pending: Any = None
        self.list = QListWidget(self)
        self.list.setObjectName("rosterList")
        self.list.setWordWrap(True)

        def colour(row: dict[str, Any]) -> tuple[Any, Any] | None:
            if row["status"] == "problem":
                return (OVERDUE_BG, OVERDUE_FG)
            if row["status"] in ("listed", "notified"):
                return (SOON_BG, SOON_FG)
            return None

        self.lines = ListTableModel([
            (self.tr("村民"), lambda r: r["resident_name"]),
            (self.tr("身份证号"), lambda r: mask_id_number(r["resident_id_number"] or "")),
            (self.tr("小组"), lambda r: r["resident_group"]),
            (self.tr("金额(元)"), lambda r: format_fen(int(r["amount_fen"] or 0))),
            (self.tr("状态"), lambda r: i18n.status_label(r["status"])),
            (self.tr("说明"), lambda r: r["reason"] if r["status"] == "problem" else ""),
        ], self, colour=colour, right_aligned=(3,))
        self.table = QTableView(self)
        self.table.setObjectName("rosterLines")
        self.table.setModel(self.lines)
        setup_table(self.table, [80, 150, 60, 80, 100, 200], stretch=5)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.doubleClicked.connect(
            lambda index: self.errand_was_opened.emit(self.lines.data(index, RowRole)["id"]))
        self.totals = QLabel(self)
        self.totals.setObjectName("rosterTotals")
        self.totals.setWordWrap(True)
        self.totals.setStyleSheet("font-size: 11pt; padding: 6px; background: #f3f5f7;")
        self.step_buttons = {
            "notified": QPushButton(self.tr("已通知本人"), self),
            "paid": QPushButton(self.tr("标记已发放"), self),
            "confirmed": QPushButton(self.tr("本人确认领取"), self),
            "problem": QPushButton(self.tr("有疑问…"), self),
            "listed": QPushButton(self.tr("疑问已解决"), self),
        }
        steps, self.message = step_bar(self, self.tr("选中的村民："), self.step_buttons, self.mark_selected)

        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.totals)
        rl.addWidget(self.table, 1)
        rl.addLayout(steps)
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("补贴名册（乡镇下发）："), self))
        ll.addWidget(self.list, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([250, 850])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.list.currentItemChanged.connect(self._on_pick)
        ctx.data_did_change.connect(self._on_data_did_change)
        self._load_rosters()

    def _load_rosters(self) -> None:
        self.ctx.tasks.read(queries.rosters, self._on_rosters)

    def _on_rosters(self, rosters: list[dict[str, Any]]) -> None:
        current = self.roster_id
        self.list.blockSignals(True)
        self.list.clear()
        for r in rosters:
            item = QListWidgetItem(r["title"] or r["item_code"])
            item.setData(Qt.ItemDataRole.UserRole, r["id"])
            self.list.addItem(item)
        self.list.blockSignals(False)
        rows = [i for i in range(self.list.count()) if self.list.item(i).data(Qt.ItemDataRole.UserRole) == current]
        if self.list.count():
            self.list.setCurrentRow(rows[0] if rows else 0)
        else:
            self.totals.setText(self.tr("还没有补贴名册。名册由乡镇下发，同步后出现在这里。"))
            self.roster_did_load.emit()

    def _on_pick(self, current: QListWidgetItem | None, _prev: Any = None) -> None:
        if current is None:
            return
        self.roster_id = current.data(Qt.ItemDataRole.UserRole)
        self.reload()

    def reload(self) -> None:
        if not self.roster_id:
            return
        rid = self.roster_id
        self.ctx.tasks.read(lambda db: load_roster(db, rid), self._on_loaded, lambda exc: show_error(self, exc))

    def _on_loaded(self, data: dict[str, Any]) -> None:
        # Keep the households the cadre selected: marking them purchased, then delivered, is two clicks.
        keep = set(self.selected_ids())
        self.lines.set_rows(data["lines"])
        self._reselect(keep)
        t = data["totals"]
        balance = self.tr("✓ 账目相符") if t.balanced else self.tr("✗ 账目不符，请核对")
        self.totals.setText(
            self.tr("名册 %1 人，共 %2 元；已发放 %3 人 %4 元（其中本人确认 %5 人）；未发放 %6 人 %7 元；有疑问 %8 人。")
            .replace("%1", str(t.roster_count)).replace("%2", format_fen(t.roster_fen))
            .replace("%3", str(t.paid_count)).replace("%4", format_fen(t.paid_fen))
            .replace("%5", str(t.confirmed_count)).replace("%6", str(t.unpaid_count))
            .replace("%7", format_fen(t.unpaid_fen)).replace("%8", str(t.problem_count)) + "  " + balance)
        self.roster_did_load.emit()

    def _reselect(self, ids: set[str]) -> None:
        select_rows_by_id(self.table, self.lines, ids)

    def selected_ids(self) -> list[str]:
        return selected_row_ids(self.table, self.lines)

    def mark_selected(self, target: str, reason: str | None = None) -> None:
        ids = self.selected_ids()
        if not ids:
            self.message.setText(self.tr("请先在列表里选中村民（可按住Ctrl多选）。"))
            return
        if target == "problem" and reason is None:
            dialog = ReasonDialog(self.tr("有疑问"), self)
            dialog.accepted.connect(lambda: self.mark_selected(target, dialog.reason()))
            self.pending = dialog
            dialog.open()
            return
        self.ctx.tasks.write(lambda db: advance_many(db, ids, target, reason=reason or ""), self._on_marked,
                             lambda exc: show_error(self, exc))

    def _on_marked(self, result: Any) -> None:
        text = self.tr("已办 %n 人", "", result.done)
        if result.skipped:
            text += self.tr("，%1 人当前状态不能这样改，已跳过").replace("%1", str(len(result.skipped)))
        self.message.setText(text)

    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("roster"):
            self._load_rosters()
        elif changes.touched("errand"):
            self.reload()

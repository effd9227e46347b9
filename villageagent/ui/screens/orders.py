"""Farm-supply orders (农资代购): one order round per item, households and quantities, live totals.

- The purchase list (one line per item) is what the cadre takes to the supplier; it prints.
- Purchased, delivered and paid are marked per household (or for every selected household).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from villageagent.domain.identity import mask_phone
from villageagent.domain.money import format_fen
from villageagent.services import supplies
from villageagent.services.batch import advance_many
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui import i18n, printing
from villageagent.ui.context import AppContext, show_error
from villageagent.ui.models.errands import SOON_BG, SOON_FG
from villageagent.ui.models.lists import ListTableModel, RowRole
from villageagent.ui.printing import escape
from villageagent.ui.widgets.common import setup_table, select_rows_by_id, selected_row_ids, step_bar


def load_round(db: Any, round_name: str | None, item_code: str | None) -> dict[str, Any]:
    return {"orders": queries.supply_orders(db, item_code, round_name),
            "lines": supplies.purchase_list_for(db, None, round_name)}


class OrdersScreen(QWidget):
    errand_was_opened = Signal(str)
    new_errand_was_requested = Signal()
    round_did_load = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.lines: list[Any] = []
        self.round = QComboBox(self)
        self.round.setMinimumWidth(140)
        self.item = QComboBox(self)
        self.item.setMinimumWidth(160)
        self.new_button = QPushButton(self.tr("新增订购"), self)
        self.print_button = QPushButton(self.tr("打印采购单"), self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("订购批次："), self))
        top.addWidget(self.round)
        top.addWidget(QLabel(self.tr("品种："), self))
        top.addWidget(self.item)
        top.addStretch(1)
        top.addWidget(self.new_button)
        top.addWidget(self.print_button)

        def status_colour(row: dict[str, Any]) -> tuple[Any, Any] | None:
            return (SOON_BG, SOON_FG) if row["status"] == "ordered" else None

        self.orders = ListTableModel([
            (self.tr("村民"), lambda r: r["resident_name"]),
            (self.tr("小组"), lambda r: r["resident_group"]),
            (self.tr("手机号"), lambda r: mask_phone(r["resident_phone"] or "")),
            (self.tr("品种"), lambda r: r["item_name"]),
            (self.tr("数量"), lambda r: f"{(r['quantity'] or 0):g} {r['unit']}"),
            (self.tr("金额(元)"), lambda r: format_fen(int(r["amount_fen"] or 0))),
            (self.tr("状态"), lambda r: i18n.farm_status_label(r["status"])),
            (self.tr("已收款(元)"), lambda r: format_fen(int(r["paid_fen"] or 0)) if r["paid_fen"] else ""),
        ], self, colour=status_colour, right_aligned=(4, 5, 7))
        self.table = QTableView(self)
        self.table.setObjectName("ordersTable")
        self.table.setModel(self.orders)
        setup_table(self.table, [80, 60, 110, 130, 80, 80, 80, 80], stretch=3)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.doubleClicked.connect(
            lambda index: self.errand_was_opened.emit(self.orders.data(index, RowRole)["id"]))
        self.step_buttons = {
            "purchased": QPushButton(self.tr("标记已采购"), self),
            "delivered": QPushButton(self.tr("标记已送达"), self),
            "settled": QPushButton(self.tr("标记已收款"), self),
        }
        steps, self.message = step_bar(self, self.tr("选中的农户："), self.step_buttons, self.mark_selected)

        self.purchase = ListTableModel([
            (self.tr("品种"), lambda r: r["item_name"]),
            (self.tr("户数"), lambda r: r["households"]),
            (self.tr("数量"), lambda r: f"{r['quantity']:g} {r['unit']}"),
            (self.tr("金额(元)"), lambda r: format_fen(r["amount_fen"])),
            (self.tr("已送达"), lambda r: f"{r['delivered_quantity']:g}"),
            (self.tr("已收款(元)"), lambda r: format_fen(r["collected_fen"])),
        ], self, right_aligned=(1, 2, 3, 4, 5))
        self.purchase_table = QTableView(self)
        self.purchase_table.setObjectName("purchaseTable")
        self.purchase_table.setModel(self.purchase)
        setup_table(self.purchase_table, [120, 50, 90, 90, 70, 90], stretch=0)
        self.totals = QLabel(self)
        self.totals.setObjectName("orderTotals")
        self.totals.setWordWrap(True)
        self.totals.setStyleSheet("font-size: 11pt;")
        box = QGroupBox(self.tr("采购单（本批次，按品种汇总）"), self)
        bl = QVBoxLayout(box)
        bl.addWidget(self.purchase_table, 1)
        bl.addWidget(self.totals)

        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.table, 1)
        ll.addLayout(steps)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(left)
        split.addWidget(box)
        split.setSizes([400, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.round.currentIndexChanged.connect(lambda _i: self._on_round_did_change())
        self.item.currentIndexChanged.connect(lambda _i: self.reload())
        self.new_button.clicked.connect(self.new_errand_was_requested)
        self.print_button.clicked.connect(self.print_purchase_list)
        ctx.data_did_change.connect(self._on_data_did_change)
        self._load_rounds()

    def _load_rounds(self) -> None:
        self.ctx.tasks.read(queries.supply_rounds_and_items, self._on_rounds)

    def _on_rounds(self, rows: list[dict[str, Any]]) -> None:
        self._round_items = rows
        current = self.round.currentData()
        self.round.blockSignals(True)
        self.round.clear()
        for name in dict.fromkeys(r["round"] for r in rows):
            self.round.addItem(name or self.tr("（未分批次）"), name)
        index = self.round.findData(current)
        self.round.setCurrentIndex(max(0, index))
        self.round.blockSignals(False)
        self._on_round_did_change()

    def _on_round_did_change(self) -> None:
        name = self.round.currentData()
        current = self.item.currentData()
        self.item.blockSignals(True)
        self.item.clear()
        self.item.addItem(self.tr("全部品种"), None)
        for r in getattr(self, "_round_items", []):
            if r["round"] == name:
                self.item.addItem(r["item_name"], r["item_code"])
        self.item.setCurrentIndex(max(0, self.item.findData(current)))
        self.item.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        round_name, item_code = self.round.currentData(), self.item.currentData()
        if self.round.count() == 0:
            self.orders.set_rows([])
            self.purchase.set_rows([])
            self.totals.setText(self.tr("还没有农资订购。点“新增订购”登记第一户。"))
            self.round_did_load.emit()
            return
        self.ctx.tasks.read(lambda db: load_round(db, round_name, item_code), self._on_loaded)

    def _on_loaded(self, data: dict[str, Any]) -> None:
        # Keep the households the cadre selected: marking them purchased, then delivered, is two clicks.
        keep = set(self.selected_ids())
        self.orders.set_rows(data["orders"])
        self._reselect(keep)
        self.lines = data["lines"]
        self.purchase.set_rows([vars(line) for line in self.lines])
        households = len({o["resident_id"] for o in data["orders"] if o["status"] != "cancelled"})
        amount = sum(int(o["amount_fen"] or 0) for o in data["orders"] if o["status"] != "cancelled")
        collected = sum(int(o["paid_fen"] or 0) for o in data["orders"] if o["status"] == "settled")
        waiting = sum(1 for o in data["orders"] if o["status"] in ("ordered", "purchased"))
        self.totals.setText(
            self.tr("当前列表：%1 户，应收 %2 元，已收 %3 元，待送达 %4 户。")
            .replace("%1", str(households)).replace("%2", format_fen(amount))
            .replace("%3", format_fen(collected)).replace("%4", str(waiting)))
        self.round_did_load.emit()

    def _reselect(self, ids: set[str]) -> None:
        select_rows_by_id(self.table, self.orders, ids)

    def selected_ids(self) -> list[str]:
        return selected_row_ids(self.table, self.orders)

    def mark_selected(self, target: str) -> None:
        ids = self.selected_ids()
        if not ids:
            self.message.setText(self.tr("请先在列表里选中农户（可按住Ctrl多选）。"))
            return
        self.ctx.tasks.write(lambda db: advance_many(db, ids, target), self._on_marked,
                             lambda exc: show_error(self, exc))

    def _on_marked(self, result: Any) -> None:
        text = self.tr("已办 %n 户", "", result.done)
        if result.skipped:
            text += self.tr("，%1 户当前状态不能这样改，已跳过").replace("%1", str(len(result.skipped)))
        self.message.setText(text)

    def purchase_html(self) -> str:
        s = self.ctx.settings
        rows = "".join(
            f"<tr><td>{escape(line.item_name)}</td><td class='num'>{line.households}</td>"
            f"<td class='num'>{line.quantity:g} {escape(line.unit)}</td>"
            f"<td class='num'>{format_fen(line.amount_fen)}</td></tr>"
            for line in self.lines)
        total = sum(line.amount_fen for line in self.lines)
        t = {"title": self.tr("农资采购单"), "round": self.tr("订购批次："), "item": self.tr("品种"),
             "households": self.tr("户数"), "quantity": self.tr("数量"), "amount": self.tr("金额(元)"),
             "total": self.tr("合计"), "cadre": self.tr("代办员：")}
        t = {k: escape(v) for k, v in t.items()}
        return (f"<html><body><h1>{escape(s.township_name + s.village_name)} {t['title']}</h1>"
                f"<p class='sub'>{t['round']}{escape(self.round.currentText())}</p>"
                f"<table class='grid' width='100%' cellspacing='0'><tr><th>{t['item']}</th>"
                f"<th class='num'>{t['households']}</th><th class='num'>{t['quantity']}</th>"
                f"<th class='num'>{t['amount']}</th></tr>{rows}"
                f"<tr><td><b>{t['total']}</b></td><td></td><td></td>"
                f"<td class='num'><b>{format_fen(total)}</b></td></tr></table>"
                f"<p class='foot'>{t['cadre']}{escape(s.cadre_name)}</p></body></html>")

    def print_purchase_list(self) -> None:
        printing.preview(self, self.purchase_html(), page="A4", title=self.tr("农资采购单"))

    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("errand"):
            self._load_rounds()

"""Logging a new errand: the resident (found or added on the spot), the item, its materials.

- The resident search and the catalog load on the read lane; saving runs on the writer.
- A new resident's ID number is checked as it is typed; a number already registered selects
  that resident instead of registering them twice.
- The promised date is shown as soon as an item is picked (computed by the domain rules).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QPushButton, QStackedWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from sync.workflow import KINDS
from villageagent.domain.catalog import parse_item
from villageagent.domain.errand import promised_date
from villageagent.domain.errors import ValidationError, VillageError
from villageagent.domain.identity import mask_id_number, normalize_id_number, pinyin_initials
from villageagent.domain.money import format_fen, parse_yuan
from villageagent.services import clock
from villageagent.services import errands as errand_service
from villageagent.services import residents as resident_service
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui import i18n
from villageagent.ui.context import AppContext
from villageagent.ui.widgets.common import FieldMessage
from villageagent.ui.widgets.resident_form import ResidentForm

ResidentRole = Qt.ItemDataRole.UserRole + 1
ItemRole = Qt.ItemDataRole.UserRole + 2


def default_round(today: dt.date) -> str:
    # The same naming as the township's order rounds: spring ploughing or autumn/winter.
    return f"{today.year}年{'春耕' if today.month <= 6 else '秋冬'}"


def load_choices(db: Any) -> dict[str, Any]:
    return {"catalog": queries.catalog_items(db, offered=True), "rounds": queries.supply_rounds(db)}


class NewErrandDialog(QDialog):
    errand_was_saved = Signal(object, bool)  # errand, print the receipt
    resident_results_did_load = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, kind: str | None = None,
                 resident_id: str | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.only_kind = kind
        self.resident: dict[str, Any] | None = None
        self.item: dict[str, Any] | None = None
        self.catalog: list[dict[str, Any]] = []
        self.search_delay_ms = 150
        self._print_after = True
        self.setWindowTitle(self.tr("新建代办事项"))
        self.resize(1040, 640)

        # --- the resident (left) ---
        self.resident_search = QLineEdit(self)
        self.resident_search.setObjectName("residentSearch")
        self.resident_search.setPlaceholderText(self.tr("姓名、拼音首字母、身份证后4位或手机号"))
        self.resident_search.setClearButtonEnabled(True)
        self.new_resident_button = QPushButton(self.tr("新村民"), self)
        self.new_resident_button.setCheckable(True)
        self.new_resident_button.setToolTip(self.tr("这位村民还没登记过：现在登记"))
        self.resident_list = QListWidget(self)
        self.resident_list.setObjectName("residentResults")
        self.chosen = QLabel(self)
        self.chosen.setWordWrap(True)
        self.form = ResidentForm(ctx.settings.groups, self)
        self.resident_pages = QStackedWidget(self)
        pick = QWidget(self)
        pick_layout = QVBoxLayout(pick)
        pick_layout.setContentsMargins(0, 0, 0, 0)
        pick_layout.addWidget(self.resident_list, 1)
        new_page = QWidget(self)
        new_layout = QVBoxLayout(new_page)
        new_layout.setContentsMargins(0, 0, 0, 0)
        new_layout.addWidget(QLabel(self.tr("登记新村民（身份证号输入时自动核对）："), self))
        new_layout.addWidget(self.form)
        new_layout.addStretch(1)
        self.resident_pages.addWidget(pick)
        self.resident_pages.addWidget(new_page)
        res_box = QGroupBox(self.tr("1. 办事村民"), self)
        res_layout = QVBoxLayout(res_box)
        row = QHBoxLayout()
        row.addWidget(self.resident_search, 1)
        row.addWidget(self.new_resident_button)
        res_layout.addLayout(row)
        res_layout.addWidget(self.resident_pages, 1)
        res_layout.addWidget(self.chosen)

        # --- the item (right) ---
        self.item_search = QLineEdit(self)
        self.item_search.setObjectName("itemSearch")
        self.item_search.setPlaceholderText(self.tr("搜索事项，如 残疾证、cjz、复合肥"))
        self.item_search.setClearButtonEnabled(True)
        self.item_tree = QTreeWidget(self)
        self.item_tree.setObjectName("itemTree")
        self.item_tree.setHeaderLabels([self.tr("服务事项"), self.tr("承诺时限")])
        self.item_tree.setColumnWidth(0, 250)
        self.item_tree.setMinimumHeight(150)
        item_box = QGroupBox(self.tr("2. 服务事项"), self)
        item_layout = QVBoxLayout(item_box)
        item_layout.addWidget(self.item_search)
        item_layout.addWidget(self.item_tree, 1)

        self.materials = QListWidget(self)
        self.materials.setObjectName("newMaterials")
        self.materials.setMaximumHeight(120)
        self.quantity = QDoubleSpinBox(self)
        self.quantity.setObjectName("quantity")
        self.quantity.setRange(0, 100000)
        self.quantity.setDecimals(1)
        self.unit = QLabel(self)
        self.amount = QLineEdit(self)
        self.amount.setObjectName("amount")
        self.amount.setPlaceholderText(self.tr("元，例如 12.50"))
        self.amount_message = FieldMessage(self)
        self.round = QComboBox(self)
        self.round.setEditable(True)
        self.round.setMinimumWidth(130)
        self.note = QLineEdit(self)
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("备注（可不填）"))
        self.submit_now = QCheckBox(self.tr("材料已齐，同时报送乡镇"), self)
        self.promise = QLabel(self)
        self.promise.setObjectName("promise")
        self.promise.setStyleSheet("font-size: 11pt;")
        self.money_label = QLabel(self)

        details = QGroupBox(self.tr("3. 材料与数量"), self)
        d_layout = QVBoxLayout(details)
        d_layout.addWidget(self.materials)
        self.qty_row = QWidget(self)
        q = QHBoxLayout(self.qty_row)
        q.setContentsMargins(0, 0, 0, 0)
        q.addWidget(QLabel(self.tr("数量："), self))
        q.addWidget(self.quantity)
        q.addWidget(self.unit)
        q.addSpacing(12)
        q.addWidget(QLabel(self.tr("订购批次："), self))
        q.addWidget(self.round)
        q.addStretch(1)
        self.amount_row = QWidget(self)
        a = QHBoxLayout(self.amount_row)
        a.setContentsMargins(0, 0, 0, 0)
        a.addWidget(QLabel(self.tr("金额（元）："), self))
        a.addWidget(self.amount)
        a.addWidget(self.amount_message, 1)
        d_layout.addWidget(self.qty_row)
        d_layout.addWidget(self.amount_row)
        d_layout.addWidget(self.money_label)
        d_layout.addWidget(self.note)
        d_layout.addWidget(self.submit_now)

        right = QVBoxLayout()
        right.addWidget(item_box, 3)
        right.addWidget(details, 2)
        right.addWidget(self.promise)

        self.message = FieldMessage(self)
        self.save_button = QPushButton(self.tr("保存并打印回执"), self)
        self.save_button.setObjectName("saveAndPrint")
        self.save_button.setDefault(True)
        self.save_only = QPushButton(self.tr("只保存"), self)
        cancel = QPushButton(self.tr("取消"), self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(cancel)
        bottom.addWidget(self.save_only)
        bottom.addWidget(self.save_button)

        columns = QHBoxLayout()
        columns.addWidget(res_box, 5)
        columns.addLayout(right, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.search_residents)
        self.resident_search.textChanged.connect(self._on_resident_search_did_change)
        self.resident_list.currentItemChanged.connect(self._on_resident_picked)
        self.new_resident_button.toggled.connect(self._on_new_resident_toggled)
        self.form.id_number.textChanged.connect(self._on_new_id_did_change)
        self.item_search.textChanged.connect(self._fill_items)
        self.item_tree.currentItemChanged.connect(self._on_item_picked)
        self.quantity.valueChanged.connect(self._update_money)
        self.amount.textChanged.connect(self._update_money)
        self.save_button.clicked.connect(lambda: self.save(print_receipt=True))
        self.save_only.clicked.connect(lambda: self.save(print_receipt=False))
        cancel.clicked.connect(self.reject)
        self._show_item_fields()
        self._update_chosen()
        ctx.tasks.read(load_choices, self._on_choices)
        if resident_id:
            ctx.tasks.read(lambda db: queries.get_resident(db, resident_id), self._set_resident)
        self.resident_search.setFocus()

    # --- residents -----------------------------------------------------------------------
    def _on_resident_search_did_change(self, _text: str) -> None:
        if self.new_resident_button.isChecked():
            self.new_resident_button.setChecked(False)
        if self.search_delay_ms <= 0:
            self.search_residents()
        else:
            self._timer.start(self.search_delay_ms)

    def search_residents(self) -> None:
        text = self.resident_search.text().strip()
        if not text:
            self.resident_list.clear()
            return
        self.ctx.tasks.read(lambda db: queries.list_residents(db, text, limit=30),
                            lambda rows: self._show_residents(text, rows))

    def _show_residents(self, text: str, rows: list[dict[str, Any]]) -> None:
        if text != self.resident_search.text().strip():
            return  # an older answer
        self.resident_list.blockSignals(True)
        self.resident_list.clear()
        for r in rows:
            item = QListWidgetItem(f"{r['name']}    {mask_id_number(r['id_number'])}    {r['grp']}")
            item.setData(ResidentRole, r)
            self.resident_list.addItem(item)
        if not rows:
            item = QListWidgetItem(self.tr("没有找到。是新村民？点右上角“新村民”登记。"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.resident_list.addItem(item)
        self.resident_list.blockSignals(False)
        if rows:
            self.resident_list.setCurrentRow(0)
        self.resident_results_did_load.emit()

    def _on_resident_picked(self, current: QListWidgetItem | None, _prev: Any = None) -> None:
        if current is not None and current.data(ResidentRole):
            self._set_resident(current.data(ResidentRole))

    def _set_resident(self, resident: dict[str, Any] | None) -> None:
        self.resident = resident
        if resident is not None and self.new_resident_button.isChecked():
            self.new_resident_button.blockSignals(True)
            self.new_resident_button.setChecked(False)
            self.new_resident_button.blockSignals(False)
            self.resident_pages.setCurrentIndex(0)
        self._update_chosen()

    def _on_new_resident_toggled(self, on: bool) -> None:
        self.resident_pages.setCurrentIndex(1 if on else 0)
        if on:
            self.resident = None
            name = self.resident_search.text().strip()
            if name and not name.isascii() and not self.form.name.text():
                self.form.name.setText(name)
            (self.form.id_number if self.form.name.text() else self.form.name).setFocus()
        self._update_chosen()

    def _on_new_id_did_change(self, text: str) -> None:
        number = normalize_id_number(text)
        if len(number) != 18 or not self.form.is_valid() and self.form.messages["id_number"].state == "error":
            return
        self.ctx.tasks.read(lambda db: queries.resident_by_id_number(db, number),
                            lambda r: self._on_existing(number, r))

    def _on_existing(self, number: str, resident: dict[str, Any] | None) -> None:
        if resident is None or normalize_id_number(self.form.id_number.text()) != number:
            return
        self._set_resident(resident)
        self.message.ok(self.tr("这个身份证号已登记为“%1”，已直接选用，不用重复登记。").replace("%1", resident["name"]))

    def _update_chosen(self) -> None:
        if self.new_resident_button.isChecked():
            self.chosen.setText(self.tr("将登记为新村民"))
            self.chosen.setStyleSheet("color: #1f6feb;")
        elif self.resident:
            r = self.resident
            self.chosen.setText(self.tr("已选：") + f"<b>{r['name']}</b>  {mask_id_number(r['id_number'])}  {r.get('grp', '')}")
            self.chosen.setStyleSheet("")
        else:
            self.chosen.setText(self.tr("请先找到办事的村民，或登记新村民。"))
            self.chosen.setStyleSheet("color: #666;")

    # --- items ---------------------------------------------------------------------------
    def _on_choices(self, choices: dict[str, Any]) -> None:
        self.catalog = [c for c in choices["catalog"] if not self.only_kind or c["kind"] == self.only_kind]
        for c in self.catalog:
            c["_initials"] = pinyin_initials(c["name"])
        self.round.clear()
        rounds = list(choices["rounds"])
        default = default_round(clock.today())
        if default not in rounds:
            rounds.insert(0, default)
        self.round.addItems(rounds)
        self.round.setCurrentText(default)
        self._fill_items()

    def _fill_items(self, *_: Any) -> None:
        text = self.item_search.text().strip().lower()
        self.item_tree.clear()
        first: QTreeWidgetItem | None = None
        for kind in KINDS:
            items = [c for c in self.catalog if c["kind"] == kind and (
                not text or text in c["name"].lower() or c["_initials"].startswith(text) or text in c["code"].lower())]
            if not items:
                continue
            parent = QTreeWidgetItem([i18n.kind_label(kind), ""])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            self.item_tree.addTopLevelItem(parent)
            for c in items:
                days = self.tr("%n个工作日", "", int(c["promised_days"]))
                child = QTreeWidgetItem([c["name"], days])
                child.setData(0, ItemRole, c)
                parent.addChild(child)
                first = first or child
            parent.setExpanded(True)
        if text and first is not None:
            self.item_tree.setCurrentItem(first)

    def choose_item(self, code: str) -> bool:
        """Select the catalog item ``code`` (tests, presets)."""
        for i in range(self.item_tree.topLevelItemCount()):
            parent = self.item_tree.topLevelItem(i)
            if parent is None:
                continue
            for j in range(parent.childCount()):
                child = parent.child(j)
                if child is not None and child.data(0, ItemRole)["code"] == code:
                    self.item_tree.setCurrentItem(child)
                    return True
        return False

    def _on_item_picked(self, current: QTreeWidgetItem | None, _prev: Any = None) -> None:
        data = current.data(0, ItemRole) if current is not None else None
        if not data:
            return
        self.item = data
        self.materials.clear()
        for m in data.get("materials", []):
            entry = QListWidgetItem(m)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.materials.addItem(entry)
        if data["kind"] == "subsidy":
            self.amount.setText(format_fen(int(data.get("unit_price_fen") or 0)))
        else:
            self.amount.clear()
        if data["kind"] == "farm_supply" and self.quantity.value() == 0:
            self.quantity.setValue(1)
        self.unit.setText(data.get("unit") or "")
        self._show_item_fields()
        self._update_money()
        item = parse_item({k: v for k, v in data.items() if not k.startswith("_")})
        when = promised_date(item, clock.today())
        label = self.tr("承诺办结日期") if data["kind"] == "certificate" else self.tr("预计完成日期")
        text = f"{label}：<b>{when.isoformat()}</b>（" + self.tr("%n个工作日", "", int(item.promised_days))
        if item.kind == "certificate" and item.legal_days:
            text += self.tr("，法定%n个工作日", "", int(item.legal_days))
        self.promise.setText(text + "）")

    def _show_item_fields(self) -> None:
        kind = self.item["kind"] if self.item else None
        self.qty_row.setVisible(kind == "farm_supply")
        self.amount_row.setVisible(kind == "subsidy")
        self.submit_now.setVisible(kind == "certificate")
        self.money_label.setVisible(kind in ("farm_supply", "certificate"))
        if not self.item:
            self.promise.setText(self.tr("选好事项后，这里显示承诺办结日期。"))

    def _update_money(self, *_: Any) -> None:
        if not self.item:
            return
        if self.item["kind"] == "farm_supply":
            fen = int(round(self.quantity.value() * int(self.item.get("unit_price_fen") or 0)))
            self.money_label.setText(self.tr("应付金额：%1 元（单价 %2 元/%3）").replace("%1", format_fen(fen))
                                     .replace("%2", format_fen(int(self.item.get("unit_price_fen") or 0)))
                                     .replace("%3", self.item.get("unit") or ""))
        elif self.item["kind"] == "certificate":
            fee = int(self.item.get("fee_fen") or 0)
            self.money_label.setText(self.tr("收费：%1 元").replace("%1", format_fen(fee)) if fee else self.tr("免费办理"))
        elif self.item["kind"] == "subsidy":
            text = self.amount.text().strip()
            if not text:
                self.amount_message.clear_message()
                return
            try:
                parse_yuan(text)
                self.amount_message.clear_message()
            except ValidationError as exc:
                self.amount_message.error(exc.message(i18n.current_language()))

    # --- saving --------------------------------------------------------------------------
    def save(self, print_receipt: bool = True) -> None:
        self.message.clear_message()
        new = self.new_resident_button.isChecked()
        if new and not self.form.check():
            self.message.error(self.tr("村民信息有误，请按红字提示改正。"))
            return
        if not new and self.resident is None:
            self.message.error(self.tr("请先选择办事村民，或点“新村民”登记。"))
            return
        if self.item is None:
            self.message.error(self.tr("请选择服务事项。"))
            return
        kind = self.item["kind"]
        quantity = self.quantity.value() if kind == "farm_supply" else None
        amount_fen = None
        if kind == "subsidy":
            try:
                amount_fen = parse_yuan(self.amount.text())
            except ValidationError as exc:
                self.amount_message.error(exc.message(i18n.current_language()))
                return
        received = [self.materials.item(i).text() for i in range(self.materials.count())
                    if self.materials.item(i).checkState() == Qt.CheckState.Checked]
        resident_values = self.form.values() if new else None
        resident_id = self.resident["id"] if self.resident else None
        item_code = self.item["code"]
        note = self.note.text()
        round_name = self.round.currentText() if kind == "farm_supply" else ""
        submit = kind == "certificate" and self.submit_now.isChecked()

        def job(db: Any) -> tuple[dict[str, Any], Changes]:
            changes = Changes()
            rid = resident_id
            created = None
            if resident_values is not None:
                created, ch = resident_service.register_resident(db, **resident_values)
                changes.merge(ch)
                rid = created["id"]
            if rid is None:
                raise VillageError("resident_unknown")
            try:
                errand, ch2 = errand_service.register_errand(
                    db, resident_id=rid, item_code=item_code, quantity=quantity, amount_fen=amount_fen,
                    materials_received=received, note=note, round_name=round_name, submit=submit)
            except VillageError as exc:
                exc.created_resident = created  # type: ignore[attr-defined]
                exc.changes = changes  # type: ignore[attr-defined]
                raise
            return errand, changes.merge(ch2)

        self._print_after = print_receipt
        self.save_button.setEnabled(False)
        self.save_only.setEnabled(False)
        self.ctx.tasks.write(job, self._on_saved, self._on_save_error)

    def _on_saved(self, errand: dict[str, Any]) -> None:
        self.saved_errand = errand
        self.accept()
        self.errand_was_saved.emit(errand, self._print_after)

    def _on_save_error(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.save_only.setEnabled(True)
        created = getattr(exc, "created_resident", None)
        if created is not None:
            # The resident was registered before the errand failed: keep them, don't register twice.
            self.ctx.data_did_change.emit(getattr(exc, "changes", Changes()))
            self._set_resident(created)
        if isinstance(exc, ValidationError) and self.new_resident_button.isChecked() and self.form.show_error(exc):
            self.message.error(self.tr("村民信息有误，请按红字提示改正。"))
            return
        if isinstance(exc, ValidationError) and exc.field in ("amount",):
            self.amount_message.error(exc.message(i18n.current_language()))
            return
        self.message.error(i18n.error_text(exc))

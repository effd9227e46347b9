"""One errand: every field, its timeline, and only the steps the village may take now.

- The step buttons come from the workflow (``services.errands.next_steps``), so an illegal
  step is never offered; the service checks again when it runs.
- Steps that need a reason ask for it; handing a certificate back asks for confirmation and
  who signed for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from sync.hlc import Timestamp
from sync.workflow import WORKFLOWS
from villageagent.domain.identity import mask_id_number, mask_phone
from villageagent.domain.money import format_fen
from villageagent.services import clock
from villageagent.services import errands as errand_service
from villageagent.storage import queries
from villageagent.ui import i18n
from villageagent.ui.context import AppContext
from villageagent.ui.models.errands import days_left_text, urgency
from villageagent.ui.widgets.common import FieldMessage


def load_detail(db: Any, errand_id: str) -> dict[str, Any]:
    """The errand, its timeline and the village's legal next steps (read lane)."""
    errand = queries.get_errand(db, errand_id)
    if errand is None:
        from villageagent.domain.errors import VillageError

        raise VillageError("errand_unknown", number=errand_id)
    return {"errand": errand, "timeline": queries.timeline(db, errand_id),
            "steps": errand_service.next_steps(db, errand_id)}


def needs_reason(kind: str, current: str, target: str) -> bool:
    step = WORKFLOWS[kind].step(current, target)
    return bool(step and step.needs_reason)


class ReasonDialog(QDialog):
    """Asks why (a cancellation, a problem with a payout)."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(self.tr("请写明原因，例如：群众不再办理、银行卡号与名册不符"))
        self.message = FieldMessage(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("原因："), self))
        layout.addWidget(self.text)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(420, 220)

    def reason(self) -> str:
        return self.text.toPlainText().strip()

    def _on_ok(self) -> None:
        if not self.reason():
            self.message.error(self.tr("请先写明原因。"))
            return
        self.accept()


class HandBackDialog(QDialog):
    """Confirms handing the finished certificate back, and who signed for it."""

    def __init__(self, errand: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("确认交付"))
        text = self.tr("确认把“%1”的办理结果交付给群众？交付后不能撤回。") \
            .replace("%1", errand["item_name"])
        label = QLabel(text, self)
        label.setWordWrap(True)
        self.signed_by = QLineEdit(errand.get("resident_name") or "", self)
        self.signed_by.setObjectName("signedBy")
        form = QFormLayout()
        form.addRow(self.tr("签收人："), self.signed_by)
        hint = QLabel(self.tr("本人领取写本人姓名；代领的写代领人姓名和关系，例如：王强（儿子）。"), self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        buttons = QDialogButtonBox(self)
        self.confirm = buttons.addButton(self.tr("确认交付"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(440, 200)


def _when(hlc: str) -> str:
    try:
        wall = Timestamp.decode(hlc).wall_ms
    except Exception:  # noqa: BLE001 - a malformed stamp from elsewhere still shows the event
        return ""
    return dt.datetime.fromtimestamp(wall / 1000).strftime("%Y-%m-%d %H:%M")


def timeline_text(kind: str, event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    op = event["op"]
    if op == "create":
        text = Q.translate("timeline", "登记事项")
    elif op == "status":
        text = Q.translate("timeline", "状态改为“%1”").replace("%1", i18n.status_for(kind, data.get("to", "")))
        if data.get("reason"):
            text += Q.translate("timeline", "，原因：") + data["reason"]
        if data.get("signed_by"):
            text += Q.translate("timeline", "，签收人：") + data["signed_by"]
        if data.get("paid_fen") is not None and kind != "certificate":
            text += Q.translate("timeline", "，金额 %1 元").replace("%1", format_fen(int(data["paid_fen"])))
    elif op == "note":
        text = Q.translate("timeline", "备注：") + str(data.get("text", ""))
    elif op == "update":
        text = Q.translate("timeline", "修改了登记内容")
        if "materials" in data:
            got = [m["name"] for m in data["materials"] if m.get("received")]
            text = Q.translate("timeline", "更新已收材料：") + ("、".join(got) or Q.translate("timeline", "无"))
    else:
        text = op
    if not event.get("applied", 1):
        text += Q.translate("timeline", "（未生效：与当时的状态不符）")
    return text


class ErrandDetailDialog(QDialog):
    receipt_was_requested = Signal(str)
    detail_did_load = Signal()
    step_did_finish = Signal(str)

    def __init__(self, ctx: AppContext, errand_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.errand_id = errand_id
        self.errand: dict[str, Any] | None = None
        self.steps: list[str] = []
        self.pending: QDialog | None = None
        self.step_buttons: dict[str, QPushButton] = {}
        self.setWindowTitle(self.tr("事项详情"))
        self.resize(980, 620)

        self.title = QLabel(self)
        self.title.setObjectName("detailTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = QLabel(self)
        self.banner.setObjectName("reasonBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fdecea; color: #8a1c12; border: 1px solid #f1b0aa; padding: 8px;")
        self.banner.hide()

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("resident", self.tr("村民")), ("id", self.tr("身份证号")), ("phone", self.tr("手机号")),
                           ("group", self.tr("村民小组")), ("kind", self.tr("类型")), ("tier", self.tr("办理层级")),
                           ("created", self.tr("登记日期")), ("promised", self.tr("承诺日期")),
                           ("done", self.tr("办结日期")), ("money", self.tr("数量/金额")),
                           ("signed", self.tr("签收人")), ("note", self.tr("备注"))):
            value = QLabel(self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.fields[key] = value
            self.form.addRow(label + "：", value)
        self.materials = QListWidget(self)
        self.materials.setObjectName("materials")
        self.materials.setMaximumHeight(130)
        self.save_materials = QPushButton(self.tr("保存材料勾选"), self)
        self.save_materials.setEnabled(False)
        self.materials.itemChanged.connect(lambda _i: self.save_materials.setEnabled(True))
        self.save_materials.clicked.connect(self._on_save_materials)
        self.mat_box = mat_box = QGroupBox(self.tr("材料清单"), self)
        mat_layout = QVBoxLayout(mat_box)
        mat_layout.addWidget(self.materials)
        mat_layout.addWidget(self.save_materials, 0, Qt.AlignmentFlag.AlignRight)
        left = QVBoxLayout()
        left.addLayout(self.form)
        left.addWidget(mat_box)
        left.addStretch(1)

        self.timeline = QListWidget(self)
        self.timeline.setObjectName("timeline")
        self.timeline.setWordWrap(True)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setSpacing(2)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("写一条备注，回车保存"))
        self.note.returnPressed.connect(self._on_add_note)
        tl_box = QGroupBox(self.tr("办理过程"), self)
        tl_layout = QVBoxLayout(tl_box)
        tl_layout.addWidget(self.timeline, 1)
        tl_layout.addWidget(self.note)

        middle = QHBoxLayout()
        left_w = QWidget(self)
        left_w.setLayout(left)
        middle.addWidget(left_w, 5)
        middle.addWidget(tl_box, 6)

        self.step_bar = QHBoxLayout()
        self.step_label = QLabel(self.tr("下一步："), self)
        self.message = FieldMessage(self)
        self.receipt_button = QPushButton(self.tr("打印回执"), self)
        self.receipt_button.clicked.connect(lambda: self.receipt_was_requested.emit(self.errand_id))
        close = QPushButton(self.tr("关闭"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.step_label)
        bottom.addLayout(self.step_bar)
        bottom.addStretch(1)
        bottom.addWidget(self.receipt_button)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addLayout(middle, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        ctx.data_did_change.connect(self._on_data_did_change)
        self.reload()

    # --- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        errand_id = self.errand_id
        self.ctx.tasks.read(lambda db: load_detail(db, errand_id), self._on_loaded, self._on_error)

    def _on_data_did_change(self, changes: Any) -> None:
        if self.errand_id in changes.entities.get("errand", set()):
            self.reload()

    def _on_error(self, exc: BaseException) -> None:
        self.message.error(i18n.error_text(exc))

    def _on_loaded(self, detail: dict[str, Any]) -> None:
        e = self.errand = detail["errand"]
        self.steps = detail["steps"]
        kind = e["kind"]
        today = clock.today()
        state, left = urgency(e, today)
        status = i18n.status_for(kind, e["status"])
        color = {"overdue": "#b3261e", "soon": "#9a6700"}.get(state, "#1f6feb")
        badge = {"returned": "#b3261e", "problem": "#b3261e", "cancelled": "#777777"}.get(e["status"], color)
        if e["closed"] and e["status"] != "cancelled":
            badge = "#2e7d32"
        self.title.setText(f"<span style='font-size:15pt'><b>{e['item_name']}</b></span>&nbsp;&nbsp;"
                           f"<span style='color:#555'>{e['number']}</span>&nbsp;&nbsp;"
                           f"<span style='background:{badge};color:white'>&nbsp;{status}&nbsp;</span>")
        if e.get("reason") and e["status"] in ("returned", "problem", "cancelled"):
            prefix = {"returned": self.tr("乡镇退回原因："), "problem": self.tr("疑问："),
                      "cancelled": self.tr("撤销原因：")}[e["status"]]
            self.banner.setText(prefix + e["reason"])
            self.banner.show()
        else:
            self.banner.hide()
        f = self.fields
        f["resident"].setText(e.get("resident_name") or "")
        f["id"].setText(mask_id_number(e.get("resident_id_number") or ""))
        f["phone"].setText(mask_phone(e.get("resident_phone") or "") or "—")
        f["group"].setText(e.get("resident_group") or "—")
        f["kind"].setText(i18n.kind_label(kind))
        f["tier"].setText(i18n.tier_label(e.get("tier") or "township") if kind == "certificate" else "—")
        f["created"].setText(e.get("created_date") or "")
        promised = e["promised_date"]
        if state in ("overdue", "soon"):
            promised += f"  <b style='color:{color}'>{days_left_text(state, left)}</b>"
        elif left is not None:
            promised += "  " + days_left_text(state, left)
        f["promised"].setText(promised)
        f["done"].setText(e.get("done_date") or "—")
        money = []
        if e.get("quantity") is not None:
            money.append(f"{e['quantity']:g} {e.get('unit') or ''}")
        if e.get("amount_fen"):
            money.append(self.tr("%1 元").replace("%1", format_fen(int(e["amount_fen"]))))
        if e.get("paid_fen"):
            money.append(self.tr("已收/已付 %1 元").replace("%1", format_fen(int(e["paid_fen"]))))
        f["money"].setText("，".join(money) or "—")
        f["signed"].setText(e.get("signed_by") or "—")
        f["note"].setText(e.get("note") or "—")
        self.materials.blockSignals(True)
        self.materials.clear()
        for m in e.get("materials") or []:
            item = QListWidgetItem(m["name"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if m.get("received") else Qt.CheckState.Unchecked)
            self.materials.addItem(item)
        self.materials.blockSignals(False)
        self.save_materials.setEnabled(False)
        self.mat_box.setVisible(bool(e.get("materials")))
        self.timeline.clear()
        for ev in detail["timeline"]:
            who = ev.get("actor") or ""
            side = self.tr("乡镇") if str(ev.get("origin", "")).startswith("township") else self.tr("村")
            item = QListWidgetItem(f"{_when(ev['hlc'])}  [{side}] {who}\n{timeline_text(kind, ev)}")
            if not ev.get("applied", 1):
                item.setForeground(Qt.GlobalColor.gray)
            self.timeline.addItem(item)
        self.timeline.scrollToBottom()
        self._build_step_buttons()
        self.detail_did_load.emit()

    def _build_step_buttons(self) -> None:
        while self.step_bar.count():
            taken = self.step_bar.takeAt(0)
            w = taken.widget() if taken is not None else None
            if w is not None:
                w.deleteLater()
        self.step_buttons.clear()
        assert self.errand is not None
        kind = self.errand["kind"]
        for target in self.steps:
            button = QPushButton(i18n.step_label(kind, target), self)
            button.setObjectName(f"step_{target}")
            button.setAutoDefault(False)
            if target in ("cancelled", "problem"):
                button.setStyleSheet("color: #8a1c12;")
            else:
                button.setStyleSheet("font-weight: bold;")
            button.clicked.connect(lambda _=False, t=target: self.request_step(t))
            self.step_bar.addWidget(button)
            self.step_buttons[target] = button
        if not self.steps:
            waiting = QLabel(self._waiting_text(), self)
            waiting.setStyleSheet("color: #555;")
            self.step_bar.addWidget(waiting)

    def _waiting_text(self) -> str:
        assert self.errand is not None
        if self.errand["closed"]:
            return self.tr("已结束，无需再办理。")
        return self.tr("等待乡镇办理（乡镇的处理结果会通过同步回来）。")

    # --- steps ---------------------------------------------------------------------------
    def request_step(self, target: str) -> None:
        """Ask what the step needs (reason, confirmation), then take it."""
        assert self.errand is not None
        kind, current = self.errand["kind"], self.errand["status"]
        if kind == "certificate" and target == "delivered":
            dialog = HandBackDialog(self.errand, self)
            dialog.accepted.connect(lambda: self.take_step(target, signed_by=dialog.signed_by.text()))
            self.pending = dialog
            dialog.open()
            return
        if needs_reason(kind, current, target):
            dialog2 = ReasonDialog(i18n.step_label(kind, target), self)
            dialog2.accepted.connect(lambda: self.take_step(target, reason=dialog2.reason()))
            self.pending = dialog2
            dialog2.open()
            return
        self.take_step(target)

    def take_step(self, target: str, reason: str = "", signed_by: str = "") -> None:
        errand_id = self.errand_id
        self.message.clear_message()
        for b in self.step_buttons.values():
            b.setEnabled(False)
        self.ctx.tasks.write(
            lambda db: errand_service.advance_status(db, errand_id, target, reason=reason, signed_by=signed_by),
            lambda _e: self.step_did_finish.emit(target), self._on_step_error)

    def _on_step_error(self, exc: BaseException) -> None:
        for b in self.step_buttons.values():
            b.setEnabled(True)
        self.message.error(i18n.error_text(exc))

    def _on_add_note(self) -> None:
        text = self.note.text().strip()
        if not text:
            return
        errand_id = self.errand_id
        self.ctx.tasks.write(lambda db: errand_service.add_note(db, errand_id, text),
                             lambda _e: self.note.clear(), self._on_error)

    def _on_save_materials(self) -> None:
        names = [self.materials.item(i).text() for i in range(self.materials.count())
                 if self.materials.item(i).checkState() == Qt.CheckState.Checked]
        errand_id = self.errand_id
        self.ctx.tasks.write(lambda db: errand_service.update_errand(db, errand_id, materials_received=names),
                             None, self._on_error)

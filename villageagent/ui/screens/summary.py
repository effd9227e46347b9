"""The monthly summary table (汇总表): the month's figures by kind, a chart, print and .xlsx export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from villageagent.domain.money import format_fen
from villageagent.services.reports import MonthlySummary, monthly_summary
from villageagent.storage.events import Changes
from villageagent.ui import i18n, printing
from villageagent.ui.context import AppContext
from villageagent.ui.printing import escape
from villageagent.ui.widgets.common import FieldMessage, month_combo
from villageagent.ui.widgets.status_chart import StatusChart


class SummaryScreen(QWidget):
    summary_did_load = Signal()
    export_did_finish = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.summary: MonthlySummary | None = None
        self.month = month_combo(self, with_all=False)
        self.print_button = QPushButton(self.tr("打印"), self)
        self.export_button = QPushButton(self.tr("导出Excel…"), self)
        self.message = FieldMessage(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("月份："), self))
        top.addWidget(self.month)
        top.addWidget(self.message, 1)
        top.addWidget(self.print_button)
        top.addWidget(self.export_button)
        self.title = QLabel(self)
        self.title.setObjectName("summaryTitle")
        self.table = QTableWidget(self)
        self.table.setObjectName("summaryTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setColumnCount(7)
        self.table.setHorizontalHeaderLabels([self.tr("类型"), self.tr("受理"), self.tr("按时办结"), self.tr("超时办结"),
                                              self.tr("超期未办"), self.tr("按时办结率"), self.tr("金额(元)")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setFixedHeight(30 + 28 * 4 + 4)
        self.chart = StatusChart(self)
        self.extra = QLabel(self)
        self.extra.setObjectName("summaryExtra")
        self.extra.setWordWrap(True)
        self.extra.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        layout.addWidget(QLabel(self.tr("各类事项的办理状态（件）："), self))
        self.chart.setMinimumHeight(200)
        self.chart.setMaximumHeight(240)
        layout.addWidget(self.chart)
        layout.addWidget(self.extra)
        layout.addStretch(1)
        self.month.currentIndexChanged.connect(lambda _i: self.reload())
        self.print_button.clicked.connect(self.print_summary)
        self.export_button.clicked.connect(self._ask_export)
        ctx.data_did_change.connect(self._on_data_did_change)
        self.reload()

    def set_month(self, month: str) -> None:
        index = self.month.findData(month)
        if index < 0:
            self.month.addItem(month, month)
            index = self.month.count() - 1
        self.month.setCurrentIndex(index)

    def reload(self) -> None:
        month = self.month.currentData()
        self.ctx.tasks.read(lambda db: monthly_summary(db, month), self._on_loaded,
                            lambda exc: self.message.error(i18n.error_text(exc)))

    def _on_loaded(self, s: MonthlySummary) -> None:
        self.summary = s
        place = self.ctx.settings.township_name + self.ctx.settings.village_name
        heading, as_of = self.tr("月度汇总表"), self.tr("超期统计截至 %1").replace("%1", s.as_of.isoformat())
        self.title.setText(f"<b style='font-size:13pt'>{escape(place)} {s.month} {escape(heading)}</b>"
                           f"&nbsp;&nbsp;<span style='color:#555'>{escape(as_of)}</span>")
        rows = self.table_rows(s)
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r == len(rows) - 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if c == 4 and value not in ("0", ""):
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(r, c, item)
        self.chart.set_data({k: dict(v.by_status) for k, v in s.kinds.items()})
        self.extra.setText(self.extra_html(s))
        self.summary_did_load.emit()

    def table_rows(self, s: MonthlySummary) -> list[list[str]]:
        def rate(on_time: int, done: int) -> str:
            return f"{on_time * 100 / done:.1f}%" if done else "—"

        rows = [[i18n.kind_label(kind), str(k.received), str(k.completed_on_time), str(k.completed_late),
                 str(k.overdue_now), rate(k.completed_on_time, k.completed), format_fen(k.amount_fen)]
                for kind, k in s.kinds.items()]
        done = s.completed_on_time + s.completed_late
        rows.append([self.tr("合计"), str(s.received), str(s.completed_on_time), str(s.completed_late),
                     str(s.overdue_now), rate(s.completed_on_time, done),
                     format_fen(sum(k.amount_fen for k in s.kinds.values()))])
        return rows

    def extra_html(self, s: MonthlySummary) -> str:
        yuan = self.tr("元")
        # The list separators too: "；" and "，" in Chinese, "; " and ", " in English.
        semicolon, comma = self.tr("；"), self.tr("，")
        parts = []
        for line in s.supplies:
            households = self.tr("%n户", "", int(line["households"]))
            parts.append(f"{escape(line['item_name'])} {escape(households)} "
                         f"{line['quantity']:g}{escape(line['unit'])} {format_fen(line['amount_fen'])}{escape(yuan)}")
        supplies = escape(semicolon).join(parts) or self.tr("无")
        logs = escape(comma).join(f"{escape(i18n.log_type_label(t))} {n}" for t, n in sorted(s.logs.items())) \
            or self.tr("无")
        paid = self.tr("%n 笔，共 %1 元", "", s.subsidies_paid_count).replace("%1", format_fen(s.subsidies_paid_fen))
        labels = (self.tr("农资代购："), self.tr("补贴发放："), self.tr("其他工作："))
        return (f"<b>{escape(labels[0])}</b>{supplies}<br><b>{escape(labels[1])}</b>{escape(paid)}<br>"
                f"<b>{escape(labels[2])}</b>{logs}")

    def _header_text(self, column: int) -> str:
        item = self.table.horizontalHeaderItem(column)
        return item.text() if item is not None else ""

    def print_html(self) -> str:
        assert self.summary is not None
        s = self.summary
        head = "".join(f"<th>{escape(self._header_text(c))}</th>" for c in range(7))
        body = "".join("<tr>" + "".join(f"<td{' class=num' if c else ''}>{escape(v)}</td>" for c, v in enumerate(row))
                       + "</tr>" for row in self.table_rows(s))
        place = self.ctx.settings.township_name + self.ctx.settings.village_name
        heading, as_of = self.tr("月度汇总表"), self.tr("超期统计截至 %1").replace("%1", s.as_of.isoformat())
        chart_title, filled_by = self.tr("各类事项的办理状态（件）"), self.tr("填报人：")
        return (f"<html><body><h1>{escape(place)} {s.month} {escape(heading)}</h1>"
                f"<p class='sub'>{escape(as_of)}</p>"
                f"<table class='grid' width='100%' cellspacing='0'><tr>{head}</tr>{body}</table>"
                f"<h2>{escape(chart_title)}</h2><img src='chart.png' width='640'>"
                f"<p>{self.extra_html(s)}</p>"
                f"<p class='foot'>{escape(filled_by)}{escape(self.ctx.settings.cadre_name)}</p></body></html>")

    def print_summary(self) -> None:
        if self.summary is None:
            return
        printing.preview(self, self.print_html(), page="A4", images={"chart.png": self.chart.render_image()},
                         title=self.tr("月度汇总表"))

    def save_pdf(self, path: str | Path) -> None:
        """The printed summary as a PDF (print lane)."""
        html, image = self.print_html(), self.chart.render_image()
        self.ctx.tasks.background(lambda: printing.render_pdf(html, path, page="A4", images={"chart.png": image}),
                                  lambda p: self.export_did_finish.emit(str(p)),
                                  lambda exc: self.message.error(i18n.error_text(exc)))

    def _ask_export(self) -> None:
        if self.summary is None:
            return
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        name = self.tr("月度汇总表") + f"-{self.summary.month}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出Excel"), str(Path(docs) / name),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_xlsx(path)

    def export_xlsx(self, path: str | Path) -> None:
        from villageagent.services.exports import summary_to_xlsx

        s = self.summary
        assert s is not None
        village = self.ctx.settings.township_name + self.ctx.settings.village_name
        lang = i18n.current_language()
        self.ctx.tasks.background(lambda: summary_to_xlsx(s, path, village=village, lang=lang),
                                  self._on_exported, lambda exc: self.message.error(i18n.error_text(exc)))

    def _on_exported(self, path: Path) -> None:
        self.message.ok(self.tr("已导出：%1").replace("%1", str(path)))
        self.export_did_finish.emit(str(path))

    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("errand") or changes.touched("log"):
            self.reload()

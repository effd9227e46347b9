"""The receipt on screen, with print, print preview and save-as-PDF.

- Printing and PDF writing run on the print lane; the dialog stays responsive and says when
  the job is done (or what to do when it failed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget,
)

from villageagent.storage.settings import VillageSettings
from villageagent.ui import i18n, printing
from villageagent.ui.context import AppContext
from villageagent.ui.receipt import load_receipt, receipt_html


class ReceiptDialog(QDialog):
    pdf_was_saved = Signal(str)
    did_print = Signal(str)
    receipt_did_load = Signal()

    def __init__(self, ctx: AppContext, errand_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.errand_id = errand_id
        self.errand: dict[str, Any] | None = None
        self.html = ""
        self.setWindowTitle(self.tr("代办回执"))
        self.resize(640, 620)
        self.view = QTextBrowser(self)
        self.view.setObjectName("receiptView")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.print_button = QPushButton(self.tr("打印"), self)
        self.print_button.setDefault(True)
        self.preview_button = QPushButton(self.tr("打印预览"), self)
        self.pdf_button = QPushButton(self.tr("存为PDF…"), self)
        close = QPushButton(self.tr("关闭"), self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        for b in (self.preview_button, self.pdf_button, self.print_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.print_receipt)
        self.preview_button.clicked.connect(self.show_preview)
        self.pdf_button.clicked.connect(self._ask_pdf_path)
        close.clicked.connect(self.reject)
        self._set_busy(True)
        ctx.tasks.read(lambda db: load_receipt(db, errand_id), self._on_loaded, self._on_error)

    def _on_loaded(self, result: tuple[dict[str, Any], VillageSettings]) -> None:
        self.errand, self.settings = result
        self.html = receipt_html(self.errand, self.settings)
        doc = printing.build_document(self.html)
        self.view.setDocument(doc)
        self._doc = doc
        self._set_busy(False)
        self.receipt_did_load.emit()

    def _set_busy(self, busy: bool) -> None:
        for b in (self.print_button, self.preview_button, self.pdf_button):
            b.setEnabled(not busy)

    def _on_error(self, exc: BaseException) -> None:
        self._set_busy(self.errand is None)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.setText(i18n.error_text(exc))

    def _title(self) -> str:
        return self.tr("回执") + (f" {self.errand['number']}" if self.errand else "")

    def default_pdf_path(self) -> Path:
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        number = self.errand["number"] if self.errand else "receipt"
        return Path(docs) / (self.tr("回执") + f"-{number}.pdf")

    def _ask_pdf_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("存为PDF"), str(self.default_pdf_path()),
                                              self.tr("PDF 文件 (*.pdf)"))
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str | Path) -> None:
        html, title = self.html, self._title()
        self._set_busy(True)
        self.message.setStyleSheet("")
        self.message.setText(self.tr("正在保存…"))
        self.ctx.tasks.background(lambda: printing.render_pdf(html, path, page="A5", title=title),
                                  self._on_pdf_saved, self._on_error)

    def _on_pdf_saved(self, path: Path) -> None:
        self._set_busy(False)
        self.message.setStyleSheet("color: #1e7b34;")
        self.message.setText(self.tr("已保存：%1").replace("%1", str(path)))
        self.pdf_was_saved.emit(str(path))

    def print_receipt(self) -> None:
        name = self.ctx.settings.printer
        if not name:
            from PySide6.QtPrintSupport import QPrintDialog, QPrinter

            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            chooser = QPrintDialog(printer, self)
            if chooser.exec() != QDialog.DialogCode.Accepted:
                return
            name = printer.printerName()
        html, title = self.html, self._title()
        self._set_busy(True)
        self.message.setStyleSheet("")
        self.message.setText(self.tr("正在打印…"))
        self.ctx.tasks.background(lambda: printing.print_html(html, name, page="A5", title=title),
                                  self._on_printed, self._on_error)

    def _on_printed(self, printer_name: str) -> None:
        self._set_busy(False)
        self.message.setStyleSheet("color: #1e7b34;")
        self.message.setText(self.tr("已送到打印机：%1").replace("%1", printer_name))
        self.did_print.emit(printer_name)

    def show_preview(self) -> None:
        printing.preview(self, self.html, page="A5", title=self._title())

"""Printing documents (receipts, purchase lists, the monthly summary) to a printer or a PDF.

- Documents are HTML given to a QTextDocument; rendering runs on the task runner's ``print``
  lane, because a slow printer driver or a big table must not freeze the window (QPainter on
  QPrinter and QTextDocument layout are allowed outside the GUI thread).
- The print preview necessarily paints on the UI thread; it is what the cadre is looking at.
- Fonts: a Chinese family list that exists on Windows (YaHei, SimSun) and on Linux (WenQuanYi).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from villageagent.domain.errors import VillageError

class PrinterMissing(VillageError):
    """No printer is installed or the chosen one is gone: say what to do instead."""

    def message(self, lang: str | None = None) -> str:
        return Q.translate("printing", "找不到打印机。请检查打印机是否连好并打开，或在“设置”里重新选择打印机；"
                                       "也可以先点“存为PDF”保存回执。")


FONT_FAMILIES = ["Microsoft YaHei", "SimSun", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "sans-serif"]
CSS = """
body { font-family: 'Microsoft YaHei', 'SimSun', 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif; font-size: 10.5pt; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4px 0; }
h2 { font-size: 12pt; margin: 10px 0 4px 0; }
p.sub { text-align: center; color: #333; margin: 0 0 8px 0; }
table.grid { border-collapse: collapse; width: 100%; }
table.grid td, table.grid th { border: 1px solid #555; padding: 4px 6px; }
table.grid th { background: #eeeeee; text-align: left; }
td.label { width: 26%; background: #f4f4f4; }
td.num, th.num { text-align: right; }
p.foot { margin-top: 10px; }
"""


def build_document(html: str, images: dict[str, QImage] | None = None, width_pt: float | None = None) -> QTextDocument:
    doc = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(10.5)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(CSS)
    for name, image in (images or {}).items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(html)
    if width_pt:
        doc.setPageSize(QSizeF(width_pt, -1))
    return doc


def print_document(doc: QTextDocument, printer: QPrinter) -> None:
    """Lay the document out on the printer's page in points, so 10.5 pt text prints at 10.5 pt.

    - Without a page size QTextDocument lays out at screen resolution, adds its own 2 cm margin
      and a page number: the receipt's title wrapped and the text came out half again too big.
    """
    paint = printer.pageLayout().paintRect(QPageLayout.Unit.Point)
    doc.setPageSize(QSizeF(paint.width(), paint.height()))
    doc.print_(printer)


def _page_layout(printer: QPrinter, page: str, landscape: bool) -> None:
    size = {"A4": QPageSize.PageSizeId.A4, "A5": QPageSize.PageSizeId.A5}.get(page, QPageSize.PageSizeId.A4)
    printer.setPageLayout(QPageLayout(QPageSize(size), QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
                                      QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))


def render_pdf(html: str, path: Path | str, *, page: str = "A5", landscape: bool = False,
               images: dict[str, QImage] | None = None, title: str = "") -> Path:
    """Render ``html`` to a PDF file (call on the print lane). Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setDocName(title)
    printer.setCreator("VillageAgent")
    _page_layout(printer, page, landscape)
    print_document(build_document(html, images), printer)
    return path


def print_html(html: str, printer_name: str = "", *, page: str = "A5", landscape: bool = False,
               images: dict[str, QImage] | None = None, title: str = "", copies: int = 1) -> str:
    """Send ``html`` to a printer (the default one when no name is given). Returns its name."""
    info = QPrinterInfo.printerInfo(printer_name) if printer_name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        raise PrinterMissing("no_printer")
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setCopyCount(copies)
    _page_layout(printer, page, landscape)
    print_document(build_document(html, images), printer)
    return info.printerName()


def preview(parent: Any, html: str, *, page: str = "A5", landscape: bool = False,
            images: dict[str, QImage] | None = None, title: str = "", modal: bool = True) -> Any:
    """A print preview of ``html`` (UI thread); printing from it goes to the chosen printer."""
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _page_layout(printer, page, landscape)
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(title)
    dialog.resize(900, 680)
    doc = build_document(html, images)
    dialog.paintRequested.connect(lambda p: print_document(doc, p))
    dialog._doc = doc  # type: ignore[attr-defined]  # keep the document alive with the dialog
    if modal:
        dialog.exec()
    else:
        dialog.show()
    return dialog


def printer_names() -> list[str]:
    return [p.printerName() for p in QPrinterInfo.availablePrinters()]


def escape(text: Any) -> str:
    from html import escape as _escape

    return _escape(str(text if text is not None else ""))


Renderer = Callable[[], Path]

"""A stacked bar per errand kind, one segment per status (QPainter: small, prints, no QtCharts theme).

- Segment colours follow the meaning of the status, not its kind: green finished, blue in
  progress, amber waiting on the village, red returned/problem, grey cancelled.
- ``render_image`` draws the same chart into a QImage for printing and PDF.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from sync.workflow import KINDS, WORKFLOWS
from villageagent.ui import i18n

COLOURS = {
    "received": "#f2b84b", "listed": "#f2b84b", "ordered": "#f2b84b",
    "submitted": "#7fb2f0", "accepted": "#4a90e2", "in_progress": "#2f6fc0", "forwarded": "#1d4f91",
    "notified": "#7fb2f0", "purchased": "#4a90e2",
    "ready": "#69b96e", "delivered": "#2e8b57", "paid": "#69b96e", "confirmed": "#2e8b57", "settled": "#2e8b57",
    "returned": "#e06055", "problem": "#e06055", "cancelled": "#a0a0a0",
}


class StatusChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.data: dict[str, dict[str, int]] = {}
        self.setMinimumHeight(190)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(700, 220)

    def set_data(self, by_kind_status: dict[str, dict[str, int]]) -> None:
        self.data = by_kind_status
        self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        draw(painter, QRectF(self.rect()), self.data, self.font())
        painter.end()

    def render_image(self, width: int = 1400, height: int = 440) -> QImage:
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        font = QFont(self.font())
        font.setPixelSize(22)
        draw(painter, QRectF(0, 0, width, height), self.data, font)
        painter.end()
        return image


def draw(painter: QPainter, rect: QRectF, data: dict[str, dict[str, int]], font: QFont) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    line = metrics.height()
    label_w = max(metrics.horizontalAdvance(i18n.kind_label(k)) for k in KINDS) + line
    total_w = metrics.horizontalAdvance("0000") + line
    top = rect.top() + line * 0.5
    # Bars no taller than ~2.4 lines: on a tall window fat bars read as a different chart.
    bar_h = min(line * 2.4, max(line * 1.6, (rect.height() - line * 3) / max(1, len(KINDS)) * 0.62))
    gap = bar_h * 0.5
    biggest = max([sum(v.values()) for v in data.values()] + [1])
    area_w = rect.width() - label_w - total_w - line
    for row, kind in enumerate(KINDS):
        y = top + row * (bar_h + gap)
        painter.setPen(QPen(QColor("#222222")))
        painter.drawText(QRectF(rect.left() + 4, y, label_w, bar_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         i18n.kind_label(kind))
        x = rect.left() + label_w
        counts = data.get(kind, {})
        total = sum(counts.values())
        for status in WORKFLOWS[kind].states:
            n = counts.get(status, 0)
            if not n:
                continue
            w = area_w * n / biggest
            seg = QRectF(x, y, w, bar_h)
            painter.fillRect(seg, QColor(COLOURS.get(status, "#999999")))
            painter.setPen(QPen(Qt.GlobalColor.white, 1))
            painter.drawRect(seg)
            text = f"{i18n.status_for(kind, status)} {n}"
            if metrics.horizontalAdvance(text) + 6 <= w:
                painter.setPen(QPen(Qt.GlobalColor.white if status not in ("received", "listed", "ordered") else QColor("#3b2a00")))
                painter.drawText(seg, Qt.AlignmentFlag.AlignCenter, text)
            elif metrics.horizontalAdvance(str(n)) + 4 <= w:
                painter.setPen(QPen(Qt.GlobalColor.white))
                painter.drawText(seg, Qt.AlignmentFlag.AlignCenter, str(n))
            x += w
        painter.setPen(QPen(QColor("#222222")))
        painter.drawText(QRectF(x + 6, y, total_w, bar_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, str(total))
    # Legend: the meaning of the colours, in one line under the bars.
    legend_y = top + len(KINDS) * (bar_h + gap)
    x = rect.left() + label_w
    for colour, text in (("#f2b84b", Q.translate("chart", "待办")), ("#4a90e2", Q.translate("chart", "办理中")),
                         ("#2e8b57", Q.translate("chart", "已办结")), ("#e06055", Q.translate("chart", "退回/有疑问")),
                         ("#a0a0a0", Q.translate("chart", "已撤销"))):
        painter.fillRect(QRectF(x, legend_y + line * 0.2, line * 0.8, line * 0.8), QColor(colour))
        painter.setPen(QPen(QColor("#333333")))
        painter.drawText(QRectF(x + line, legend_y, 400, line * 1.2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        x += line * 1.6 + metrics.horizontalAdvance(text)

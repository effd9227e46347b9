"""Exports for reporting upward: the monthly summary table (汇总表) as an .xlsx workbook.

- Labels come in the chosen language (Chinese by default), money in yuan with two decimals
  (stored as fen; never float arithmetic on money: the cell gets fen / 100 only for display).
"""

from __future__ import annotations

from pathlib import Path

from sync.workflow import KIND_EN, KIND_ZH, STATUS_EN, STATUS_ZH, WORKFLOWS
from villageagent.domain.errand import LOG_TYPE_ZH
from villageagent.services.reports import MonthlySummary

_LOG_TYPE_EN = {"consultation": "Policy consultations", "dispute": "Disputes mediated",
                "concern": "Residents' concerns", "problem": "Practical problems solved"}

_TEXT = {
    "title": ("{village} {month} 月度汇总表", "{village} monthly summary {month}"),
    "as_of": ("超期统计截至 {as_of}", "Overdue as of {as_of}"),
    "kind": ("类型", "Kind"), "received": ("受理", "Received"), "on_time": ("按时办结", "Done on time"),
    "late": ("超时办结", "Done late"), "overdue": ("超期未办", "Overdue"), "rate": ("按时办结率", "On-time rate"),
    "amount": ("金额(元)", "Amount (yuan)"), "total": ("合计", "Total"), "status": ("状态", "Status"),
    "count": ("件数", "Count"), "by_status": ("按状态", "By status"), "supplies": ("农资代购", "Farm supplies"),
    "item": ("品种", "Item"), "households": ("户数", "Households"), "quantity": ("数量", "Quantity"),
    "unit": ("单位", "Unit"), "subsidies": ("补贴发放", "Subsidies paid"), "logs": ("其他工作记录", "Other logs"),
    "type": ("类型", "Type"),
}


def _t(key: str, lang: str, **params: str) -> str:
    zh, en = _TEXT[key]
    return (en if lang == "en" else zh).format(**params)


def summary_to_xlsx(summary: MonthlySummary, path: Path | str, *, village: str = "", lang: str = "zh") -> Path:
    """Write the monthly summary to ``path`` (.xlsx). Returns the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    kinds = KIND_EN if lang == "en" else KIND_ZH
    statuses = STATUS_EN if lang == "en" else STATUS_ZH
    log_types = _LOG_TYPE_EN if lang == "en" else LOG_TYPE_ZH
    wb = Workbook()
    ws = wb.active
    ws.title = summary.month
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDDDDD")
    ws.append([_t("title", lang, village=village, month=summary.month)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_t("as_of", lang, as_of=summary.as_of.isoformat())])
    ws.append([])
    header = [_t(k, lang) for k in ("kind", "received", "on_time", "late", "overdue", "rate", "amount")]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = bold, head_fill
    for kind, k in summary.kinds.items():
        rate = k.on_time_rate
        ws.append([kinds[kind], k.received, k.completed_on_time, k.completed_late, k.overdue_now,
                   round(rate, 4) if rate is not None else "", k.amount_fen / 100])
        ws.cell(ws.max_row, 6).number_format = "0.0%"
        ws.cell(ws.max_row, 7).number_format = "0.00"
    done = summary.completed_on_time + summary.completed_late
    ws.append([_t("total", lang), summary.received, summary.completed_on_time, summary.completed_late,
               summary.overdue_now, round(summary.completed_on_time / done, 4) if done else "",
               sum(k.amount_fen for k in summary.kinds.values()) / 100])
    for cell in ws[ws.max_row]:
        cell.font = bold
    ws.cell(ws.max_row, 6).number_format = "0.0%"
    ws.cell(ws.max_row, 7).number_format = "0.00"
    ws.append([])
    ws.append([_t("by_status", lang)])
    ws.cell(ws.max_row, 1).font = bold
    ws.append([_t("kind", lang), _t("status", lang), _t("count", lang)])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = bold, head_fill
    for kind, k in summary.kinds.items():
        for status in WORKFLOWS[kind].states:
            n = k.by_status.get(status, 0)
            if n:
                ws.append([kinds[kind], statuses.get(status, status), n])
    ws.append([])
    ws.append([_t("supplies", lang)])
    ws.cell(ws.max_row, 1).font = bold
    ws.append([_t(k, lang) for k in ("item", "households", "quantity", "unit", "amount")])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = bold, head_fill
    for line in summary.supplies:
        ws.append([line["item_name"], line["households"], line["quantity"], line["unit"], line["amount_fen"] / 100])
        ws.cell(ws.max_row, 5).number_format = "0.00"
    ws.append([])
    ws.append([_t("subsidies", lang), summary.subsidies_paid_count, "", "", summary.subsidies_paid_fen / 100])
    ws.cell(ws.max_row, 1).font = bold
    ws.cell(ws.max_row, 5).number_format = "0.00"
    ws.append([])
    ws.append([_t("logs", lang)])
    ws.cell(ws.max_row, 1).font = bold
    for type_, n in sorted(summary.logs.items()):
        ws.append([log_types.get(type_, type_), n])
    for col, width in zip("ABCDEFG", (18, 12, 12, 12, 12, 12, 14)):
        ws.column_dimensions[col].width = width
    ws["A1"].alignment = Alignment(horizontal="left")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path

"""Excel files (openpyxl): the roster template and its row-by-row check, and the exports.

- ``read_roster`` checks every row (village, name, ID number with MOD 11-2, amount) and returns
  either the lines per village or the list of bad rows; the caller stores nothing unless the
  whole file is good.
- Money is integer fen everywhere; the sheets show yuan with two decimals.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sync.township.console.idnumber import id_number_problem, normalize
from sync.township.operations import RosterLine
from sync.workflow import KIND_ZH

ROSTER_HEADERS = ("村代码", "姓名", "身份证号", "金额（元）")
MAX_ROSTER_ROWS = 20000
MAX_YUAN = Decimal("1000000")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")


@dataclass
class RowProblem:
    """A bad cell: the sheet row number (as Excel shows it), the column's title and what is wrong."""

    row: int
    column: str
    message: str


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws: Any, titles: Iterable[str], widths: Iterable[int]) -> None:
    ws.append(list(titles))
    for i, width in enumerate(widths, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = _BOLD, _HEAD_FILL
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def roster_template() -> bytes:
    """The template: four columns, the ID number column formatted as text (Excel would round it)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    _header(ws, ROSTER_HEADERS, (10, 12, 24, 14))
    ws.append(["LTA01", "张桂英", "430223195001010011", 105.5])
    # Text format on the ID column's cells, or Excel turns 18 digits into 4.30223E+17.
    for row in range(2, 1002):
        ws.cell(row=row, column=3).number_format = "@"
    notes = wb.create_sheet("填写说明")
    for line in ("每行一人：村代码（如 LTA01）、姓名、18位身份证号、金额（元，最多两位小数）。",
                 "身份证号请用文本格式填写，否则 Excel 会把后几位变成 0。",
                 "第一行是标题，请勿改动；示例行请删除后再填写。",
                 "一个文件可以包含多个村，上传后按村分别下发。"):
        notes.append([line])
    notes.column_dimensions["A"].width = 80
    return _save(wb)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _amount_fen(value: Any) -> tuple[int | None, str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "金额没有填写。"
    if isinstance(value, bool):
        return None, "金额应为数字。"
    text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元")
    try:
        yuan = Decimal(text)
    except InvalidOperation:
        return None, f"金额“{text[:20]}”不是数字。"
    if not yuan.is_finite() or yuan <= 0:
        return None, "金额应大于0。"
    if yuan > MAX_YUAN:
        return None, "金额超过100万元，请核对。"
    fen = yuan * 100
    if fen != fen.to_integral_value():
        return None, "金额最多两位小数（到分）。"
    return int(fen), ""


def read_roster(raw: bytes, known_villages: set[str], today: dt.date | None = None
                ) -> tuple[dict[str, list[RosterLine]], list[RowProblem]]:
    """Check an uploaded roster row by row.

    - Returns ``(lines per village code, problems)``; any problem means nothing may be stored.
    - A file that is not an .xlsx workbook, has the wrong header or no rows is one problem on row 0/1.
    """
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        return {}, [RowProblem(0, "", "这不是 Excel（.xlsx）文件，请用下载的模板填写后上传。")]
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        titles = tuple(_cell_text(c) for c in (header or ())[:4])
        if titles != ROSTER_HEADERS:
            return {}, [RowProblem(1, "", "第一行标题应为：" + "、".join(ROSTER_HEADERS) + "。请使用下载的模板。")]
        problems: list[RowProblem] = []
        lines: dict[str, list[RosterLine]] = {}
        seen: dict[tuple[str, str], int] = {}
        count = 0
        for number, row in enumerate(rows, start=2):
            cells = list(row[:4]) + [None] * (4 - len(row[:4]))
            if all(_cell_text(c) == "" for c in cells):
                continue
            count += 1
            if count > MAX_ROSTER_ROWS:
                problems.append(RowProblem(number, "", f"一个文件最多{MAX_ROSTER_ROWS}行，请分成几个文件上传。"))
                break
            village = _cell_text(cells[0]).upper()
            name = _cell_text(cells[1])
            raw_id = cells[2]
            id_number = normalize(_cell_text(raw_id))
            fen, amount_problem = _amount_fen(cells[3])
            row_problems = []
            if not village:
                row_problems.append(RowProblem(number, "村代码", "村代码没有填写。"))
            elif village not in known_villages:
                row_problems.append(RowProblem(number, "村代码", f"没有代码为 {village} 的村（先在“村设备”页登记这个村）。"))
            if not name:
                row_problems.append(RowProblem(number, "姓名", "姓名没有填写。"))
            elif len(name) > 40:
                row_problems.append(RowProblem(number, "姓名", "姓名太长（最多40个字）。"))
            if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
                row_problems.append(RowProblem(number, "身份证号", "身份证号被 Excel 存成了数字，后几位可能已丢失；"
                                                              "请把这一列设为文本后重新填写。"))
            else:
                problem = id_number_problem(id_number, today)
                if problem:
                    row_problems.append(RowProblem(number, "身份证号", problem))
                elif (village, id_number) in seen:
                    row_problems.append(RowProblem(number, "身份证号",
                                                   f"和第{seen[(village, id_number)]}行重复（同一村同一人）。"))
                else:
                    seen[(village, id_number)] = number
            if amount_problem:
                row_problems.append(RowProblem(number, "金额（元）", amount_problem))
            if row_problems:
                problems.extend(row_problems)
            elif fen is not None:
                lines.setdefault(village, []).append(RosterLine(id_number=id_number, name=name, amount_fen=fen))
        if not problems and not lines:
            problems.append(RowProblem(2, "", "文件里没有名单（第二行起每行一人）。"))
        return lines, problems
    finally:
        wb.close()


def _yuan(fen: int | None) -> float:
    return round((fen or 0) / 100, 2)


def _money_columns(ws: Any, columns: Iterable[int]) -> None:
    for col in columns:
        for cell in ws.iter_cols(min_col=col, max_col=col, min_row=2):
            for c in cell:
                c.number_format = "#,##0.00"


def purchase_list_xlsx(per_item: list[dict], per_village: list[dict], title: str) -> bytes:
    """The supplier's list: one sheet summed per item, one per item and village."""
    wb = Workbook()
    ws = wb.active
    ws.title = "采购汇总"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    start = 3
    for i, t in enumerate(("事项编码", "品名", "单位", "数量", "订单数", "村数", "金额（元）"), start=1):
        ws.cell(row=start, column=i, value=t).font = _BOLD
    for r in per_item:
        ws.append([r["item_code"], r["item_name"], r["unit"], r["quantity"] or 0, r["orders"], r["villages"],
                   _yuan(r["fen"])])
    for col, width in zip("ABCDEFG", (10, 22, 8, 10, 8, 8, 14)):
        ws.column_dimensions[col].width = width
    detail = wb.create_sheet("分村明细")
    _header(detail, ("事项编码", "品名", "单位", "村代码", "村名", "数量", "订单数", "金额（元）"),
            (10, 22, 8, 10, 12, 10, 8, 14))
    for r in per_village:
        detail.append([r["item_code"], r["item_name"], r["unit"], r["village__code"], r["village__name"],
                       r["quantity"] or 0, r["orders"], _yuan(r["fen"])])
    _money_columns(detail, [8])
    return _save(wb)


def circular_xlsx(month: str, lines: list[Any], total: Any, supplies: list[dict], kinds: Iterable[str],
                  log_types: dict[str, str]) -> bytes:
    """The monthly circular as a workbook: the ranking table and the farm-supply quantities."""
    kinds = list(kinds)
    wb = Workbook()
    ws = wb.active
    ws.title = "按月通报"
    ws.append([f"{month} 各村代办情况通报"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    titles = (["名次", "村代码", "村名", "收件"] + [f"其中{KIND_ZH.get(k, k)}" for k in kinds]
              + ["办结", "按时办结", "按时办结率", "当前超期", "补贴发放笔数", "补贴发放金额（元）",
                 "农资订单", "农资金额（元）"] + list(log_types.values()))
    ws.append(titles)
    for i in range(1, len(titles) + 1):
        c = ws.cell(row=3, column=i)
        c.font, c.fill = _BOLD, _HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for line in list(lines) + [total]:
        rate = line.on_time_rate
        ws.append([line.rank or "", line.code, line.name, line.received]
                  + [line.received_by_kind.get(k, 0) for k in kinds]
                  + [line.completed, line.on_time, round(rate, 4) if rate is not None else "—", line.overdue_now,
                     line.subsidy_paid, _yuan(line.subsidy_paid_fen), line.supply_orders, _yuan(line.supply_fen)]
                  + [line.logs.get(t, 0) for t in log_types])
    rate_col = 4 + len(kinds) + 3
    for row in ws.iter_rows(min_row=4, min_col=rate_col, max_col=rate_col):
        for c in row:
            c.number_format = "0.0%"
    last = ws.max_row
    for c in ws[last]:
        c.font = _BOLD
    ws.freeze_panes = "D4"
    for i in range(1, len(titles) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    sheet = wb.create_sheet("农资数量")
    _header(sheet, ("事项编码", "品名", "单位", "订单数", "数量", "金额（元）"), (10, 22, 8, 8, 10, 14))
    for r in supplies:
        sheet.append([r["item_code"], r["item_name"], r["unit"], r["orders"], r["quantity"] or 0, _yuan(r["fen"])])
    return _save(wb)

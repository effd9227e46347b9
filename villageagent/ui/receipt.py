"""The resident's receipt (回执): what was handed in, and by when it will be done.

- Built from the errand and the village settings; the ID number and phone are masked (PIPL).
- Plain HTML so the same text goes to the screen, the print preview, a printer and a PDF.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QCoreApplication as Q

from villageagent.domain.identity import mask_id_number, mask_phone
from villageagent.domain.money import format_fen
from villageagent.storage import queries
from villageagent.storage.settings import VillageSettings
from villageagent.storage import settings as settings_store
from villageagent.ui import i18n
from villageagent.ui.printing import escape


def load_receipt(db: Any, errand_id: str) -> tuple[dict[str, Any], VillageSettings]:
    """What a receipt needs (read lane)."""
    errand = queries.get_errand(db, errand_id)
    if errand is None:
        from villageagent.domain.errors import VillageError

        raise VillageError("errand_unknown", number=errand_id)
    return errand, settings_store.load(db)


def _tr(text: str) -> str:
    return Q.translate("receipt", text)


def receipt_html(errand: dict[str, Any], settings: VillageSettings) -> str:
    e = errand
    rows: list[tuple[str, str]] = [
        (_tr("回执编号"), f"<b>{escape(e['number'])}</b>"),
        (_tr("办事群众"), escape(e.get("resident_name") or "")),
        (_tr("身份证号"), escape(mask_id_number(e.get("resident_id_number") or ""))),
    ]
    if e.get("resident_phone"):
        rows.append((_tr("联系电话"), escape(mask_phone(e["resident_phone"]))))
    rows.append((_tr("代办事项"), f"{escape(e['item_name'])}（{escape(i18n.kind_label(e['kind']))}）"))
    materials = e.get("materials") or []
    got = [m["name"] for m in materials if m.get("received")]
    missing = [m["name"] for m in materials if not m.get("received")]
    if materials:
        rows.append((_tr("已收材料"), "<br>".join("✓ " + escape(m) for m in got) or _tr("无")))
        if missing:
            rows.append((_tr("尚缺材料"), "<br>".join("□ " + escape(m) for m in missing)
                         + "<br>" + escape(_tr("请尽快补交，补齐后才能报送。"))))
    if e["kind"] == "farm_supply" and e.get("quantity") is not None:
        rows.append((_tr("订购数量"), f"{e['quantity']:g} {escape(e.get('unit') or '')}"))
    if e["kind"] in ("farm_supply", "subsidy") or e.get("amount_fen"):
        label = _tr("补贴金额") if e["kind"] == "subsidy" else (_tr("应付金额") if e["kind"] == "farm_supply" else _tr("收费"))
        rows.append((label, _tr("%1 元").replace("%1", format_fen(int(e.get("amount_fen") or 0)))))
    rows.append((_tr("登记日期"), escape(e.get("created_date") or "")))
    if e["kind"] == "certificate":
        rows.append((_tr("承诺办结日期"), f"<b>{escape(e['promised_date'])}</b>"))
    else:
        rows.append((_tr("预计完成日期"), escape(e["promised_date"])))
    rows.append((_tr("代办员"), escape(settings.cadre_name or "")))
    rows.append((_tr("代办点电话"), escape(settings.contact_phone or "")))
    body = "".join(f"<tr><td class='label'>{k}</td><td>{v}</td></tr>" for k, v in rows)
    place = f"{settings.township_name}{settings.village_name}"
    title = _tr("%1村级代办点").replace("%1", escape(place))
    printed = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        f"<html><body><h1>{title}</h1>"
        f"<p class='sub'>{escape(_tr('代办事项回执'))}</p>"
        f"<table class='grid' cellspacing='0' width='100%'>{body}</table>"
        f"<p class='foot'>{escape(_tr('请妥善保管本回执，凭回执领取办理结果。超过承诺日期未办结的，可向乡镇政务服务中心反映。'))}</p>"
        f"<p class='foot'>{escape(_tr('群众签名：'))}________________&nbsp;&nbsp;&nbsp;&nbsp;"
        f"{escape(_tr('代办员签名：'))}________________</p>"
        f"<p class='foot' style='color:#666'>{escape(_tr('打印时间：'))}{printed}</p>"
        "</body></html>"
    )

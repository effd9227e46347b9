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


def receipt_html(errand: dict[str, Any], settings: VillageSettings) -> str:
    e = errand
    rows: list[tuple[str, str]] = [
        (Q.translate("receipt", "回执编号"), f"<b>{escape(e['number'])}</b>"),
        (Q.translate("receipt", "办事群众"), escape(e.get("resident_name") or "")),
        (Q.translate("receipt", "身份证号"), escape(mask_id_number(e.get("resident_id_number") or ""))),
    ]
    if e.get("resident_phone"):
        rows.append((Q.translate("receipt", "联系电话"), escape(mask_phone(e["resident_phone"]))))
    rows.append((Q.translate("receipt", "代办事项"), f"{escape(e['item_name'])}（{escape(i18n.kind_label(e['kind']))}）"))
    materials = e.get("materials") or []
    got = [m["name"] for m in materials if m.get("received")]
    missing = [m["name"] for m in materials if not m.get("received")]
    if materials:
        rows.append((Q.translate("receipt", "已收材料"), "<br>".join("✓ " + escape(m) for m in got) or Q.translate("receipt", "无")))
        if missing:
            rows.append((Q.translate("receipt", "尚缺材料"), "<br>".join("□ " + escape(m) for m in missing)
                         + "<br>" + escape(Q.translate("receipt", "请尽快补交，补齐后才能报送。"))))
    if e["kind"] == "farm_supply" and e.get("quantity") is not None:
        rows.append((Q.translate("receipt", "订购数量"), f"{e['quantity']:g} {escape(e.get('unit') or '')}"))
    if e["kind"] in ("farm_supply", "subsidy") or e.get("amount_fen"):
        labels = {"subsidy": Q.translate("receipt", "补贴金额"), "farm_supply": Q.translate("receipt", "应付金额"),
                  "certificate": Q.translate("receipt", "收费")}
        label = labels[e["kind"]]
        rows.append((label, Q.translate("receipt", "%1 元").replace("%1", format_fen(int(e.get("amount_fen") or 0)))))
    rows.append((Q.translate("receipt", "登记日期"), escape(e.get("created_date") or "")))
    if e["kind"] == "certificate":
        rows.append((Q.translate("receipt", "承诺办结日期"), f"<b>{escape(e['promised_date'])}</b>"))
    else:
        rows.append((Q.translate("receipt", "预计完成日期"), escape(e["promised_date"])))
    rows.append((Q.translate("receipt", "代办员"), escape(settings.cadre_name or "")))
    rows.append((Q.translate("receipt", "代办点电话"), escape(settings.contact_phone or "")))
    body = "".join(f"<tr><td class='label'>{k}</td><td>{v}</td></tr>" for k, v in rows)
    place = f"{settings.township_name}{settings.village_name}"
    title = Q.translate("receipt", "%1村级代办点").replace("%1", escape(place))
    printed = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    t = {"sub": Q.translate("receipt", "代办事项回执"),
         "keep": Q.translate("receipt", "请妥善保管本回执，凭回执领取办理结果。超过承诺日期未办结的，可向乡镇政务服务中心反映。"),
         "resident_sign": Q.translate("receipt", "群众签名："), "cadre_sign": Q.translate("receipt", "代办员签名："),
         "printed": Q.translate("receipt", "打印时间：")}
    t = {k: escape(v) for k, v in t.items()}
    return (
        f"<html><body><h1>{title}</h1><p class='sub'>{t['sub']}</p>"
        f"<table class='grid' cellspacing='0' width='100%'>{body}</table>"
        f"<p class='foot'>{t['keep']}</p>"
        f"<p class='foot'>{t['resident_sign']}____________&nbsp;&nbsp;{t['cadre_sign']}____________</p>"
        f"<p class='foot' style='color:#666'>{t['printed']}{printed}</p>"
        "</body></html>"
    )

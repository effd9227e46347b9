"""Language of the window: choosing it, installing translators, and the labels of the core's codes.

- Source strings are Simplified Chinese (the cadres' language), so the app reads right even if
  a ``.qm`` file is missing; English comes from ``resources/translations/villageagent_en.qm``.
- The choice, strongest first: ``VILLAGEAGENT_LANG`` (en|zh), the language saved in settings,
  then the system locale (Chinese system → Chinese, another named language → English; a system
  that names none, the bare "C"/POSIX locale, gets Chinese, the language of the people it is for).
- Status, kind and log-type codes from the core are labelled here through
  ``QCoreApplication.translate`` so they are extracted by ``pyside6-lupdate`` like every other string.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtCore import QCoreApplication as Q

from villageagent import paths
from villageagent.domain.errors import VillageError

_installed: list[QTranslator] = []
_current = "zh"


def translations_dir() -> Path:
    return paths.resources_dir() / "translations"


def choose_language(saved: str = "") -> str:
    """'zh' or 'en' from the environment, the saved setting, then the system locale."""
    env = os.environ.get("VILLAGEAGENT_LANG", "").strip().lower()
    if env.startswith("en"):
        return "en"
    if env.startswith("zh"):
        return "zh"
    if saved in ("zh", "en"):
        return saved
    system = QLocale.system().language()
    if system in (QLocale.Language.Chinese, QLocale.Language.C, QLocale.Language.AnyLanguage):
        return "zh"
    return "en"


def current_language() -> str:
    return _current


def install(app: QCoreApplication, language: str) -> str:
    """Replace the installed translators with those of ``language``; returns the language used."""
    global _current
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if language == "en":
        ours = QTranslator(app)
        if ours.load(str(translations_dir() / "villageagent_en.qm")):
            app.installTranslator(ours)
            _installed.append(ours)
    else:
        # Qt's own buttons and dialogs (OK/Cancel, the print dialog) in Chinese too.
        for name in ("qtbase_zh_CN", "qt_zh_CN"):
            qt = QTranslator(app)
            if qt.load(name, qt_dir):
                app.installTranslator(qt)
                _installed.append(qt)
                break
    _current = language
    # The core's plain messages (errors) follow the same choice.
    os.environ["VILLAGEAGENT_LANG"] = language
    return language


def error_text(exc: BaseException) -> str:
    """The plain sentence a cadre reads for an error: what happened and what to do."""
    if isinstance(exc, VillageError):
        return exc.message(_current)
    return QCoreApplication.translate(
        "errors", "程序出了意外错误，刚才的操作可能没有完成。请重试；如果还不行，请把这句话告诉技术人员：") + \
        f" {type(exc).__name__}: {exc}"


def _t(text: str) -> str:
    """Translate a string that was extracted elsewhere under the "labels" context."""
    return Q.translate("labels", text)


def status_label(status: str) -> str:
    labels = {
        "received": Q.translate("labels", "已收件"),
        "submitted": Q.translate("labels", "已报送乡镇"),
        "accepted": Q.translate("labels", "乡镇已受理"),
        "returned": Q.translate("labels", "退回补正"),
        "in_progress": Q.translate("labels", "办理中"),
        "forwarded": Q.translate("labels", "已转县办理"),
        "ready": Q.translate("labels", "已办结"),
        "delivered": Q.translate("labels", "已交付"),
        "cancelled": Q.translate("labels", "已撤销"),
        "listed": Q.translate("labels", "待发放"),
        "notified": Q.translate("labels", "已通知"),
        "paid": Q.translate("labels", "已发放"),
        "confirmed": Q.translate("labels", "已确认领取"),
        "problem": Q.translate("labels", "有疑问待核实"),
        "ordered": Q.translate("labels", "已登记订购"),
        "purchased": Q.translate("labels", "已采购"), "settled": Q.translate("labels", "已结清"),
    }
    return labels.get(status, status)


def farm_status_label(status: str) -> str:
    """Farm-supply 'delivered' is 送达 (goods at the door), not a certificate's 交付."""
    if status == "delivered":
        return Q.translate("labels", "已送达")
    if status == "cancelled":
        return Q.translate("labels", "已取消")
    return status_label(status)


def status_for(kind: str, status: str) -> str:
    return farm_status_label(status) if kind == "farm_supply" else status_label(status)


def step_label(kind: str, target: str) -> str:
    """The button text for moving an errand to ``target``: a verb, not a state."""
    verbs = {
        ("certificate", "submitted"): Q.translate("labels", "报送乡镇"), ("certificate", "cancelled"): Q.translate("labels", "撤销"),
        ("certificate", "delivered"): Q.translate("labels", "交付群众"),
        ("subsidy", "notified"): Q.translate("labels", "已通知本人"), ("subsidy", "paid"): Q.translate("labels", "标记已发放"),
        ("subsidy", "confirmed"): Q.translate("labels", "本人确认领取"), ("subsidy", "problem"): Q.translate("labels", "有疑问"),
        ("subsidy", "listed"): Q.translate("labels", "疑问已解决"),
        ("farm_supply", "purchased"): Q.translate("labels", "标记已采购"), ("farm_supply", "delivered"): Q.translate("labels", "标记已送达"),
        ("farm_supply", "settled"): Q.translate("labels", "标记已收款"), ("farm_supply", "cancelled"): Q.translate("labels", "取消订购"),
    }
    return verbs.get((kind, target), status_for(kind, target))


def kind_label(kind: str) -> str:
    return {
        "certificate": Q.translate("labels", "证照代办"),
        "subsidy": Q.translate("labels", "补贴代发"),
        "farm_supply": Q.translate("labels", "农资代购"),
    }.get(kind, kind)


def log_type_label(type_: str) -> str:
    return {
        "consultation": Q.translate("labels", "政策咨询"),
        "dispute": Q.translate("labels", "矛盾调解"),
        "concern": Q.translate("labels", "社情民意"),
        "problem": Q.translate("labels", "实事办理"),
    }.get(type_, type_)


def tier_label(tier: str) -> str:
    return {"township": Q.translate("labels", "乡镇办理"), "county": Q.translate("labels", "转县办理")}.get(tier, tier)

"""Chinese by default, English when chosen in settings (at once) or by VILLAGEAGENT_LANG."""

from __future__ import annotations

from villageagent.domain.errors import ValidationError
from villageagent.services.errands import register_errand
from villageagent.storage import settings as settings_store
from villageagent.ui import i18n


def _nav(window) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_switching_to_english_in_settings_retranslates_the_window(window, store, add_resident):
    r = add_resident("张桂英")
    register_errand(store, resident_id=r["id"], item_code="Z003")
    assert _nav(window)[0] == "代办事项"
    errands = window.show_screen("errands")
    errands.apply_filter()  # arranged behind the window's back
    assert errands.model.data(errands.model.index(0, 5)) == "已收件"

    screen = window.show_screen("settings")
    screen.language.setCurrentIndex(screen.language.findData("en"))
    screen.save_button.click()

    assert i18n.current_language() == "en"
    assert settings_store.load(store).language == "en"
    assert _nav(window) == ["Errands", "Residents", "Farm supplies", "Subsidies", "Logs", "Monthly summary", "Settings"]
    assert window.menuBar().actions()[0].text() == "&Errands"
    assert window.sync_status.label.text().startswith("Sync")
    errands = window.show_screen("errands")
    assert "pinyin initials" in errands.search.placeholderText()
    assert errands.model.data(errands.model.index(0, 5)) == "Received"
    assert errands.model.headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Horizontal) == "Number"
    assert errands.count_label.text() == "1 errand"
    # Days counted in English, one day apart from many.
    from villageagent.ui.models.errands import days_left_text

    assert [days_left_text("overdue", -1), days_left_text("overdue", -3)] == ["1 day overdue", "3 days overdue"]
    assert [days_left_text("soon", 1), days_left_text("open", 12)] == ["1 day left", "12 days left"]
    # Counted texts of the screens, one apart from many (the contexts are the widgets' classes).
    from PySide6.QtCore import QCoreApplication

    def said(context: str, source: str, n: int) -> str:
        return QCoreApplication.translate(context, source, None, n)

    assert [said("NewErrandDialog", "%n个工作日", k) for k in (1, 5)] == ["1 working day", "5 working days"]
    assert [said("OrdersScreen", "已办 %n 户", k) for k in (1, 3)] == ["Done for 1 household", "Done for 3 households"]
    assert [said("ResidentForm", "还差%n位", k) for k in (1, 4)] == ["1 more digit to go", "4 more digits to go"]
    assert said("RostersScreen", "已办 %n 人", 1) == "Done for 1 person"
    assert said("SummaryScreen", "%n 笔，共 %1 元", 1) == "1 payment, %1 yuan in all"
    assert [said("SummaryScreen", "%n户", k) for k in (1, 2)] == ["1 household", "2 households"]
    assert QCoreApplication.translate("SummaryScreen", "；") == "; "
    # The core's error messages follow the same choice.
    assert i18n.error_text(ValidationError("phone")).startswith("The mobile number")
    # The settings screen itself was rebuilt in English and still shows the choice.
    assert window.screen_widget("settings").language.currentData() == "en"

    # And back to Chinese.
    screen = window.show_screen("settings")
    screen.language.setCurrentIndex(screen.language.findData("zh"))
    screen.save_button.click()
    assert _nav(window)[0] == "代办事项"
    assert i18n.error_text(ValidationError("phone")).startswith("手机号")
    assert [days_left_text("overdue", -1), days_left_text("soon", 1)] == ["超期1天", "剩1天"]


def test_language_choice_order(monkeypatch):
    monkeypatch.setenv("VILLAGEAGENT_LANG", "en")
    assert i18n.choose_language("zh") == "en"
    monkeypatch.setenv("VILLAGEAGENT_LANG", "zh")
    assert i18n.choose_language("en") == "zh"
    monkeypatch.delenv("VILLAGEAGENT_LANG")
    assert i18n.choose_language("en") == "en"
    assert i18n.choose_language("") in ("zh", "en")  # the system's locale decides


def test_every_english_translation_is_finished():
    text = (i18n.translations_dir() / "villageagent_en.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text
    assert (i18n.translations_dir() / "villageagent_en.qm").stat().st_size > 1000

"""Typed errors that carry a kind, so the UI and the CLI can say them plainly.

- ``kind`` is stable and machine-readable; ``params`` fill the message.
- ``message()`` gives the plain Chinese text (or English); the Qt UI may translate by kind.
"""

from __future__ import annotations

import os
from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # kind: (Chinese, English)
    "id_length": ("身份证号应为18位，现在是{length}位，请核对后重新输入。",
                  "The ID number must have 18 characters; this one has {length}. Please check it."),
    "id_chars": ("身份证号前17位只能是数字，最后一位是数字或X，请核对。",
                 "The first 17 characters of the ID number must be digits, the last a digit or X."),
    "id_birth": ("身份证号中的出生日期（第7到14位）“{birth}”不是有效日期，请核对。",
                 "The birth date in the ID number (characters 7-14), \"{birth}\", is not a real date."),
    "id_check": ("身份证号最后一位校验码不对（应为{expected}），可能有数字输错，请逐位核对。",
                 "The check character of the ID number is wrong (expected {expected}); a digit may be mistyped."),
    "phone": ("手机号应为以1开头的11位数字，请核对。", "The mobile number must be 11 digits starting with 1."),
    "name": ("请填写姓名（1到20个字）。", "Please enter a name (1 to 20 characters)."),
    "group": ("村民小组“{group}”不在本村的小组名单里，请在设置中添加或重新选择。",
              "Villager group \"{group}\" is not one of this village's groups."),
    "resident_exists": ("身份证号为{masked}的村民已登记（{name}），不能重复登记。",
                        "A resident with ID {masked} is already registered ({name})."),
    "resident_unknown": ("找不到这位村民，可能已被删除，请重新查找。", "This resident was not found."),
    "item_unknown": ("服务事项“{item}”不在事项目录里，请从目录中选择。",
                     "Service item \"{item}\" is not in the catalog."),
    "item_retired": ("服务事项“{item}”已由乡镇停办，不能再登记新的代办。已登记的照常办理。",
                     "The township has stopped the service \"{item}\": no new errands can be logged for it. "
                     "Errands already logged go on as before."),
    "kind_unknown": ("事项类型“{kind}”不存在。", "Unknown errand kind \"{kind}\"."),
    "errand_unknown": ("找不到编号为“{number}”的代办事项。", "No errand numbered \"{number}\"."),
    "bad_transition": ("这件事项现在是“{current}”，不能直接改为“{target}”。",
                       "This errand is \"{current}\"; it cannot go straight to \"{target}\"."),
    "not_your_step": ("“{target}”这一步由{who}办理，村里不能操作。",
                      "The step \"{target}\" is taken by the {who}, not here."),
    "reason_needed": ("请写明原因（例如缺少哪些材料）。", "Please give the reason (for example, which materials are missing)."),
    "quantity": ("数量应为大于0的数字。", "The quantity must be a number greater than 0."),
    "money": ("金额“{text}”不对，请输入元，最多两位小数，例如 12.50。",
              "The amount \"{text}\" is not valid; enter yuan with at most two decimals, e.g. 12.50."),
    "month": ("月份“{text}”格式不对，请写成 2026-03 这样的年-月。",
              "The month \"{text}\" is not valid; write it as year-month, e.g. 2026-03."),
    "date": ("日期“{text}”格式不对，请写成 2026-03-15 这样的年-月-日。",
             "The date \"{text}\" is not valid; write it as year-month-day, e.g. 2026-03-15."),
    "text_too_long": ("内容太长了（最多{limit}个字）。", "The text is too long (at most {limit} characters)."),
    "log_type": ("记录类型“{type}”不存在。", "Unknown log type \"{type}\"."),
    "roster_unknown": ("找不到这份补贴名册。", "This subsidy roster was not found."),
    "not_a_database": ("文件“{path}”不是村代办的数据备份，没有做任何改动。",
                       "The file \"{path}\" is not a VillageAgent backup; nothing was changed."),
    "newer_schema": ("这份数据来自更新版本的村代办（数据版本{found}，本程序只认识到{known}），请先升级程序。",
                     "This data comes from a newer VillageAgent (schema {found}; this program knows {known}). Please upgrade."),
    "file_missing": ("找不到文件“{path}”。", "File \"{path}\" not found."),
    "disk_full": ("电脑磁盘空间不够，刚才的内容没有保存。请清理磁盘后再保存，之前保存的内容都还在。",
                  "The disk is full, so this was not saved. Free some space and save again; earlier records are safe."),
    "upgrade_failed": ("升级数据时出错，原来的数据没有任何改动，可以继续使用旧版本。请把这条信息告诉技术支持：{detail}",
                       "Upgrading the data failed; nothing was changed and the previous version still works. "
                       "Please tell support: {detail}"),
    "database_corrupt": ("数据文件已损坏。请从最近的备份恢复，或从乡镇重新下载本村数据。",
                         "The data file is damaged. Restore the latest backup or download the village data from the township."),
    "village_not_set": ("还没有设置本村信息，请先在设置里填写村名和村代码。",
                        "The village is not set up yet; enter its name and code in Settings."),
    "village_code": ("村代码只能用字母和数字（2到12位），例如 LTA01。",
                     "The village code must be 2-12 letters or digits, e.g. LTA01."),
}


def language() -> str:
    """The language of plain messages: Chinese unless switched to English (``VILLAGEAGENT_LANG=en``)."""
    return "en" if os.environ.get("VILLAGEAGENT_LANG", "").lower().startswith("en") else "zh"


class VillageError(Exception):
    """A user's mistake or a condition the user can act on; never a programming error."""

    def __init__(self, kind: str, **params: Any):
        self.kind = kind
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        zh, en = MESSAGES.get(self.kind, ("出错了：{kind}", "Error: {kind}"))
        template = en if (lang or language()) == "en" else zh
        params = self.params
        if "message" in params and "message_en" not in params:  # a text passed on, said in one language only
            params = {**params, "message_en": params["message"]}
        try:
            return template.format(kind=self.kind, **params)
        except (KeyError, IndexError):
            return template


class ValidationError(VillageError):
    """Bad input; carries the name of the field it belongs beside."""

    def __init__(self, kind: str, field: str = "", **params: Any):
        self.field = field
        super().__init__(kind, **params)

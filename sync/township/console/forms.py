"""The console's forms: each refuses bad input with a message on the field, and a view saves only
after ``is_valid()`` (so nothing is half-saved)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from sync.township import models as m
from sync.township.console import throttle
from sync.township.console.roles import CLERK, SUPERVISOR
from sync.township.console.labels import kind_label, status_label
from sync.workflow import KINDS, STATUS_ZH

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
RETURN_REASONS = [
    _("材料不全，请补交后重新报送"),
    _("身份证复印件不清晰"),
    _("缺少户口簿复印件"),
    _("照片不符合要求（需近期一寸免冠照片）"),
    _("需要本人到乡镇政务服务中心办理"),
    _("填写的信息与证件不一致"),
]
OTHER = "__other__"


def _client_address(request: Any) -> str:
    return (request.META.get("REMOTE_ADDR") or "?")[:60] if request is not None else "?"


class LoginForm(AuthenticationForm):
    """Django's sign-in form, refusing for a while after repeated failures (issue 6)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不对。注意大小写。"),
        "throttled": _("登录失败次数过多，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        keys = throttle.keys_for(username, _client_address(self.request))
        minutes = throttle.locked_minutes(keys)
        if minutes:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled",
                                        params={"minutes": minutes})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.cleaned_data.get("password"):
                throttle.record_failure(keys)
            raise
        throttle.record_success(username)
        return cleaned


def _month_field(required: bool = False) -> forms.CharField:
    return forms.CharField(required=required, max_length=7, label=_("月份"),
                           widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}))


def _check_month(value: str) -> str:
    if value and not MONTH_RE.match(value):
        raise forms.ValidationError(_("月份应写成 2026-03 这样。"))
    return value


class InboxFilterForm(forms.Form):
    """The inbox's filters (a GET form; an invalid value is reported and ignored)."""

    village = forms.ChoiceField(required=False, label=_("村"))
    kind = forms.ChoiceField(required=False, label=_("类型"))
    status = forms.ChoiceField(required=False, label=_("状态"))
    due = forms.ChoiceField(required=False, label=_("时限"))
    month = _month_field()
    q = forms.CharField(required=False, max_length=40, label=_("查找"),
                        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母、编号或身份证号后几位")}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("全部村"))] + [
            (v.code, str(v)) for v in m.Village.objects.only("code", "name").order_by("code")]
        self.fields["kind"].choices = [("", _("全部类型"))] + [(k, kind_label(k)) for k in KINDS]
        statuses = sorted({s for s in STATUS_ZH})
        self.fields["status"].choices = ([("open", _("未办结")), ("all", _("全部"))]
                                         + [(s, status_label("", s)) for s in statuses])
        self.fields["due"].choices = [("", _("不限")), ("overdue", _("已超期")), ("soon", _("两天内到期"))]

    def clean_month(self) -> str:
        return _check_month(self.cleaned_data.get("month", ""))


class StepForm(forms.Form):
    """One township step on one errand; a return (or a payout problem) needs a reason."""

    target = forms.CharField(max_length=16, widget=forms.HiddenInput)
    preset = forms.ChoiceField(required=False, label=_("常用原因"))
    reason = forms.CharField(required=False, max_length=500, label=_("原因"),
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, allowed: list[str] | None = None, needs_reason: set[str] | None = None,
                 presets: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.allowed = allowed or []
        self.needs_reason = needs_reason or set()
        self.fields["preset"].choices = ([("", _("— 选择常用原因 —"))] + [(p, p) for p in (presets or [])]
                                         + [(OTHER, _("其他（在下面填写）"))])

    def clean_target(self) -> str:
        target = self.cleaned_data["target"]
        if target not in self.allowed:
            raise forms.ValidationError(_("这一步现在不能办理（可能别人刚处理过），请刷新页面。"))
        return target

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        preset = data.get("preset") or ""
        typed = (data.get("reason") or "").strip()
        reason = typed if (preset in ("", OTHER) or typed) else preset
        if preset and preset != OTHER and typed:
            reason = f"{preset}；{typed}"
        if data.get("target") in self.needs_reason and not reason:
            self.add_error("reason", _("退回或标记疑问时，请选择或填写原因（例如缺少哪些材料）。"))
        if len(reason) > 500:
            self.add_error("reason", _("原因最多500个字。"))
        data["full_reason"] = reason
        return data


class BatchStepForm(forms.Form):
    """The same step on the selected errands of the inbox."""

    ids = forms.MultipleChoiceField(label=_("选中的事项"), error_messages={
        "required": _("请先勾选要办理的事项。")})
    target = forms.ChoiceField(label=_("批量操作"))
    reason = forms.CharField(required=False, max_length=500, label=_("原因"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(i, i) for i in raw[:500] if isinstance(i, str) and len(i) <= 64]
        self.fields["target"].choices = [("", _("— 选择操作 —"))] + [
            (s, status_label("", s)) for s in ("accepted", "in_progress", "ready", "forwarded", "returned", "purchased")]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("target") == "returned" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("批量退回时请填写原因。"))
        return data


class NoteForm(forms.Form):
    text = forms.CharField(max_length=500, label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}))


class RosterUploadForm(forms.Form):
    """A subsidy roster: which item, a title, the month, and the filled-in template."""

    item_code = forms.ChoiceField(label=_("补贴项目"))
    title = forms.CharField(max_length=60, label=_("名册名称"),
                            widget=forms.TextInput(attrs={"placeholder": _("例如：2026年耕地地力保护补贴第一批")}))
    month = _month_field(required=True)
    file = forms.FileField(label=_("名册文件（.xlsx）"))

    def __init__(self, *args: Any, items: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # A retired (停办) item takes no new roster.
        self.items = {i["code"]: i for i in items or [] if i.get("kind") == "subsidy" and not i.get("retired")}
        self.fields["item_code"].choices = [("", _("— 选择 —"))] + [
            (code, f"{code} {i['name']}") for code, i in self.items.items()]

    def clean_month(self) -> str:
        return _check_month(self.cleaned_data.get("month", ""))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 文件（用下载的模板填写）。"))
        if f.size > 8 * 1024 * 1024:
            raise forms.ValidationError(_("文件太大（超过8MB），请分成几个文件上传。"))
        return f


class CatalogItemForm(forms.Form):
    """One catalog item's promised days, materials and fee."""

    name = forms.CharField(max_length=60, label=_("事项名称"))
    promised_days = forms.IntegerField(min_value=1, max_value=365, label=_("承诺时限（工作日）"))
    legal_days = forms.IntegerField(min_value=1, max_value=730, required=False, label=_("法定时限（工作日）"))
    materials = forms.CharField(required=False, label=_("所需材料（每行一项）"),
                                widget=forms.Textarea(attrs={"rows": 6}))
    fee_yuan = forms.DecimalField(min_value=Decimal("0"), max_value=Decimal("100000"), decimal_places=2,
                                  label=_("收费（元）"))

    def clean_materials(self) -> list[str]:
        lines = [ln.strip() for ln in (self.cleaned_data.get("materials") or "").splitlines() if ln.strip()]
        if len(lines) > 20:
            raise forms.ValidationError(_("材料最多20项。"))
        if any(len(ln) > 60 for ln in lines):
            raise forms.ValidationError(_("每项材料最多60个字。"))
        return lines

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        promised, legal = data.get("promised_days"), data.get("legal_days")
        if promised and legal and promised > legal * 0.7:
            self.add_error("promised_days", _("承诺时限应比法定时限至少缩短30%%（法定%(legal)s天，承诺最多%(most)s天）。")
                           % {"legal": legal, "most": int(legal * 0.7)})
        return data


class NewCatalogItemForm(CatalogItemForm):
    """A new catalog item: what ``CatalogItemForm`` edits, plus its kind, tier and (for farm
    supplies and subsidies) the unit and the price or standard per unit. The code is given by
    the console (the kind's letter and the next number)."""

    field_order = ["kind", "name", "tier", "department", "promised_days", "legal_days", "materials", "fee_yuan",
                   "unit", "unit_price_yuan", "category"]
    kind = forms.ChoiceField(label=_("类型"), choices=[("certificate", _("证照代办")), ("subsidy", _("补贴代发")),
                                                      ("farm_supply", _("农资代购"))])
    tier = forms.ChoiceField(label=_("办理层级"), choices=[("township", _("乡镇办理")), ("county", _("转县办理"))])
    department = forms.CharField(max_length=30, required=False, label=_("办理部门"))
    unit = forms.CharField(max_length=8, required=False, label=_("单位（农资、补贴填写，如 袋、元）"))
    unit_price_yuan = forms.DecimalField(min_value=Decimal("0"), max_value=Decimal("1000000"), decimal_places=2,
                                         required=False, label=_("单价或补贴标准（元）"))
    category = forms.CharField(max_length=20, required=False, label=_("农资类别（如 化肥）"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "farm_supply":
            if not (data.get("unit") or "").strip():
                self.add_error("unit", _("农资要填写单位。"))
            if data.get("unit_price_yuan") is None:
                self.add_error("unit_price_yuan", _("农资要填写单价。"))
        return data


class EnrollForm(forms.Form):
    village_code = forms.RegexField(regex=r"^[A-Za-z0-9]{2,12}$", max_length=12, label=_("村代码"),
                                    error_messages={"invalid": _("村代码只能用字母和数字（2到12位），例如 LTA01。")})
    village_name = forms.CharField(max_length=30, required=False, label=_("村名"))

    def clean_village_code(self) -> str:
        return self.cleaned_data["village_code"].upper()


class OfflineImportForm(forms.Form):
    file = forms.FileField(label=_("村里U盘带来的同步文件"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        # The server (waitress) refuses request bodies over 16 MB before Django sees them.
        if f.size > 15 * 1024 * 1024:
            raise forms.ValidationError(_("文件太大（超过15MB），请在村里分几次导出。"))
        return f


class MonthForm(forms.Form):
    month = _month_field(required=True)

    def clean_month(self) -> str:
        return _check_month(self.cleaned_data.get("month", ""))


ROLE_CHOICES = [(CLERK, _("办事员")), (SUPERVISOR, _("主管"))]


class StaffCreateForm(UserCreationForm):
    """A new staff account with its role (Django's password hashing and validators)."""

    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("角色"))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name")
        labels = {"first_name": _("姓名")}


class StaffEditForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("角色"))
    active = forms.BooleanField(required=False, label=_("账号可用"))

"""Staff accounts (supervisor): create one with its role, change the role, disable, reset password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sync.township.console.access import supervisor_view
from sync.township.console.forms import StaffCreateForm, StaffEditForm
from sync.township.console.roles import CLERK, SUPERVISOR, role_of, set_role
from sync.township.console.views.common import paginate


@supervisor_view
def staff(request: HttpRequest) -> HttpResponse:
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    page = paginate(request, users)
    rows = [{"user": u, "role": role_of(u)} for u in page.object_list]
    return render(request, "console/staff.html", {"page": page, "rows": rows})


@supervisor_view
def staff_new(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        set_role(user, form.cleaned_data["role"])
        messages.success(request, _("账号 %(name)s 已建立。") % {"name": user.username})
        return redirect("console:staff")
    return render(request, "console/staff_form.html", {"form": form, "title": _("新建账号")},
                  status=400 if form.errors else 200)


@supervisor_view
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    role = role_of(user) or CLERK
    form = StaffEditForm(request.POST or None, initial={"role": role, "active": user.is_active}, prefix="r")
    pw_form = SetPasswordForm(user, request.POST or None, prefix="p") if request.POST.get("which") == "password" \
        else SetPasswordForm(user, prefix="p")
    if request.method == "POST" and request.POST.get("which") == "password":
        if pw_form.is_valid():
            pw_form.save()
            messages.success(request, _("%(name)s 的密码已重设。") % {"name": user.username})
            return redirect("console:staff")
    elif request.method == "POST" and form.is_valid():
        if user.pk == request.user.pk and (form.cleaned_data["role"] != SUPERVISOR or not form.cleaned_data["active"]):
            form.add_error("role", _("不能降低或停用自己的账号（以免没有主管）。"))
        else:
            if not user.is_superuser:
                set_role(user, form.cleaned_data["role"])
            user.is_active = form.cleaned_data["active"]
            user.save(update_fields=["is_active"])
            messages.success(request, _("%(name)s 的账号已更新。") % {"name": user.username})
            return redirect("console:staff")
    bad = bool(form.errors) or bool(pw_form.errors)
    return render(request, "console/staff_edit.html", {"form": form, "pw_form": pw_form, "target": user,
                                                       "role": role}, status=400 if bad else 200)

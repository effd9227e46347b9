"""Village devices: enroll one (one-time code and QR code), see its last sync, revoke it."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console.refusals import refusal_text
from sync.township.console.access import supervisor_view
from sync.township.console.forms import EnrollForm
from sync.township.console.views.common import paginate


@supervisor_view
def devices(request: HttpRequest) -> HttpResponse:
    week_ago = timezone.now() - timezone.timedelta(days=7)
    qs = (m.Device.objects.select_related("village").order_by("village__code", "-enrolled_at")
          .annotate(batches_week=Count("batches", filter=Q(batches__received_at__gte=week_ago))))
    page = paginate(request, qs)
    incidents = m.SyncIncident.objects.select_related("village", "device")[:10]
    return render(request, "console/devices.html", {"page": page, "form": EnrollForm(), "incidents": incidents})


@supervisor_view
def enroll(request: HttpRequest) -> HttpResponse:
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            code, row = ops.issue_enrollment_code(form.cleaned_data["village_code"],
                                                  village_name=form.cleaned_data["village_name"], user=request.user)
        except ops.TownshipError as exc:
            form.add_error("village_code", refusal_text(exc))
        else:
            url = request.build_absolute_uri("/").rstrip("/")
            qr = segno.make(ops.enrollment_qr_text(url, code), error="m")
            return render(request, "console/enroll_code.html", {
                "code": code, "village": row.village, "expires": row.expires_at, "url": url,
                "qr_svg": qr.svg_inline(scale=6, dark="#111", light="#fff")})
    return render(request, "console/enroll.html", {"form": form}, status=400 if form.errors else 200)


@supervisor_view
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(m.Device.objects.select_related("village"), pk=pk)
    ops.revoke_device(device)
    messages.success(request, _("已注销 %(village)s 村的设备 %(node)s，它不能再同步。")
                     % {"village": device.village.code, "node": device.node})
    return redirect("console:devices")

"""The errand page: the village's data, both sides' timeline, and the steps allowed now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sync.hlc import Timestamp
from sync.township import models as m
from sync.township import operations as ops
from sync.township.console.refusals import refusal_text
from sync.township.console.access import clerk_view
from sync.township.console.forms import RETURN_REASONS, NoteForm, StepForm
from sync.township.console.idnumber import mask
from sync.township.console.labels import status_label
from sync.township.console.views.common import actor
from sync.workflow import WORKFLOWS

TIMELINE_LIMIT = 300


def _when(hlc: str) -> dt.datetime | None:
    try:
        wall = Timestamp.decode(hlc).wall_ms
    except Exception:  # a malformed stamp is shown without a time rather than failing the page
        return None
    return timezone.localtime(dt.datetime.fromtimestamp(wall / 1000, tz=dt.timezone.utc))


def _timeline(errand: m.Errand) -> list[dict[str, Any]]:
    rows = (m.Event.objects.filter(entity_id=errand.entity_id, village_id=errand.village_id)
            .order_by("hlc", "event_id")[:TIMELINE_LIMIT])
    out = []
    for e in rows:
        side = "township" if e.origin.startswith(ops.TOWNSHIP_ORIGIN) else "village"
        if e.op == "create":
            what = _("登记")
        elif e.op == "status":
            what = status_label(errand.kind, str(e.data.get("to", "")))
        elif e.op == "note":
            what = _("备注")
        else:
            what = _("修改")
        out.append({"when": _when(e.hlc), "side": side, "what": what, "op": e.op, "applied": e.applied,
                    "reason": e.data.get("reason") or e.data.get("text") or "", "actor": e.actor})
    return out


def _presets(errand: m.Errand) -> list[str]:
    missing = [mat.get("name") for mat in errand.state.get("materials", [])
               if isinstance(mat, dict) and not mat.get("received") and mat.get("name")]
    return [_("缺少：%(item)s") % {"item": name} for name in missing] + [str(r) for r in RETURN_REASONS]


def steps_for(errand: m.Errand) -> list[str]:
    """The township steps offered for this errand: the workflow's, except 转县 for an item the
    township handles itself (only county-tier items go to the county)."""
    return [t for t in ops.allowed_steps(errand) if t != "forwarded" or errand.tier == "county"]


def _context(errand: m.Errand, step_form: StepForm | None = None, note_form: NoteForm | None = None
             ) -> dict[str, Any]:
    wf = WORKFLOWS[errand.kind]
    allowed = steps_for(errand)
    needs = {t for t in allowed if (s := wf.step(errand.status, t)) is not None and s.needs_reason}
    resident = m.Resident.objects.filter(entity_id=errand.resident_id).first() if errand.resident_id else None
    today = timezone.localdate().isoformat()
    return {
        "errand": errand, "resident": resident, "id_masked": mask(resident.id_number) if resident else "",
        "timeline": _timeline(errand), "plain_steps": [t for t in allowed if t not in needs],
        "reason_steps": [t for t in allowed if t in needs],
        "step_form": step_form or StepForm(allowed=allowed, needs_reason=needs, presets=_presets(errand)),
        "note_form": note_form or NoteForm(),
        "overdue": not errand.closed and errand.promised_date and errand.promised_date < today,
        "materials": [mat for mat in errand.state.get("materials", []) if isinstance(mat, dict)],
        "yuan": errand.amount_fen / 100, "paid_yuan": errand.paid_fen / 100,
    }


def _get(entity_id: str) -> m.Errand:
    errand = m.Errand.objects.select_related("village").filter(entity_id=entity_id).first()
    if errand is None:
        raise Http404(_("找不到这件代办事项。"))
    return errand


@clerk_view
def detail(request: HttpRequest, entity_id: str) -> HttpResponse:
    return render(request, "console/errand.html", _context(_get(entity_id)))


@clerk_view
@require_POST
def step(request: HttpRequest, entity_id: str) -> HttpResponse:
    errand = _get(entity_id)
    wf = WORKFLOWS[errand.kind]
    allowed = steps_for(errand)
    needs = {t for t in allowed if (s := wf.step(errand.status, t)) is not None and s.needs_reason}
    form = StepForm(request.POST, allowed=allowed, needs_reason=needs, presets=_presets(errand))
    if not form.is_valid():
        return render(request, "console/errand.html", _context(errand, step_form=form), status=400)
    target = form.cleaned_data["target"]
    try:
        ops.take_step(errand, target, reason=form.cleaned_data["full_reason"], actor=actor(request))
    except ops.TownshipError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("%(number)s 已改为“%(status)s”。村里下次同步时会看到。")
                         % {"number": errand.number, "status": status_label(errand.kind, target)})
    return redirect("console:errand", entity_id=entity_id)


@clerk_view
@require_POST
def note(request: HttpRequest, entity_id: str) -> HttpResponse:
    errand = _get(entity_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render(request, "console/errand.html", _context(errand, note_form=form), status=400)
    try:
        ops.add_note(errand, form.cleaned_data["text"], actor=actor(request))
    except ops.TownshipError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("备注已记下，村里下次同步时会看到。"))
    return redirect("console:errand", entity_id=entity_id)

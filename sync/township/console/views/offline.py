"""Offline (USB) batches: import a village's file and download the answer file for it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sync import protocol as p
from sync.township import operations as ops
from sync.township.console.refusals import refusal_text
from sync.township.console.access import supervisor_view
from sync.township.console.forms import OfflineImportForm
from sync.township.console.models import OfflineImport
from sync.township.console.views.common import download, paginate


@supervisor_view
def offline(request: HttpRequest) -> HttpResponse:
    form = OfflineImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            answer, summary = ops.import_file(upload.read())
        except ops.TownshipError as exc:
            form.add_error("file", refusal_text(exc))
        except p.ProtocolError as exc:
            form.add_error("file", refusal_text(exc))
        else:
            row = OfflineImport.objects.create(created_by=request.user, filename=upload.name[:200],
                                               village_code=summary["village"], summary=summary, answer=answer)
            messages.success(request, _("已导入 %(village)s 村的文件：新记录 %(stored)d 条，拒收 %(refused)d 条。"
                                        "请下载答复文件，用U盘带回村里导入。")
                             % {"village": summary["village"], "stored": summary["stored"],
                                "refused": summary["refused"]})
            return redirect("console:offline_done", pk=row.pk)
    page = paginate(request, OfflineImport.objects.defer("answer").select_related("created_by"), 20)
    return render(request, "console/offline.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)


@supervisor_view
def offline_done(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(OfflineImport.objects.defer("answer"), pk=pk)
    return render(request, "console/offline_done.html", {"row": row})


@supervisor_view
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(OfflineImport, pk=pk)
    # Named like ``township-center import`` names it: beside the original, with ``-answer``.
    stem, dot, suffix = row.filename.rpartition(".")
    name = f"{stem}-answer.{suffix}" if dot and stem else f"{row.filename or 'sync'}-answer"
    return download(bytes(row.answer), name, "application/octet-stream")

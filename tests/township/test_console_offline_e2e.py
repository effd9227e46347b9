"""A USB round trip through the console: the village exports a file, staff import it in the
console and download the answer, the village imports the answer (issue 5, item 8)."""

from __future__ import annotations

import pytest
from console_seed import user
import console_seed
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console.models import OfflineImport
from sync.township.console.roles import SUPERVISOR

pytestmark = pytest.mark.django_db(transaction=True)

# The shared fixtures (pytest finds them by name in this module).
supervisor = console_seed.supervisor


def test_usb_file_imported_in_console_and_answer_taken_back(enrolled, add_errands, tmp_path):
    from villageagent.services import sync as service
    from villageagent.storage import queries

    db = enrolled()
    ids = add_errands(db, 2)
    service.export_file(db, tmp_path / "lta01.vasync")
    staff = Client()
    staff.force_login(user("boss9", SUPERVISOR))
    raw = (tmp_path / "lta01.vasync").read_bytes()
    response = staff.post("/offline/", {"file": SimpleUploadedFile("lta01.vasync", raw)})
    assert response.status_code == 302
    row = OfflineImport.objects.get()
    assert row.summary["stored"] == 5 and m.Errand.objects.filter(entity_id__in=ids).count() == 2
    ops.take_step(ids[0], "accepted", actor="staff:boss9")
    # Importing the same file again changes nothing.
    staff.post("/offline/", {"file": SimpleUploadedFile("lta01.vasync", raw)})
    assert OfflineImport.objects.order_by("-id").first().summary["stored"] == 0
    answer = staff.get(f"/offline/{OfflineImport.objects.order_by('-id').first().pk}/answer/")
    assert answer.status_code == 200 and "lta01-answer.vasync" in answer["Content-Disposition"]
    (tmp_path / "answer.vasync").write_bytes(answer.content)
    service.import_answer(db, tmp_path / "answer.vasync")
    assert queries.get_errand(db, ids[0])["status"] == "accepted"
    tampered = bytearray(raw)
    tampered[len(tampered) // 2] ^= 0x01
    page = staff.post("/offline/", {"file": SimpleUploadedFile("bad.vasync", bytes(tampered))})
    assert page.status_code == 400 and OfflineImport.objects.count() == 2

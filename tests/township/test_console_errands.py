"""The errand page and batch steps: each action becomes one township event; a refused action
stores nothing and says why beside the field."""

from __future__ import annotations

import pytest
from console_seed import errand, resident
import console_seed

from sync.township import models as m
from sync.township import operations as ops

pytestmark = pytest.mark.django_db

# The shared fixtures (pytest finds them by name in this module).
clerk = console_seed.clerk
clerk_client = console_seed.clerk_client


def _township_events(eid: str) -> list[m.Event]:
    return list(m.Event.objects.filter(entity_id=eid, origin=ops.TOWNSHIP_ORIGIN).order_by("seq"))


def test_page_shows_village_data_timeline_and_allowed_steps(clerk_client):
    rid = resident("LTA01", name="张桂英")
    eid = errand("LTA01", rid)
    page = clerk_client.get(f"/errands/{eid}/")
    html = page.content.decode()
    assert "张桂英" in html and "老年优待证办理" in html and "近期一寸免冠照片2张" in html
    assert page.context["plain_steps"] == ["accepted"] and page.context["reason_steps"] == ["returned"]
    assert [t["side"] for t in page.context["timeline"]] == ["village", "village"]
    assert "缺少：近期一寸免冠照片2张" in html  # the missing material offered as a reason


def test_accept_then_ready_each_one_event_with_actor(clerk_client):
    eid = errand("LTA01", resident("LTA01"))
    response = clerk_client.post(f"/errands/{eid}/step/", {"target": "accepted"})
    assert response.status_code == 302
    clerk_client.post(f"/errands/{eid}/step/", {"target": "ready"})
    events = _township_events(eid)
    assert [e.data["to"] for e in events] == ["accepted", "ready"]
    assert all(e.actor == "staff:clerk1" for e in events)
    errand_row = m.Errand.objects.get(entity_id=eid)
    assert errand_row.status == "ready" and errand_row.done_date
    page = clerk_client.get(f"/errands/{eid}/")
    assert [t["side"] for t in page.context["timeline"]][-2:] == ["township", "township"]


def test_return_without_reason_refused_beside_field_nothing_stored(clerk_client):
    eid = errand("LTA01", resident("LTA01"))
    page = clerk_client.post(f"/errands/{eid}/step/", {"target": "returned", "preset": "", "reason": "  "})
    assert page.status_code == 400
    assert "请选择或填写原因" in page.context["step_form"].errors["reason"][0]
    assert _township_events(eid) == []
    assert m.Errand.objects.get(entity_id=eid).status == "submitted"


def test_return_with_preset_and_typed_reason(clerk_client):
    eid = errand("LTA01", resident("LTA01"))
    clerk_client.post(f"/errands/{eid}/step/", {"target": "returned", "preset": "缺少户口簿复印件",
                                               "reason": "周五前补交"})
    row = m.Errand.objects.get(entity_id=eid)
    assert row.status == "returned" and row.reason == "缺少户口簿复印件；周五前补交"
    clerk_client.post(f"/errands/{eid}/step/", {"target": "returned", "preset": "__other__", "reason": "x"})
    assert len(_township_events(eid)) == 1  # a second return is no longer allowed: refused, nothing stored


def test_step_not_allowed_now_is_refused(clerk_client):
    eid = errand("LTA01", resident("LTA01"), steps=())  # still 已收件 in the village
    page = clerk_client.post(f"/errands/{eid}/step/", {"target": "accepted"})
    assert page.status_code == 400 and "不能办理" in page.content.decode()
    assert _township_events(eid) == []


def test_note_needs_text(clerk_client):
    eid = errand("LTA01", resident("LTA01"))
    assert clerk_client.post(f"/errands/{eid}/note/", {"text": ""}).status_code == 400
    assert _township_events(eid) == []
    clerk_client.post(f"/errands/{eid}/note/", {"text": "已电话联系"})
    assert [e.op for e in _township_events(eid)] == ["note"]


def test_unknown_errand_is_404(clerk_client):
    assert clerk_client.get("/errands/nope/").status_code == 404


def test_batch_accept_reports_each(clerk_client):
    rid = resident("LTA01")
    ok1, ok2 = errand("LTA01", rid), errand("LTA01", rid)
    not_yet = errand("LTA01", rid, steps=())
    response = clerk_client.post("/errands/batch/", {"ids": [ok1, ok2, not_yet], "target": "accepted",
                                                     "back": "status=open"}, follow=True)
    texts = [str(msg) for msg in response.context["messages"]]
    assert any("已办理 2 件" in t for t in texts) and any("不能改为" in t for t in texts)
    assert {m.Errand.objects.get(entity_id=i).status for i in (ok1, ok2)} == {"accepted"}
    assert m.Errand.objects.get(entity_id=not_yet).status == "received"


def test_batch_return_needs_reason_and_selection(clerk_client):
    eid = errand("LTA01", resident("LTA01"))
    response = clerk_client.post("/errands/batch/", {"ids": [eid], "target": "returned", "reason": ""}, follow=True)
    assert any("批量退回时请填写原因" in str(x) for x in response.context["messages"])
    response = clerk_client.post("/errands/batch/", {"target": "accepted"}, follow=True)
    assert any("请先勾选" in str(x) for x in response.context["messages"])
    assert _township_events(eid) == []


def test_forward_to_county_only_for_county_items(clerk_client):
    rid = resident("LTA01")
    local = errand("LTA01", rid)  # tier township (老年优待证办理)
    ops.take_step(local, "accepted")
    page = clerk_client.get(f"/errands/{local}/")
    assert "forwarded" not in page.context["plain_steps"]
    assert clerk_client.post(f"/errands/{local}/step/", {"target": "forwarded"}).status_code == 400
    county = errand("LTA01", rid, tier="county")
    ops.take_step(county, "accepted")
    assert "forwarded" in clerk_client.get(f"/errands/{county}/").context["plain_steps"]
    response = clerk_client.post("/errands/batch/", {"ids": [local, county], "target": "forwarded"}, follow=True)
    assert any("不能转县" in str(x) for x in response.context["messages"])
    assert m.Errand.objects.get(entity_id=county).status == "forwarded"
    assert m.Errand.objects.get(entity_id=local).status == "accepted"


def test_refusals_in_english_when_switched(clerk_client):
    eid = errand("LTA01", resident("LTA01"), steps=())
    clerk_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = clerk_client.post("/errands/batch/", {"ids": [eid], "target": "accepted"}, follow=True)
    texts = [str(x) for x in response.context["messages"]]
    assert any("not possible from the errand's current status" in t for t in texts), texts

"""The inbox: newest first, filters with counts, search by name/initials/number/ID digits,
overdue rows marked, paging, and bad filter input reported beside the field."""

from __future__ import annotations

import datetime as dt

import pytest
from console_seed import errand, id_number, resident
import console_seed
from django.utils import timezone

from sync.township import models as m
from sync.township.console import queries

pytestmark = pytest.mark.django_db

# The shared fixtures (pytest finds them by name in this module).
clerk = console_seed.clerk
clerk_client = console_seed.clerk_client


@pytest.fixture
def fixed_day(monkeypatch):
    day = dt.date(2026, 3, 16)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
    return day


def _numbers(page) -> list[str]:
    return [row["errand"].number for row in page.context["rows"]]


def test_newest_first_and_open_only_by_default(clerk_client, fixed_day):
    rid = resident("LTA01")
    old = errand("LTA01", rid, created="2026-03-01")
    new = errand("LTA01", rid, created="2026-03-12")
    done = errand("LTA01", rid, created="2026-03-13")
    from sync.township import operations as ops

    ops.take_step(done, "accepted")
    ops.take_step(done, "ready")
    page = clerk_client.get("/")
    got = [row["errand"].entity_id for row in page.context["rows"]]
    assert got == [new, old]  # the finished one is not in the default (open) view
    everything = clerk_client.get("/?status=all")
    assert [row["errand"].entity_id for row in everything.context["rows"]][0] == done


def test_filters_and_counts(clerk_client, fixed_day):
    a = resident("LTA01")
    b = resident("LTB02", name="李四")
    errand("LTA01", a, promised="2026-03-10")  # overdue
    errand("LTA01", a, promised="2026-03-17")  # due soon
    errand("LTB02", b, promised="2026-04-30")
    errand("LTB02", b, kind="farm_supply", item_code="N001", item_name="复合肥", steps=(), quantity=2, unit="袋",
           amount_fen=30000, promised="2026-04-30")
    page = clerk_client.get("/?village=LTA01")
    assert len(page.context["rows"]) == 2
    counts = page.context["counts"]
    assert counts["village"] == {"LTA01": 2, "LTB02": 2}  # the village filter's own choices keep their counts
    assert counts["due"] == {"overdue": 1, "soon": 1}
    assert counts["kind"] == {"certificate": 2}
    overdue = clerk_client.get("/?due=overdue")
    rows = overdue.context["rows"]
    assert len(rows) == 1 and rows[0]["overdue"] is True
    assert 'class="overdue"' in overdue.content.decode()
    assert len(clerk_client.get("/?kind=farm_supply").context["rows"]) == 1
    assert len(clerk_client.get("/?due=soon").context["rows"]) == 1
    assert len(clerk_client.get("/?month=2026-03").context["rows"]) == 4
    assert len(clerk_client.get("/?month=2026-02").context["rows"]) == 0


def test_search_by_name_initials_number_and_id_digits(clerk_client, fixed_day):
    zhang = resident("LTA01", name="张桂英", number=id_number(seq=123))
    wang = resident("LTA01", name="王建国", number=id_number(seq=456))
    e1 = errand("LTA01", zhang)
    e2 = errand("LTA01", wang)
    number = m.Errand.objects.get(entity_id=e2).number

    def found(q: str) -> set[str]:
        return {row["errand"].entity_id for row in clerk_client.get("/", {"q": q, "status": "open"}).context["rows"]}

    assert found("zgy") == {e1}
    assert found("ZG") == {e1}
    assert found("王建") == {e2}
    assert found(number) == {e2}
    assert found(id_number(seq=123)[-4:]) == {e1}
    assert found("xyz") == set()


def test_renamed_resident_initials_follow(db):
    rid = resident("LTA01", name="张桂英")
    queries.refresh_resident_keys()
    m.Resident.objects.filter(entity_id=rid).update(name="李桂英")
    assert queries.refresh_resident_keys() == 1
    from sync.township.console.models import ResidentKey

    assert ResidentKey.objects.get(entity_id=rid).initials == "lgy"


def test_paging(clerk_client, fixed_day):
    rid = resident("LTA01")
    for n in range(55):
        errand("LTA01", rid, created=f"2026-03-{1 + n % 28:02d}")
    first = clerk_client.get("/")
    second = clerk_client.get("/?page=2")
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 5
    assert set(_numbers(first)).isdisjoint(_numbers(second))
    assert len(clerk_client.get("/?page=999").context["rows"]) == 5  # past the end: the last page
    assert "第 1 / 2 页" in first.content.decode()


def test_bad_month_is_reported_beside_the_field(clerk_client, fixed_day):
    rid = resident("LTA01")
    errand("LTA01", rid)
    page = clerk_client.get("/?month=2026-13&village=LTA01")
    html = page.content.decode()
    assert page.status_code == 200 and "月份应写成 2026-03 这样" in html
    assert 'class="field has-error"' in html
    assert len(page.context["rows"]) == 1  # the valid filters still apply


def test_masked_id_numbers_only(clerk_client, fixed_day):
    number = id_number(seq=77)
    rid = resident("LTA01", number=number)
    errand("LTA01", rid)
    html = clerk_client.get("/").content.decode()
    assert number not in html and number[:6] + "********" + number[-4:] in html

"""Township-side moves for the campaign, run inside the township's Django (``TOWNSHIP_HOME``):

    python -m bench.faultlib.township_ops step TARGET ENTITY_ID...     (one township step each)
    python -m bench.faultlib.township_ops device VILLAGE NODE        -> prints a device token
    python -m bench.faultlib.township_ops revoke NODE
    python -m bench.faultlib.township_ops user NAME PASSWORD ROLE    (clerk | supervisor)
    python -m bench.faultlib.township_ops tamper FILE COUNT SEED     -> JSON counts
    python -m bench.faultlib.township_ops steps-of ENTITY_ID         -> JSON list of (hlc, to)
    python -m bench.faultlib.township_ops pages                      -> JSON list of console pages

Each prints one JSON line (or the token) and exits 0; a failure prints the error and exits 1.
"""

from __future__ import annotations

import json
import os
import random
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.township.settings")
    import django

    django.setup()


def main(argv: list[str]) -> int:
    _setup()
    from sync.township import models as m
    from sync.township import operations as ops

    cmd, args = argv[0], argv[1:]
    if cmd == "step":
        target = args[0]
        reason = "材料不全：缺户口簿复印件" if target == "returned" else ""
        done = [ops.take_step(eid, target, reason=reason, actor="campaign").status for eid in args[1:]]
        print(json.dumps({"done": len(done)}))
    elif cmd == "device":
        code, _ = ops.issue_enrollment_code(args[0], village_name=args[0])
        _, token = ops.enroll_device(code, node=args[1], village_code=args[0])
        print(token)
    elif cmd == "revoke":
        for d in m.Device.objects.filter(node=args[0]):
            ops.revoke_device(d)
        print(json.dumps({"revoked": args[0]}))
    elif cmd == "user":
        from django.contrib.auth import get_user_model

        User = get_user_model()
        user, _ = User.objects.get_or_create(username=args[0])
        user.set_password(args[1])
        user.is_staff = args[2] == "supervisor"
        user.save()
        try:
            from sync.township.console.roles import set_role

            set_role(user, args[2])
            print(json.dumps({"user": args[0], "role": args[2]}))
        except ImportError:
            print(json.dumps({"user": args[0], "role": "none (no console)"}))
    elif cmd == "pages":
        print(json.dumps(console_pages()))
    elif cmd == "tamper":
        print(json.dumps(tamper(args[0], int(args[1]), int(args[2]))))
    elif cmd == "steps-of":
        rows = m.Event.objects.filter(entity_id=args[0], entity="errand").order_by("hlc")
        print(json.dumps([[e.hlc, e.op, (e.data or {}).get("to", "")] for e in rows]))
    else:
        print(f"unknown command {cmd}", file=sys.stderr)
        return 1
    return 0


def console_pages() -> list[dict[str, str]]:
    """Every console page (path with real ids filled in) and the role its view asks for, read
    from the views' decorators; an empty list when there is no console."""
    import importlib
    import inspect
    import re

    from django.contrib.auth import get_user_model
    from django.urls import URLPattern

    from sync.township import models as m

    try:
        cu = importlib.import_module("sync.township.console.urls")
    except ImportError:
        return []
    errand = m.Errand.objects.first()
    device = m.Device.objects.first()
    user = get_user_model().objects.first()
    values = {"entity_id": errand.entity_id if errand else "00000000-0000-0000-0000-000000000000",
              "pk": str(device.pk if device else 1), "code": "Z001"}
    out = []
    for pat in cu.urlpatterns:
        if not isinstance(pat, URLPattern) or pat.name in (None, "login", "logout"):
            continue
        func = inspect.unwrap(pat.callback)
        source = inspect.getsource(inspect.getmodule(func))
        found = re.search(r"@(clerk_view|supervisor_view)\s*\n(?:@[^\n]*\n)*def " + func.__name__ + r"\b", source)
        role = found.group(1).split("_")[0] if found else "public"
        route = str(pat.pattern)
        if pat.name == "staff_edit" and user:
            route = route.replace("<int:pk>", str(user.pk))
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda mm: values.get(mm.group(1), "1"), route)
        out.append({"name": pat.name, "path": "/" + route, "role": role})
    return out


def tamper(path: str, count: int, seed: int) -> dict[str, int]:
    """Import ``count`` copies of a USB file, each with one byte changed (or cut short): every one
    must be refused and none may store anything."""
    from sync import protocol as p
    from sync.township import models as m
    from sync.township import operations as ops

    raw = open(path, "rb").read()
    rng = random.Random(seed)
    before = m.Event.objects.count()
    out = {"tried": 0, "refused": 0, "accepted": 0, "crashed": 0, "stored": 0}
    for i in range(count):
        data = bytearray(raw)
        if i % 10 == 9:
            data = data[: rng.randrange(len(data))]  # a file cut short (USB pulled out)
        else:
            pos = rng.randrange(len(data))
            data[pos] = (data[pos] + 1 + rng.randrange(255)) % 256
        out["tried"] += 1
        try:
            ops.import_file(bytes(data))
            out["accepted"] += 1
        except (p.ProtocolError, ops.TownshipError):
            out["refused"] += 1
        except Exception:  # noqa: BLE001 - counted: the campaign's point is that there are none
            out["crashed"] += 1
    out["stored"] = m.Event.objects.count() - before
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The ``villageagent`` command. With no subcommand it opens the desktop app.

- A user's mistake prints one plain line and exits non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from villageagent.domain.errors import VillageError, language

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _say(zh: str, en: str) -> str:
    return en if language() == "en" else zh


def command(name: str):
    def inner(fn: Callable[[argparse.Namespace], int]):
        _COMMANDS[name] = fn
        return fn
    return inner


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="villageagent", description=_say(
        "村代办：村级代办员的事项登记、回执打印与乡镇同步。不带子命令时打开桌面程序。",
        "VillageAgent: the village cadre's errand book. With no subcommand it opens the desktop app."))
    sub = p.add_subparsers(dest="command")
    d = sub.add_parser("demo", help=_say("生成一个演示村（空数据目录才可以）", "fill an empty data folder with a demo village"))
    d.add_argument("--errands", type=int, default=300)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--village-only", action="store_true", help=_say(
        "只生成村里自己办的步骤（不含模拟的乡镇答复），用来和乡镇服务中心一起试用同步",
        "only the village's own steps (no simulated township answers): for trying sync with a township center"))
    s = sub.add_parser("search", help=_say("查找村民和事项", "search residents and errands"))
    s.add_argument("text")
    s.add_argument("--json", action="store_true")
    m = sub.add_parser("summary", help=_say("月度汇总表", "monthly summary table"))
    m.add_argument("--month", default=None, help="YYYY-MM")
    m.add_argument("--json", action="store_true")
    sub.add_parser("backup", help=_say("立即备份", "make a backup now"))
    r = sub.add_parser("restore", help=_say("从备份文件恢复（先自动备份当前数据）", "put a backup back"))
    r.add_argument("file", nargs="?", help=_say("备份文件；不写则用最近的备份", "a backup file; the latest when left out"))
    sub.add_parser("overdue", help=_say("超期和即将到期的事项", "overdue and due-soon errands"))
    for extend in _extensions():
        extend(sub)
    return p


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands contributed by other parts (sync, screenshots) without a god module."""
    found = []
    for module in ("villageagent.sync_cli", "villageagent.ui.cli"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        found.append(mod.register)
    return found


def _open():
    from villageagent.services.backups import open_village_db

    return open_village_db()


@command("demo")
def _demo(args: argparse.Namespace) -> int:
    from villageagent.services.demo import build_demo
    from villageagent import paths

    if args.errands < 0 or args.errands > 1_000_000:
        print(_say("--errands 应在0到1000000之间。", "--errands must be between 0 and 1000000."), file=sys.stderr)
        return 2
    db = _open()
    try:
        if db.execute("select count(*) from events").fetchone()[0]:
            print(_say(f"这个数据目录（{paths.home()}）里已经有数据，演示村只能建在空目录里，已有数据没有改动。"
                       "可以设置 VILLAGEAGENT_HOME 指向一个新目录再试。",
                       f"The data folder {paths.home()} already has data; the demo needs an empty one. Nothing changed."),
                  file=sys.stderr)
            return 2
        counts = build_demo(db, errands=args.errands, seed=args.seed, township=not args.village_only)
    finally:
        db.close()
    print(_say(f"演示村“枫林村”已建好：村民{counts['residents']}人，事项{counts['errands']}件，数据目录 {paths.home()}",
               f"Demo village ready: {counts['residents']} residents, {counts['errands']} errands, in {paths.home()}"))
    return 0


@command("search")
def _search(args: argparse.Namespace) -> int:
    from villageagent.domain.identity import mask_id_number
    from villageagent.services.errands import search
    from sync.workflow import status_label

    db = _open()
    try:
        result = search(db, args.text)
    finally:
        db.close()
    if args.json:
        print(json.dumps({"residents": [{"name": r["name"], "id": mask_id_number(r["id_number"]), "group": r["grp"]}
                                        for r in result.residents],
                          "errands": [{"number": e["number"], "resident": e["resident_name"], "item": e["item_name"],
                                       "status": e["status"], "promised_date": e["promised_date"]}
                                      for e in result.errands]}, ensure_ascii=False, indent=1))
        return 0
    if not result.residents and not result.errands:
        print(_say(f"没有找到“{args.text}”。", f"Nothing found for \"{args.text}\"."))
        return 1
    for r in result.residents:
        print(f"{r['name']}\t{mask_id_number(r['id_number'])}\t{r['grp']}\t{r['phone'][:3]}****{r['phone'][-4:] if r['phone'] else ''}")
    for e in result.errands:
        print(f"{e['number']}\t{e['resident_name']}\t{mask_id_number(e['resident_id_number'] or '')}\t"
              f"{e['item_name']}\t{status_label(e['kind'], e['status'], language())}\t{e['promised_date']}")
    return 0


@command("summary")
def _summary(args: argparse.Namespace) -> int:
    from villageagent.services.reports import monthly_summary
    from villageagent.domain.money import format_fen
    from sync.workflow import KIND_ZH, KIND_EN, status_label

    db = _open()
    try:
        s = monthly_summary(db, args.month)
    finally:
        db.close()
    en = language() == "en"
    kinds = KIND_EN if en else KIND_ZH
    if args.json:
        print(json.dumps({"month": s.month, "received": s.received, "completed_on_time": s.completed_on_time,
                          "completed_late": s.completed_late, "overdue": s.overdue_now,
                          "kinds": {k: {"received": v.received, "by_status": v.by_status,
                                        "on_time": v.completed_on_time, "late": v.completed_late,
                                        "overdue": v.overdue_now, "amount_fen": v.amount_fen} for k, v in s.kinds.items()},
                          "supplies": s.supplies, "subsidies_paid_fen": s.subsidies_paid_fen, "logs": s.logs},
                         ensure_ascii=False, indent=1))
        return 0
    print(_say(f"{s.month} 月度汇总表（超期截至 {s.as_of}）", f"Monthly summary {s.month} (overdue as of {s.as_of})"))
    print(_say("类型\t受理\t按时办结\t超时办结\t超期未办\t金额(元)", "kind\treceived\ton time\tlate\toverdue\tamount (yuan)"))
    for k, v in s.kinds.items():
        print(f"{kinds[k]}\t{v.received}\t{v.completed_on_time}\t{v.completed_late}\t{v.overdue_now}\t{format_fen(v.amount_fen)}")
        detail = "，".join(f"{status_label(k, st, language())}{n}" for st, n in v.by_status.items() if n)
        if detail:
            print(f"  {detail}")
    print(_say(f"合计\t{s.received}\t{s.completed_on_time}\t{s.completed_late}\t{s.overdue_now}",
               f"total\t{s.received}\t{s.completed_on_time}\t{s.completed_late}\t{s.overdue_now}"))
    for line in s.supplies:
        print(f"  {line['item_name']}\t{line['households']}户\t{line['quantity']:g}{line['unit']}\t{format_fen(line['amount_fen'])}元")
    from villageagent.domain.errand import LOG_TYPE_ZH
    logs = "，".join(f"{LOG_TYPE_ZH.get(t, t)}{n}" for t, n in sorted(s.logs.items()))
    print(_say(f"补贴已发放 {s.subsidies_paid_count} 笔 {format_fen(s.subsidies_paid_fen)}元；其他记录：{logs or '无'}",
               f"Subsidies paid: {s.subsidies_paid_count}, {format_fen(s.subsidies_paid_fen)} yuan; logs: {s.logs}"))
    return 0


@command("overdue")
def _overdue(args: argparse.Namespace) -> int:
    from villageagent.services.errands import due_soon, overdue
    from villageagent.domain.identity import mask_id_number

    db = _open()
    try:
        late, soon = overdue(db), due_soon(db)
    finally:
        db.close()
    print(_say(f"超期 {len(late)} 件，2天内到期 {len(soon)} 件", f"{len(late)} overdue, {len(soon)} due within 2 days"))
    for e in late + soon:
        print(f"{e['number']}\t{e['resident_name']}\t{mask_id_number(e['resident_id_number'] or '')}\t{e['item_name']}\t{e['promised_date']}")
    return 0


@command("backup")
def _backup(args: argparse.Namespace) -> int:
    from villageagent.services.backups import backup

    db = _open()
    try:
        path = backup(db)
    finally:
        db.close()
    print(_say(f"已备份到 {path}", f"Backed up to {path}"))
    return 0


@command("restore")
def _restore(args: argparse.Namespace) -> int:
    from villageagent.services.backups import latest_backup, restore

    source = Path(args.file) if args.file else latest_backup()
    if source is None:
        print(_say("没有找到可用的备份。", "No usable backup was found."), file=sys.stderr)
        return 2
    safety = restore(source)
    print(_say(f"已恢复。恢复前的数据另存在 {safety}", f"Restored. The data before the restore is kept in {safety}"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from villageagent.app import run

            return run()
        handler = _COMMANDS.get(args.command) or getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return 2
        return handler(args)
    except VillageError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""``villageagent enroll`` and ``villageagent sync`` (also ``--export FILE`` / ``--import FILE``).

- Usable without the window (a scheduled task); prints what moved; exits non-zero with a plain
  message when the sync could not finish.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from villageagent.domain.errors import language


def _say(zh: str, en: str) -> str:
    return en if language() == "en" else zh


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("enroll", help=_say("用乡镇给的登记码把本机登记到乡镇中心", "enroll this laptop with the township"))
    e.add_argument("url", help=_say("乡镇中心地址，例如 http://192.168.1.10:8000", "township address"))
    e.add_argument("code", help=_say("一次性登记码，例如 ABCD-EFGH", "one-time enrollment code"))
    e.add_argument("--fingerprint", default=None,
                   help=_say("HTTPS证书指纹（乡镇提供时填写）", "expected HTTPS certificate fingerprint"))
    e.set_defaults(handler=_enroll)
    s = sub.add_parser("sync", help=_say("现在同步一次：上传、下载、核对", "sync now: push, pull, check"))
    g = s.add_mutually_exclusive_group()
    g.add_argument("--export", metavar="FILE", help=_say("没有网络时：把待上传的记录写到U盘文件", "write a USB file"))
    g.add_argument("--import", dest="import_", metavar="FILE",
                   help=_say("导入乡镇给回的答复文件", "import the township's answer file"))
    s.add_argument("--json", action="store_true", help=_say("以JSON输出结果", "print the result as JSON"))
    s.set_defaults(handler=_sync)


def _open():
    from villageagent.services.backups import open_village_db

    return open_village_db()


def _enroll(args: argparse.Namespace) -> int:
    from villageagent.services.sync import enroll

    db = _open()
    try:
        conn = enroll(db, args.url, args.code, fingerprint=args.fingerprint)
    finally:
        db.close()
    print(_say(f"已登记到乡镇中心 {conn.url}（{conn.village}村）。现在可以运行 villageagent sync 同步。",
               f"Enrolled with {conn.url} (village {conn.village}). Run villageagent sync now."))
    return 0


def _count(n: int, noun: str) -> str:
    """``1 waiting record``, ``2 waiting records`` (English only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _sync(args: argparse.Namespace) -> int:
    from villageagent.services import sync as service

    db = _open()
    try:
        if args.export:
            result = service.export_file(db, Path(args.export))
            if args.json:
                print(json.dumps(result, ensure_ascii=False))
            else:
                print(_say(f"已写出 {result['events']} 条待上传记录到 {args.export}（{result['bytes']} 字节）。"
                           "请把文件交给乡镇导入，再把乡镇给回的答复文件用 --import 导入。",
                           f"Wrote {_count(result['events'], 'waiting record')} to {args.export} "
                           f"({result['bytes']} bytes). Take the file to the township to import, then import the "
                           "township's answer file with --import."))
            return 0
        if args.import_:
            report = service.import_answer(db, Path(args.import_))
        else:
            report = service.sync_now(db, progress=None if args.json else _progress)
    finally:
        db.close()
    if args.json:
        print(json.dumps(report.summary(), ensure_ascii=False))
        return 0 if report.check_ok is not False else 1
    print(_say(f"同步完成：上传 {report.pushed} 条，下载 {report.pulled} 条，"
               f"被乡镇拒收 {report.refused} 条，还有 {report.waiting} 条待上传。",
               f"Sync done: {report.pushed} sent, {report.pulled} received, {report.refused} refused, "
               f"{report.waiting} waiting."))
    if report.quarantined:
        print(_say(f"有 {report.quarantined} 条记录被乡镇拒收，已单独放着，请在程序的“同步”菜单里查看原因。",
                   f"Records refused by the township: {report.quarantined}. They are kept aside; see the reasons "
                   "under Sync > Refused records in the app."))
    if report.check_ok is False:
        print(_say("核对发现本村和乡镇的数据不一致，已记录并尝试修复，请稍后再同步一次。",
                   "The check found a difference with the township; it was logged and repaired. Sync again later."),
              file=sys.stderr)
        return 1
    if report.repaired:
        print(_say("核对发现过不一致，已自动修复并记录。", "A difference was found, repaired and logged."))
    return 0


def _progress(report) -> None:
    if not (report.pushed or report.pulled):
        return  # a quiet sync says only its result
    print(_say(f"  …已上传 {report.pushed} 条，已下载 {report.pulled} 条",
               f"  … {report.pushed} sent, {report.pulled} received"), flush=True)

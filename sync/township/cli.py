"""The ``township-center`` command: init, serve, enroll, import, stats, devices, revoke.

- ``init`` creates the database and the first staff account (``--admin-user``/``--admin-password``
  for scripts; asks otherwise).
- ``serve`` runs the production WSGI server (waitress, which also runs on Windows); with
  ``--cert``/``--key`` it serves HTTPS (see docs/sync-protocol.md for making a certificate).
- ``enroll VILLAGE`` prints a one-time code on its last line (and a QR code with ``--url``).
- A user's mistake prints one plain line and exits non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.township.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="township-center", description="乡镇中心：接收各村同步的数据，办理代办事项。")
    sub = p.add_subparsers(dest="command")
    i = sub.add_parser("init", help="建立数据库和第一个管理员账号")
    i.add_argument("--admin-user")
    i.add_argument("--admin-password")
    s = sub.add_parser("serve", help="启动服务（waitress）")
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--threads", type=int, default=6)
    s.add_argument("--cert", help="HTTPS 证书文件（PEM）")
    s.add_argument("--key", help="HTTPS 私钥文件（PEM）")
    e = sub.add_parser("enroll", help="为一个村的电脑生成一次性登记码（最后一行是登记码）")
    e.add_argument("village", help="村代码，例如 LTA01")
    e.add_argument("--name", default="", help="村名")
    e.add_argument("--url", default="", help="乡镇中心地址（给出时同时显示二维码）")
    e.add_argument("--qr", default="", help="把二维码另存为图片文件（.png 或 .svg）")
    m = sub.add_parser("import", help="导入村里用U盘带来的同步文件，并写出答复文件")
    m.add_argument("file")
    m.add_argument("--answer", default="", help="答复文件的保存位置（默认在原文件旁边）")
    sub.add_parser("stats", help="各村事项按状态统计（JSON）")
    sub.add_parser("devices", help="列出已登记的电脑")
    r = sub.add_parser("revoke", help="注销一台电脑的登记")
    r.add_argument("device_id", type=int)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 2
    _setup()
    from sync.township.operations import TownshipError

    try:
        return _COMMANDS[args.command](args)
    except TownshipError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _init(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from sync.township.settings import HOME

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    name = args.admin_user or input("管理员用户名：").strip()
    if not name:
        print("没有填写用户名，未创建账号。", file=sys.stderr)
        return 2
    if User.objects.filter(username=name).exists():
        print(f"数据库已就绪（{HOME}）。账号 {name} 已经存在，没有改动。")
        return 0
    password = args.admin_password
    if password is None:
        password = getpass.getpass("密码：")
        if getpass.getpass("再输一次：") != password:
            print("两次输入的密码不一致，未创建账号。", file=sys.stderr)
            return 2
    if not password:
        print("密码不能为空，未创建账号。", file=sys.stderr)
        return 2
    User.objects.create_superuser(username=name, password=password, email="")
    print(f"数据库已就绪（{HOME}），管理员账号 {name} 已创建。")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from sync.township.wsgi import application

    if bool(args.cert) != bool(args.key):
        print("HTTPS 需要同时给出 --cert 和 --key。", file=sys.stderr)
        return 2
    scheme = "https" if args.cert else "http"
    from django.urls import get_resolver

    from sync.township import lane as lanes
    from sync.township.store import Projector

    get_resolver().url_patterns  # noqa: B018 - load every view now, not in the first village's sync
    _fewer_collections()
    projector = Projector().start()  # console tables follow the pushes in the background (see store.py)
    lanes.start()  # the villages' sync round trips on one thread and connection (see lane.py)
    print(f"乡镇中心已启动：{scheme}://{args.host}:{args.port}/ （按 Ctrl+C 停止）", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager: the same as Ctrl+C
    try:
        if args.cert:
            from sync.township.tls import serve_https

            serve_https(application, args.host, args.port, args.cert, args.key, threads=args.threads)
            return 0
        from waitress.server import create_server

        logging.basicConfig()
        # A push body is read in 256 KiB pieces rather than waitress's 8 KiB: each piece is a turn of
        # its I/O thread, which takes the interpreter from the worker storing the previous push
        # (measured: a 10k push 0.50-0.57 s against 0.52-0.73 s, three runs each, alternating).
        server = create_server(application, host=args.host, port=args.port, threads=args.threads,
                               ident="township-center", max_request_body_size=16 * 1024 * 1024,
                               recv_bytes=256 * 1024)
        _open_worker_databases(server.task_dispatcher, args.threads)
        from sync.township.api import LANE_PATHS

        lanes.route_sync_requests(server, LANE_PATHS)
        server.run()
        return 0
    finally:
        lanes.stop()
        # What was acknowledged but not yet projected is projected now (for a few seconds at
        # most; anything left is projected at the next start).
        projector.stop()
        projector.finish(seconds=5.0)


class _OpenDatabase:
    """A start-up task for one of waitress's worker threads: open its database connection now.

    - Each worker keeps its own connection (``CONN_MAX_AGE``), and waitress hands requests to its
      threads in turn, so after a start the first request on each thread paid for opening one:
      ~2.5 million CPU instructions (~1.5 ms) each, for the first six sync round trips (measured
      with a hardware counter). The query makes SQLite read the schema too.
    - Every task waits for the others (``barrier``), so each thread takes exactly one; for at most
      ``WAIT`` seconds, so a database that is slow to answer holds the other threads (and a stop
      right after the start) no longer than that.
    """

    WAIT = 0.5

    def __init__(self, barrier: "threading.Barrier"):
        self.barrier = barrier

    def service(self) -> None:
        from sync.township.lane import open_database

        try:
            open_database()
        finally:
            try:
                self.barrier.wait(timeout=self.WAIT)
            except threading.BrokenBarrierError:
                pass

    def cancel(self) -> None:  # waitress calls this for a task still queued at shutdown
        self.barrier.abort()


def _open_worker_databases(dispatcher: Any, threads: int) -> None:
    barrier = threading.Barrier(threads)
    # Queued before the threads are idle: waitress would warn of a queue that is not one.
    queue_log = logging.getLogger("waitress.queue")
    level = queue_log.level
    queue_log.setLevel(logging.ERROR)
    try:
        for _ in range(threads):
            dispatcher.add_task(_OpenDatabase(barrier))
    finally:
        queue_log.setLevel(level)


def _fewer_collections() -> None:
    """The server's code and settings are loaded for good: the garbage collector stops looking at
    them (``gc.freeze``), and it runs after 20,000 new objects instead of 700. A push builds and
    drops tens of thousands of short-lived objects per request; the default collections cost 8%
    of the township's time in a 50,000-record push (measured with ``bench/sync_throughput.py``)."""
    import gc

    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(20000, older, oldest)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _enroll(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from sync.township.operations import enrollment_qr_text, issue_enrollment_code

    code, row = issue_enrollment_code(args.village, village_name=args.name)
    expires = timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M")
    print(f"{row.village.code}村的一次性登记码（{expires}前有效，只能用一次）：")
    if args.url:
        import segno

        qr = segno.make(enrollment_qr_text(args.url, code), error="m")
        if args.qr:
            qr.save(args.qr, scale=6)
            print(f"二维码已保存到 {args.qr}")
        else:
            qr.terminal(compact=True)
        print(f"在村里的电脑上运行：villageagent enroll {args.url} {code}")
    print(code)
    return 0


def _import(args: argparse.Namespace) -> int:
    from sync.township.operations import TownshipError, import_file

    src = Path(args.file)
    try:
        raw = src.read_bytes()
    except OSError:
        print(f"找不到文件 {src}。", file=sys.stderr)
        return 2
    from sync.protocol import ProtocolError

    try:
        answer, summary = import_file(raw)
    except ProtocolError as exc:
        raise TownshipError(exc.code, str(exc)) from None
    out = Path(args.answer) if args.answer else src.with_name(src.stem + "-answer" + src.suffix)
    out.write_bytes(answer)
    print(f"已导入{summary['village']}村的文件：新记录 {summary['stored']} 条，拒收 {summary['refused']} 条，"
          f"带回 {summary['events_back']} 条乡镇记录。答复文件：{out}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from sync.township.operations import stats

    print(json.dumps(stats(), ensure_ascii=False, indent=1))
    return 0


def _devices(args: argparse.Namespace) -> int:
    from sync.township.models import Device

    for d in Device.objects.select_related("village"):
        state = "已注销" if d.revoked_at else "有效"
        last = d.last_sync_at.isoformat(timespec="seconds") if d.last_sync_at else "从未同步"
        print(f"{d.pk}\t{d.village.code}\t{d.node}\t{d.name}\t{state}\t{last}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from sync.township.models import Device
    from sync.township.operations import revoke_device

    device = Device.objects.filter(pk=args.device_id).first()
    if device is None:
        print(f"没有编号为 {args.device_id} 的设备。", file=sys.stderr)
        return 2
    revoke_device(device)
    print(f"已注销 {device.village.code} 村的设备 {device.node}。")
    return 0


_COMMANDS = {"init": _init, "serve": _serve, "enroll": _enroll, "import": _import, "stats": _stats,
             "devices": _devices, "revoke": _revoke}


if __name__ == "__main__":
    sys.exit(main())

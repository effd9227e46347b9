"""A user-space TCP proxy that makes a link weak: bandwidth, delay, loss stalls and cuts.

- ``Shaping.rate`` (bytes/s per direction) serialises chunks like a slow link; ``delay`` is added
  to every chunk one way (300 ms each way for the campaign; ``tc netem`` is missing here).
- ``loss`` is the chance that a chunk is "lost": a user-space proxy sits above TCP, so a lost
  segment shows up as a retransmission stall (``rto`` seconds) of that direction, not as a gap.
- Cuts reset both sides of a connection (RST, not FIN) so the client sees a broken link:
  ``cut_every`` after every K bytes of one connection (both directions counted), ``cut_at`` at
  given offsets of all bytes through the proxy (random cut points across a whole sync).
- Counts wire bytes both ways (``bytes_up`` client→server, ``bytes_down``) and cuts made.
- Every thread is a daemon and ``stop()`` closes every socket, so a stuck peer never hangs a run.

Run as a program (``python -m bench.faultlib.proxy --listen 127.0.0.1:0 --target H:P ...``) it
prints ``listening HOST PORT`` and, on SIGTERM or end of stdin, a JSON line of its counters: that
is how the campaign puts it inside a network namespace.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

CHUNK = 1460  # one Ethernet-sized segment: shaping granularity
QUEUE_CAP = 64 * 1024  # bytes in flight per direction before the reader waits (like a TCP window)


@dataclass
class Shaping:
    """How weak the link is. All zero/None: a plain byte-counting proxy."""

    rate: float | None = None  # bytes per second, each direction
    delay: float = 0.0  # seconds, each way
    loss: float = 0.0  # chance per chunk of a retransmission stall
    rto: float = 0.6  # the stall a lost chunk costs
    cut_every: int | None = None  # reset a connection after this many bytes (both directions)
    cut_at: list[int] = field(default_factory=list)  # reset when all bytes through pass each offset
    seed: int = 1


class _Direction:
    """One direction of one connection: a reader thread queues chunks with their delivery time,
    a writer thread sends each at that time."""

    def __init__(self, conn: "_Connection", src: socket.socket, dst: socket.socket, up: bool):
        self.conn, self.src, self.dst, self.up = conn, src, dst, up
        self.queue: list[tuple[float, int, bytes | None]] = []
        self.queued = 0
        self.order = 0
        self.link_free = 0.0
        self.cv = threading.Condition()
        self.done = False
        self.eof = False

    def push(self, data: bytes | None, now: float) -> None:
        proxy = self.conn.proxy
        shaping = proxy.shaping
        with self.cv:
            while data is not None and self.queued > QUEUE_CAP and not self.done:
                self.cv.wait(0.2)
            start = max(now, self.link_free)
            if data is not None and shaping.rate:
                start += len(data) / shaping.rate
            if data is not None and shaping.loss and proxy.rng_chance(shaping.loss):
                start += shaping.rto
            self.link_free = start
            self.order += 1
            heapq.heappush(self.queue, (start + shaping.delay, self.order, data))
            if data is not None:
                self.queued += len(data)
            self.cv.notify_all()

    def read_loop(self) -> None:
        try:
            while not self.done:
                try:
                    data = self.src.recv(CHUNK)
                except OSError:
                    break
                if not data:
                    break
                data, cut = self.conn.proxy.account(self.conn, len(data), self.up, data)
                if data:
                    self.push(data, time.monotonic())
                if cut:
                    self.conn.cut_pending = True
                    self.push(None, time.monotonic())  # the reset travels behind the data
                    return
        finally:
            if not self.conn.cut_pending:
                self.push(b"", time.monotonic())  # an orderly end: half-close after the data

    def write_loop(self) -> None:
        while True:
            with self.cv:
                while not self.queue and not self.done:
                    self.cv.wait(0.2)
                if self.done:
                    return
                when, _, data = self.queue[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self.cv.wait(min(wait, 0.2))
                    continue
                heapq.heappop(self.queue)
                if data:
                    self.queued -= len(data)
                self.cv.notify_all()
            if data is None:
                self.conn.reset()
                return
            if data == b"":
                try:
                    self.dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                self.eof = True
                self.conn.close_if_both_ended()
                return
            try:
                self.dst.sendall(data)
            except OSError:
                self.conn.reset()
                return

    def stop(self) -> None:
        with self.cv:
            self.done = True
            self.cv.notify_all()


class _Connection:
    def __init__(self, proxy: "Proxy", client: socket.socket, server: socket.socket):
        self.proxy, self.client, self.server = proxy, client, server
        self.bytes = 0
        self.cut_pending = False
        self.closed = False
        self.lock = threading.Lock()
        self.up = _Direction(self, client, server, True)
        self.down = _Direction(self, server, client, False)
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self.up.read_loop, self.up.write_loop, self.down.read_loop, self.down.write_loop)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def reset(self) -> None:
        """Abort both sides with RST (SO_LINGER 0), as a dropped mobile link looks to TCP."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.server):
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            try:
                # A thread blocked in recv() keeps the socket alive past close(); shutdown wakes it
                # so the close really happens (and the peer sees the link break, not a stall).
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        self.up.stop()
        self.down.stop()

    def close_if_both_ended(self) -> None:
        if self.up.eof and self.down.eof:
            with self.lock:
                if self.closed:
                    return
                self.closed = True
            for s in (self.client, self.server):
                try:
                    s.close()
                except OSError:
                    pass
            self.up.stop()
            self.down.stop()

    def finished(self) -> bool:
        return self.closed or not any(t.is_alive() for t in self.threads)


class Proxy:
    """Listens on ``listen`` and forwards each connection to ``target`` through the shaping."""

    def __init__(self, target: tuple[str, int], shaping: Shaping | None = None,
                 listen: tuple[str, int] = ("127.0.0.1", 0)):
        self.target = target
        self.shaping = shaping or Shaping()
        self._rng = random.Random(self.shaping.seed)
        self._rng_lock = threading.Lock()
        self._lock = threading.Lock()
        self._sock = socket.create_server(listen, reuse_port=False)
        self._sock.settimeout(0.2)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self._cut_at = sorted(self.shaping.cut_at)
        self._conns: list[_Connection] = []
        self._running = False
        self._thread: threading.Thread | None = None
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.cuts = 0

    # --- counters --------------------------------------------------------------------------------
    def rng_chance(self, p: float) -> bool:
        with self._rng_lock:
            return self._rng.random() < p

    @property
    def total(self) -> int:
        return self.bytes_up + self.bytes_down

    def counters(self) -> dict[str, int]:
        return {"bytes_up": self.bytes_up, "bytes_down": self.bytes_down, "connections": self.connections,
                "cuts": self.cuts}

    def account(self, conn: _Connection, n: int, up: bool, data: bytes) -> tuple[bytes, bool]:
        """Count ``n`` bytes; return the part to forward and whether to cut after it."""
        with self._lock:
            if conn.cut_pending or conn.closed:
                return b"", False
            limit = n
            if self.shaping.cut_every:
                limit = min(limit, self.shaping.cut_every - conn.bytes)
            if self._cut_at:
                limit = min(limit, self._cut_at[0] - self.total)
            limit = max(0, limit)
            cut = limit < n or (self.shaping.cut_every is not None and conn.bytes + limit >= self.shaping.cut_every)
            if self._cut_at and self.total + limit >= self._cut_at[0]:
                cut = True
                while self._cut_at and self._cut_at[0] <= self.total + limit:
                    self._cut_at.pop(0)
            conn.bytes += limit
            if up:
                self.bytes_up += limit
            else:
                self.bytes_down += limit
            if cut:
                self.cuts += 1
            return data[:limit], cut

    def reset_counters(self) -> None:
        with self._lock:
            self.bytes_up = self.bytes_down = self.connections = self.cuts = 0

    # --- life -----------------------------------------------------------------------------------
    def start(self) -> "Proxy":
        self._running = True
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while self._running:
            try:
                client, _ = self._sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(self, client, server)
            with self._lock:
                self.connections += 1
                self._conns = [c for c in self._conns if not c.finished()]
                self._conns.append(conn)
            conn.start()

    def stop(self) -> None:
        self._running = False
        try:
            self._sock.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            c.reset()
        if self._thread:
            self._thread.join(timeout=2)

    def __enter__(self) -> "Proxy":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="shaping TCP proxy (fault campaign)")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--target", required=True)
    ap.add_argument("--rate", type=float, default=None, help="bytes/s each direction")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds each way")
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--cut-every", type=int, default=None)
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="stop by itself after this long")
    args = ap.parse_args(argv)
    proxy = Proxy(_hostport(args.target), Shaping(rate=args.rate, delay=args.delay, loss=args.loss,
                                                  cut_every=args.cut_every), _hostport(args.listen))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    proxy.start()
    print(f"listening {proxy.address[0]} {proxy.address[1]}", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait(args.max_seconds)
    proxy.stop()
    print(json.dumps(proxy.counters()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

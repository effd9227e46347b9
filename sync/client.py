"""The client side of the sync protocol: HTTP round trips over a ``requests.Session``.

- Explicit timeouts on every request; a failure of the link (refused, reset, timeout, a 5xx or
  503 "busy") is a retryable ``SyncError``, a refusal by the township (4xx) is not.
- HTTPS with a pinned certificate: at enrollment the client records the SHA-256 fingerprint of
  the township's certificate (or is given it) and from then on accepts only that certificate,
  whatever the certificate authorities say. Township centers use their own self-signed one.
- ``BatchSizer``: the batch size halves when a round trip fails and doubles when it succeeds,
  so a weak link still moves data (in small batches) instead of retrying a big one forever.
- Knows nothing of the village database: ``villageagent.services.sync`` drives the loop.
"""

from __future__ import annotations

import hashlib
import ssl
import zlib
import dataclasses
from dataclasses import dataclass
from concurrent.futures import Executor, Future, wait
from typing import Any
from urllib.parse import urlparse

import requests
import urllib3
from requests.adapters import HTTPAdapter

from sync import protocol as p

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0


class SyncError(Exception):
    """A round trip that did not work: ``code`` is machine-readable, ``retryable`` says whether
    trying again later (or with a smaller batch) can help."""

    def __init__(self, code: str, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.status = status


def fetch_fingerprint(url: str, timeout: float = CONNECT_TIMEOUT) -> str:
    """The SHA-256 fingerprint (hex) of the certificate an HTTPS server presents."""
    parsed = urlparse(url)
    pem = ssl.get_server_certificate((parsed.hostname or "", parsed.port or 443), timeout=timeout)
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


class _PinnedAdapter(HTTPAdapter):
    """Accepts exactly one certificate (by fingerprint) instead of a CA chain."""

    def __init__(self, fingerprint: str, **kwargs: Any):
        self._fingerprint = fingerprint
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self._fingerprint
        kwargs["cert_reqs"] = "CERT_NONE"
        super().init_poolmanager(*args, **kwargs)


@dataclass
class BatchSizer:
    """How much to put in the next request, learned from the link — in bytes, not events.

    - While no failure is known the batch doubles (in events) after each good round trip, and
      grows 4x from the second quick one in a row on (``fast_growth``).
    - After a failure it keeps the largest request (bytes, as sent) that got through and the
      smallest that failed, and sends requests of about the middle of the two (halving the gap
      each time), so it settles just under what the link carries. Bytes, because the size of an
      event varies along the queue and a count that worked once can be too big later (issue 6,
      case 2: growing straight back, or counting events, sent request after request into the cut).
    - After many good round trips in a row the failure is forgotten, so a link that got better is
      used fully again (at the price of at most one more failed request).
    """

    size: int = 200  # events, the cap while no byte budget is known
    low: int = 10
    high: int = 8000
    ok_max: int = 0  # bytes of the largest request that got through
    fail_min: int | None = None  # bytes of the smallest request that failed
    budget: int | None = None  # bytes per request, once a failure is known
    streak: int = 0
    forget_after: int = 64
    per_event: float = 0.0  # bytes per event of the last request (an estimate for the next)
    per_event_level: int = 5  # the zlib level it was measured at
    # Never aim below this: a link that cannot carry 4 KB is unusable anyway, and a small batch
    # whose answer was lost is then sent again as it was (same id) instead of being re-cut.
    min_bytes: int = 4096
    # A cap on one request that starts small and doubles after every 8 good round trips in a row:
    # a cut throws away the request on the wire, so while a link is unproven requests stay small
    # beside the sync (issue 6, case 2: starting large, a link cut every 64 KiB cost 1.5x the bytes
    # of a clean sync; doubling after every single good trip, TCP-like, measured no better, as the
    # cut then met a grown request), and a long sync on a good link still reaches large requests.
    cap_bytes: int = 16 * 1024
    cap_max: int = 64 * 1024 * 1024
    cap_every: int = 8
    # A link that carries a request in under ``fast_seconds`` earns the next doubling after every
    # good trip instead of every 8th: a sync on a township's LAN reaches large requests at once
    # (a 1,000-record push in 4 requests instead of 6, ~12% faster on loopback, measured), while
    # a weak mobile link (16 KiB take ~2 s at 64 kbit/s) grows as slowly as before. A link that
    # cuts connections is cut no more often for it (the first cut comes at the same byte either
    # way; issue 6 case 2, cut every 16 KiB on loopback: 1.05x the bytes of a clean sync at every
    # 2nd trip, 1.06x at every trip).
    fast_every: int = 1
    fast_seconds: float = 1.0
    # From the second fast trip in a row on, the batch (in events) and the cap (in bytes) grow 4x
    # instead of 2x: a 1,000-record push (2,000 events, ~124 KB) goes in 3 requests on a township's
    # LAN instead of 4 (200, 400, then the 1,400 left, under a cap of 128 KiB), ~10% faster on
    # loopback (measured). The first growth stays 2x: grown 4x at once, the second request met a
    # link cut every 16 KiB far beyond the cut, and finding the size that gets through took one
    # more cut (issue 6, case 2: 1.28x the bytes of a clean sync, against 1.05x).
    fast_growth: int = 4
    good_in_row: int = 0
    fast_in_row: int = 0

    FAST_LEVEL = 2
    SMALLEST_LEVEL = 9

    def level(self) -> int:
        """The compression effort for the next request (zlib's numbers; ``protocol.compress`` maps
        them to zstd's). Where the link is slow its bytes are the time, and level 5 saves 8% of
        them over level 2; where it is fast (the last trip took under ``fast_seconds``) the
        laptop's CPU is the time, and level 2 compresses twice as fast (measured with zlib on the
        bench's records: 98 against 107 bytes per record, 74 against 36 ms per 10,000).
        While a failure is remembered (``budget``), the most compact level (9), however fast the
        trips: on a link that cuts connections the bytes are what a cut throws away, and small
        batches lose most to compression (issue 6, case 2, 800 errands cut every 16 KiB: 1.30x
        the bytes of a clean sync at the fast level, 1.29x at 5, measured; zstd 15 takes ~10%
        fewer bytes than zstd 6 on 200-event batches, at ~60 µs an event)."""
        if self.budget is not None:
            return self.SMALLEST_LEVEL
        # Before the first trip nothing is known: the fast level. The first request (200 events)
        # is then ~14% larger in zstd (13.3 against 11.6 KB of the bench's records, with the
        # ``data`` form this level allows), which a slow link pays once; on a fast one the sync's
        # first request, which the township waits for, is ready in ~2 ms instead of ~4.
        return self.FAST_LEVEL if self.fast_in_row or not self.ok_max else 5

    def limit(self) -> int:
        """Bytes the next request may have."""
        return min(self.budget, self.cap_bytes) if self.budget is not None else self.cap_bytes

    def events(self) -> int:
        """Events for the next batch."""
        n = self.size
        if self.per_event > 0:  # aim a little under the limit, so the batch need not be cut again
            # Measured at level 5, an event takes ~8% more at level 2: aim lower after the switch
            # (one request re-encoded to fit cost the laptop 2 ms, measured).
            aim = 0.95 if self.level() == self.per_event_level else 0.85
            n = min(n, int(self.limit() * aim / self.per_event))
        return max(self.low, min(self.high, n))

    def measured(self, nbytes: int, nevents: int, level: int | None = None) -> None:
        """The last request's size: ``nbytes`` for ``nevents`` events, compressed at ``level``."""
        if nevents:
            self.per_event = nbytes / nevents
            self.per_event_level = self.level() if level is None else level

    def too_big(self, nbytes: int, nevents: int) -> bool:
        return nbytes > self.limit() and nevents > self.low

    def worked(self, nbytes: int, seconds: float | None = None) -> None:
        self.ok_max = max(self.ok_max, nbytes)
        self.good_in_row += 1
        fast = seconds is not None and seconds < self.fast_seconds
        self.fast_in_row = self.fast_in_row + 1 if fast else 0
        grow = self.fast_growth if self.fast_in_row >= 2 else 2
        if (self.good_in_row % self.cap_every == 0
                or (self.fast_in_row and self.fast_in_row % self.fast_every == 0)):
            self.cap_bytes = min(self.cap_max, self.cap_bytes * grow)
        self.streak += 1
        self.size = min(self.high, self.size * grow)
        if self.fail_min is not None and self.streak >= self.forget_after:
            self.fail_min = self.budget = None
            self.streak = 0
        if self.fail_min is None:
            return
        # Keep well under the failure: what was measured is the body, while the link also carries
        # headers and the answer, and cuts rarely fall at exactly the same byte.
        ceiling = self.fail_min * 85 // 100
        budget = min(self.ok_max + (self.fail_min - self.ok_max) // 2, ceiling)
        self.budget = max(self.min_bytes, self.ok_max if budget <= self.ok_max else budget)

    def ahead(self, trips: list[int]) -> "BatchSizer":
        """What this sizer will say once these requests (their sizes in bytes) have come back as
        the last one did: quickly on a link known to be fast or not yet measured, slowly on one
        known to be slow. For preparing the next request while they are on the wire (it is cut
        down, or encoded again, before it goes if the guess was wrong). On a slow link a guess of
        "fast" would double the cap every time (``fast_every``), and every push prepared ahead
        would be twice too big and cut before it went."""
        guess = dataclasses.replace(self)
        seconds = 0.0 if self.fast_in_row or not self.ok_max else None
        for nbytes in trips:
            guess.worked(nbytes, seconds)
        return guess

    def failed(self, nbytes: int) -> None:
        self.good_in_row = self.fast_in_row = 0
        self.fail_min = nbytes if self.fail_min is None else min(self.fail_min, nbytes)
        if self.ok_max >= self.fail_min:
            self.ok_max = 0  # the link got worse: what worked before is no guide
        self.streak = 0
        target = (self.ok_max + self.fail_min) // 2 if self.ok_max else nbytes // 2
        self.budget = max(self.min_bytes, target)
        self.size = max(self.low, self.size // 2)


ACCEPT = ", ".join(p.ENCODINGS)  # the codings this client reads in answers


def _connect_failed(exc: BaseException) -> bool:
    """Whether opening a connection failed for the network (refused, unreachable, timed out), not
    for a certificate or anything else."""
    if isinstance(exc, (ssl.SSLError, urllib3.exceptions.SSLError)):
        return False
    return isinstance(exc, (OSError, urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


class TownshipClient:
    """Round trips with one township center."""

    def __init__(self, url: str, token: str | None = None, *, fingerprint: str | None = None,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
                 session: requests.Session | None = None, encoding: str = p.DEFLATE):
        self.url = url.rstrip("/")
        # How request bodies are compressed: deflate until the township has said (on any answer,
        # ``Accept-Encoding``) that it takes zstd; the laptop keeps what it learned (``encoding``
        # of its connection), so a sync starts with the right one.
        self.encoding = encoding if encoding in p.ENCODINGS else p.DEFLATE
        self.token = token
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "villageagent-sync/1"
        if fingerprint and self.url.startswith("https://"):
            self.session.mount(self.url, _PinnedAdapter(fingerprint.replace(":", "").lower()))
            # No CA check (a township's certificate is its own); the fingerprint check replaces it.
            # Passed on every call: REQUESTS_CA_BUNDLE in the environment would override a session default.
            self._verify = False
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        # Proxies and CA bundle from the environment, worked out once (``_settings``); requests
        # would otherwise read the whole environment again on every call (~1 ms of the laptop's
        # CPU a request, measured: 4 of a 1,000-record push's ~70 ms).
        self._env: dict[str, Any] | None = None
        self.requests_made = 0
        # After a failed round trip: one TCP connection per request. Links that drop long-lived
        # connections (mobile middleboxes, a proxy cutting every N bytes) then cut nothing.
        self.fresh_connections = False
        self._ahead: Future | None = None  # the connection being opened ahead (``connect_ahead``)
        self._templates: dict[tuple[str, str | None], requests.PreparedRequest] = {}  # ``_prepared``

    _verify: bool = True

    def _settings(self) -> dict[str, Any]:
        """``proxies``, ``verify`` and ``cert`` for this township's address, from the environment
        (``HTTP_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``...) as requests reads them, read once
        per client (one sync); the session then stops reading the environment itself. That also
        keeps a ``.netrc`` entry for the township's host from replacing the device token. (A
        session given to the client is changed so too: ``trust_env`` off.)"""
        env = self._env
        if env is None:
            found = self.session.merge_environment_settings(self.url + "/", {}, None, self._verify, None)
            env = {"proxies": found["proxies"], "verify": found["verify"], "cert": found["cert"]}
            self.session.trust_env = False  # before ``_env`` is seen: no request reads the environment after it
            self._env = env
        return env

    def close(self) -> None:
        self.session.close()

    def start_fresh_connections(self) -> None:
        """One TCP connection per request from now on, beginning with the next request: the
        kept-alive connections are closed too (``Connection: close`` alone would still send the
        next request over one of them, which a link that cuts every N bytes then cuts)."""
        self.fresh_connections = True
        for adapter in self.session.adapters.values():
            adapter.close()

    def connect_ahead(self, executor: Executor) -> None:
        """Open the connection the next request will use (TCP, and TLS with the pinned
        certificate) on one of ``executor``'s threads, while the laptop is still reading and
        compressing that request.

        - The next request waits for it rather than opening another one beside it; if it could
          not be opened within the connect timeout, that request fails as its own connection
          would have (one connect timeout in all, not two).
        - Otherwise best effort: whatever else goes wrong here is met by the request itself.
        - Plain HTTP only: over HTTPS the township's TLS 1.3 sends its session tickets right after
          the handshake, the idle connection then looks readable, and urllib3 drops it as broken
          before the request (seen with cheroot: two handshakes instead of one).
        - Not while each request takes a fresh connection, nor through a proxy from the
          environment (the request may take another route than this would).
        """
        if not self.fresh_connections and self.url.startswith("http://"):
            self._ahead = executor.submit(self._open_ahead)

    def _open_ahead(self) -> None:
        url = self.url + "/api/v1/sync"
        try:
            # The settings the request will have (``REQUESTS_CA_BUNDLE`` in the environment makes
            # ``verify`` a path, and with it another pool of connections).
            settings = self._settings()
            if settings["proxies"]:
                return
            adapter = self.session.get_adapter(url)
            if not isinstance(adapter, HTTPAdapter):
                return
            # The same pool the request will take (``HTTPAdapter.send`` asks for it the same way).
            pool = adapter.get_connection_with_tls_context(requests.Request("POST", url).prepare(),
                                                           settings["verify"], cert=settings["cert"])
            conn = pool._get_conn(timeout=0)  # noqa: SLF001 - urllib3 has no public way to open ahead
            try:
                if not conn.is_connected:
                    conn.timeout = self.timeout[0]  # never longer than the request's own connect
                    conn.connect()
            except BaseException:
                conn.close()
                raise
            finally:
                pool._put_conn(conn)  # noqa: SLF001
        except Exception as exc:  # noqa: BLE001 - best effort, see above
            if _connect_failed(exc):
                raise
            return

    def _post(self, path: str, msg: dict[str, Any] | bytes, *, auth: bool = True,
              encoding: str | None = None) -> dict[str, Any]:
        """One POST; ``msg`` a message, or a body already compressed in ``encoding`` (by default
        the client's current one)."""
        if isinstance(msg, bytes):
            body, coding = msg, encoding or self.encoding
        else:
            body, coding = p.compress(msg, encoding=self.encoding), self.encoding
        try:
            return self._send(path, body, coding, auth)
        except SyncError as exc:
            if exc.status != 415 or exc.code != "bad_encoding" or coding == p.DEFLATE:
                raise
        # A township that does not take this coding (an older one): deflate from now on, and this
        # request once more.
        self.encoding = p.DEFLATE
        return self._send(path, p.compress(p.decompress(body, encoding=coding)), p.DEFLATE, auth)

    def _prepared(self, path: str, auth: bool) -> requests.PreparedRequest:
        """The request to ``path`` as far as it is the same every time (address, headers, token),
        prepared once per client; each round trip copies it and adds its body. ``Session.post``
        merged the session's settings into every request anew: with a stub township in another
        process on loopback, a round trip's median fell by 0.21-0.34 ms in 5 of 6 alternated
        runs of 1,000 (0.45-0.75 ms after), the laptop's CPU on every request of a sync."""
        key = (path, self.token if auth else None)
        prepared = self._templates.get(key)
        if prepared is None:
            self._settings()  # first: the session stops reading the environment (a ``.netrc`` login)
            headers = {"Content-Type": p.CONTENT_TYPE, "Accept-Encoding": ACCEPT}
            if auth:
                headers["Authorization"] = f"Bearer {self.token}"
            prepared = self.session.prepare_request(requests.Request("POST", self.url + path, headers=headers))
            self._templates[key] = prepared
        return prepared

    def _send(self, path: str, body: bytes, coding: str, auth: bool) -> dict[str, Any]:
        if auth and not self.token:
            raise SyncError("not_enrolled", "这台电脑还没有在乡镇登记。", retryable=False)
        self.requests_made += 1
        prepared = self._prepared(path, auth).copy()
        prepared.headers["Content-Encoding"] = coding
        if self.fresh_connections:
            prepared.headers["Connection"] = "close"
        prepared.prepare_body(body, None)
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            done, _ = wait([ahead], timeout=self.timeout[0])
            if not done or ahead.exception() is not None:
                raise SyncError("link_failed", "连不上乡镇服务器或网络中断了。", retryable=True)
        try:
            # Our own decompression (bounded) instead of requests' transparent decoding.
            resp = self.session.send(prepared, timeout=self.timeout, stream=True, **self._settings())
            raw = resp.raw.read(p.MAX_WIRE + 1, decode_content=False)
        except requests.exceptions.SSLError as exc:
            raise SyncError("certificate_changed", "乡镇服务器的证书和登记时的不一样，为安全起见没有同步。"
                            "请联系乡镇确认。", retryable=False) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:
            raise SyncError("link_failed", "连不上乡镇服务器或网络中断了。", retryable=True) from exc
        except Exception as exc:  # urllib3 protocol errors surface under several names
            raise SyncError("link_failed", "网络中断了。", retryable=True) from exc
        self._learn(resp)
        return self._decode(resp, raw)

    def _learn(self, resp: requests.Response) -> None:
        """The codings the township takes for requests, as its answer says (if it says)."""
        said = resp.headers.get("Accept-Encoding")
        if said is not None:
            self.encoding = p.best_coding(said) or p.DEFLATE

    def _decode(self, resp: requests.Response, raw: bytes) -> dict[str, Any]:
        coding = resp.headers.get("Content-Encoding", "").strip().lower()
        try:
            obj = p.decompress(raw, encoding=coding if coding in p.ENCODINGS else p.IDENTITY) if raw else {}
        except p.ProtocolError as exc:
            if resp.status_code >= 500 or resp.status_code == 200:
                raise SyncError("link_failed", "乡镇服务器的回复不完整。", retryable=True,
                                status=resp.status_code) from exc
            obj = {}
        except zlib.error as exc:  # pragma: no cover - decompress maps these already
            raise SyncError("link_failed", "乡镇服务器的回复不完整。", retryable=True) from exc
        if resp.status_code >= 400:
            err = obj.get("error") if isinstance(obj, dict) else None
            code = err.get("code", "http_error") if isinstance(err, dict) else "http_error"
            message = err.get("message", f"HTTP {resp.status_code}") if isinstance(err, dict) else \
                f"HTTP {resp.status_code}"
            retry = resp.status_code >= 500 or resp.status_code in (408, 429)
            raise SyncError(code, message, retryable=retry, status=resp.status_code)
        if not isinstance(obj, dict) or obj.get("v") != p.VERSION:
            raise SyncError("unsupported_version", "乡镇服务器的协议版本和本程序不一致，请升级程序。",
                            retryable=False)
        return obj

    def ping(self) -> bool:
        """Whether the township center answers (used to decide on an automatic sync)."""
        try:
            resp = self.session.get(self.url + "/api/v1/ping", timeout=(3, 5), **self._settings())
            return resp.status_code == 200
        except requests.exceptions.RequestException:
            return False

    def enroll(self, code: str, *, device: str, village: str, name: str = "", village_name: str = "") -> dict[str, Any]:
        """``name``: the device's, as staff see it; ``village_name``: the village's, which the
        township takes when it has none yet (a code issued without one)."""
        msg = {"v": p.VERSION, "code": code, "device": device, "village": village, "name": name}
        if village_name:
            msg["village_name"] = village_name
        return self._post("/api/v1/enroll", msg, auth=False)

    def exchange(self, msg: dict[str, Any] | bytes, encoding: str | None = None) -> dict[str, Any]:
        """One sync round trip; ``msg`` may be already compressed (``protocol.compress``, in
        ``encoding``, by default the client's current one)."""
        return self._post("/api/v1/sync", msg, encoding=encoding)

    def ids(self) -> list[str]:
        text = self._post("/api/v1/ids", {"v": p.VERSION}).get("ids", "")
        if not isinstance(text, str) or len(text) % 32:
            raise SyncError("bad_answer", "乡镇服务器的回复不对。", retryable=True)
        return [p.dash_uuid(text[i:i + 32]) for i in range(0, len(text), 32)]

    def report(self, kind: str, detail: dict[str, Any]) -> None:
        self._post("/api/v1/report", {"v": p.VERSION, "kind": kind, "detail": detail})

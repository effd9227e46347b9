"""The sync protocol's wire messages (version 1): encoding, compression, validation, files.

- Every message is a JSON object with ``"v": 1``; bodies travel zlib-compressed
  (``Content-Encoding: deflate``). An unknown version is refused with ``unsupported_version``.
- Event lists travel *columnar* (``encode_events``): ids as one run of hex digits, HLCs as
  deltas, repeated strings (village, origin, entity, op, actor) as a small table plus indices,
  and event data grouped by shape (the key list once, then only values). The compressor then
  sees like next to like, which is what brings a record down to about the size of its content.
- ``decode_events`` checks the container strictly (``ProtocolError``: the whole message is
  refused) but leaves each event's own validation to ``sync.events.validate_event`` so a bad
  event can be refused alone.
- Decompression is bounded (``MAX_BODY``): a compression bomb stops at the limit. Nesting is
  bounded by the parser (``RecursionError`` becomes ``too_deep``) and event data by ``MAX_DEPTH``.
- Offline (USB) files: ``write_file``/``read_file`` wrap a message with an HMAC-SHA256 over
  every byte, keyed by the device's file key; a changed byte is refused (``file_tampered``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import zlib
from typing import Any

from sync.hlc import Timestamp

VERSION = 1
MAX_WIRE = 8 * 1024 * 1024  # compressed request body
MAX_BODY = 48 * 1024 * 1024  # after decompression
MAX_DEPTH = 32
MAX_EVENTS = 20000  # per batch or pull page
CONTENT_TYPE = "application/json"
FILE_FORMAT = "villageagent-sync-file"
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


class ProtocolError(ValueError):
    """A message that cannot be read at all; ``code`` is machine-readable, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


# --- bytes <-> messages ------------------------------------------------------------------------

def compress(obj: Any, level: int = 6) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), level)


def inflate(body: bytes, *, encoded: bool = True, limit: int = MAX_BODY) -> bytes:
    """The message's JSON bytes: inflated with a bound (``encoded``), or checked for size."""
    if not encoded:
        if len(body) > limit:
            raise ProtocolError("too_large", "请求内容太大。", 413)
        return body
    d = zlib.decompressobj()
    try:
        raw = d.decompress(body, limit)
    except zlib.error:
        raise ProtocolError("bad_compression", "请求内容无法解压。") from None
    if d.unconsumed_tail:
        raise ProtocolError("too_large", "请求内容太大。", 413)
    if not d.eof:
        raise ProtocolError("bad_compression", "请求内容不完整。")
    return raw


def parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ProtocolError("too_deep", "请求内容嵌套太深。") from None
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("bad_json", "请求内容不是有效的JSON。") from None


def decompress(body: bytes, *, encoded: bool = True, limit: int = MAX_BODY) -> Any:
    """Inflate (bounded) and parse a message; ``encoded=False`` for a plain JSON body."""
    return parse(inflate(body, encoded=encoded, limit=limit))


def _too_deep(value: Any, limit: int) -> bool:
    """Whether nested lists/objects go deeper than ``limit`` (flat values cost nothing)."""
    if isinstance(value, dict):
        if limit <= 0:
            return True
        return any(isinstance(v, (dict, list)) and _too_deep(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        if limit <= 0:
            return True
        return any(isinstance(v, (dict, list)) and _too_deep(v, limit - 1) for v in value)
    return False


def check_version(msg: Any) -> dict[str, Any]:
    if not isinstance(msg, dict):
        raise ProtocolError("not_object", "请求内容应为JSON对象。")
    v = msg.get("v")
    if v != VERSION:
        raise ProtocolError("unsupported_version", f"不支持的协议版本 {v!r}（本服务器支持 {VERSION}）。")
    return msg


# --- columnar event lists ------------------------------------------------------------------------

_STRING_COLUMNS = ("village", "origin", "entity", "op", "actor")


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_uuid(text: Any) -> bool:
    return isinstance(text, str) and len(text) == 36 and _CANONICAL_UUID.fullmatch(text) is not None


def _uuid_column(values: list[Any]) -> Any:
    if all(_canonical_uuid(v) for v in values):
        return "".join(v.replace("-", "") for v in values)
    return list(values)


def _uuid_values(col: Any, n: int, name: str) -> list[Any]:
    if isinstance(col, str):
        if len(col) != 32 * n:
            raise ProtocolError("bad_events", f"列 {name} 的长度不对。")
        out = []
        for i in range(n):
            h = col[32 * i:32 * i + 32]
            if not _HEX32.match(h):
                raise ProtocolError("bad_events", f"列 {name} 含有非十六进制字符。")
            out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
        return out
    return _list(col, n, name)


def _list(col: Any, n: int, name: str) -> list[Any]:
    if not isinstance(col, list) or len(col) != n:
        raise ProtocolError("bad_events", f"列 {name} 应为长度 {n} 的数组。")
    return col


def _table_column(values: list[Any]) -> Any:
    table: dict[Any, int] = {}
    idx = []
    for v in values:
        key = v if isinstance(v, str) else json.dumps(v)
        if key not in table:
            table[key] = len(table)
        idx.append(table[key])
    if len(table) > 255 or any(not isinstance(v, str) for v in values):
        return {"l": list(values)}
    t = list(table)
    return {"t": t} if len(t) == 1 else {"t": t, "i": idx}


def _table_values(col: Any, n: int, name: str) -> list[Any]:
    if not isinstance(col, dict):
        raise ProtocolError("bad_events", f"列 {name} 格式不对。")
    if "l" in col:
        return _list(col["l"], n, name)
    t = col.get("t")
    if not isinstance(t, list) or not t:
        raise ProtocolError("bad_events", f"列 {name} 缺少取值表。")
    if "i" not in col:
        if len(t) != 1:
            raise ProtocolError("bad_events", f"列 {name} 缺少下标。")
        return [t[0]] * n
    idx = _list(col["i"], n, name)
    try:
        return [t[i] if isinstance(i, int) and i >= 0 else _bad(name) for i in idx]
    except IndexError:
        raise ProtocolError("bad_events", f"列 {name} 的下标越界。") from None


def _bad(name: str) -> Any:
    raise ProtocolError("bad_events", f"列 {name} 的下标不对。")


def _hlc_column(values: list[Any]) -> Any:
    try:
        stamps = [Timestamp.decode(v) for v in values]
    except (ValueError, AttributeError, TypeError):
        return {"l": list(values)}
    if any(v != s.encode() for v, s in zip(values, stamps)):
        return {"l": list(values)}
    walls, prev = [], 0
    for s in stamps:
        walls.append(s.wall_ms - prev)
        prev = s.wall_ms
    nodes = _table_column([s.node for s in stamps])
    return {"w": walls, "c": [s.counter for s in stamps], "n": nodes}


def _hlc_values(col: Any, n: int) -> list[Any]:
    if not isinstance(col, dict):
        raise ProtocolError("bad_events", "列 hlc 格式不对。")
    if "l" in col:
        return _list(col["l"], n, "hlc")
    walls = _list(col.get("w"), n, "hlc.w")
    counters = _list(col.get("c"), n, "hlc.c")
    nodes = _table_values(col.get("n"), n, "hlc.n")
    out, wall = [], 0
    for d, c, node in zip(walls, counters, nodes):
        if not isinstance(d, int) or not isinstance(c, int) or not isinstance(node, str):
            raise ProtocolError("bad_events", "列 hlc 的取值不对。")
        wall += d
        try:
            out.append(Timestamp(wall, c, node).encode())
        except (ValueError, TypeError):
            raise ProtocolError("bad_events", "列 hlc 的取值不对。") from None
    return out


def encode_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Events (as dicts, ``Event.to_dict()``) into the columnar wire form."""
    n = len(events)
    out: dict[str, Any] = {"n": n}
    if not n:
        return out
    out["id"] = _uuid_column([e["id"] for e in events])
    out["hlc"] = _hlc_column([e["hlc"] for e in events])
    for col in _STRING_COLUMNS:
        out[col] = _table_column([e.get(col, "") for e in events])
    out["eid"] = _uuid_column([e["entity_id"] for e in events])
    # Data grouped by shape (its key list), stored column by column: all names together, all ID
    # numbers together... A value equal to an entity id of this batch (an errand's resident_id)
    # becomes a reference to that event instead of 32 more hex digits.
    first_of: dict[str, int] = {}
    for i, e in enumerate(events):
        first_of.setdefault(e["entity_id"], i)
    shapes: dict[tuple[str, ...], int] = {}
    shape_idx: list[int] = []
    columns: list[list[list[Any]]] = []
    refs: list[list[int]] = []
    for i, e in enumerate(events):
        data = e.get("data") or {}
        keys = tuple(data)
        si = shapes.get(keys)
        if si is None:
            si = shapes[keys] = len(shapes)
            columns.append([[] for _ in keys])
        shape_idx.append(si)
        cols = columns[si]
        for k, key in enumerate(keys):
            v = data[key]
            if isinstance(v, str) and len(v) == 36 and v in first_of and first_of[v] != i:
                refs.append([i, k, first_of[v]])
                v = None
            cols[k].append(v)
    out["dk"] = [list(k) for k in shapes]
    out["ds"] = shape_idx
    out["dv"] = columns
    if refs:
        out["ref"] = refs
    return out


def decode_events(col: Any) -> list[dict[str, Any]]:
    """The columnar form back into event dicts (each still to be validated one by one)."""
    if not isinstance(col, dict):
        raise ProtocolError("bad_events", "事件列表格式不对。")
    n = col.get("n")
    if not isinstance(n, int) or n < 0 or n > MAX_EVENTS:
        raise ProtocolError("bad_events", f"事件数应为0到{MAX_EVENTS}。")
    if n == 0:
        return []
    ids = _uuid_values(col.get("id"), n, "id")
    hlcs = _hlc_values(col.get("hlc"), n)
    strings = {c: _table_values(col.get(c), n, c) for c in _STRING_COLUMNS}
    eids = _uuid_values(col.get("eid"), n, "eid")
    shapes = col.get("dk")
    if not isinstance(shapes, list) or not all(isinstance(s, list) and all(isinstance(k, str) for k in s)
                                               for s in shapes):
        raise ProtocolError("bad_events", "列 dk 格式不对。")
    shape_idx = _list(col.get("ds"), n, "ds")
    columns = col.get("dv")
    if not isinstance(columns, list) or len(columns) != len(shapes):
        raise ProtocolError("bad_events", "列 dv 与 dk 不一致。")
    counts = [0] * len(shapes)
    for si in shape_idx:
        if not isinstance(si, int) or isinstance(si, bool) or not 0 <= si < len(shapes):
            raise ProtocolError("bad_events", "列 ds 的下标越界。")
        counts[si] += 1
    for si, cols in enumerate(columns):
        if not isinstance(cols, list) or len(cols) != len(shapes[si]):
            raise ProtocolError("bad_events", "列 dv 与 dk 不一致。")
        for c in cols:
            if not isinstance(c, list) or len(c) != counts[si]:
                raise ProtocolError("bad_events", "列 dv 的长度不对。")
            if _too_deep(c, MAX_DEPTH):
                raise ProtocolError("too_deep", "事件内容嵌套太深。")
    datas: list[dict[str, Any]] = []
    seen = [0] * len(shapes)
    for si in shape_idx:
        r = seen[si]
        seen[si] += 1
        datas.append({key: columns[si][k][r] for k, key in enumerate(shapes[si])})
    refs = col.get("ref", [])
    if not isinstance(refs, list):
        raise ProtocolError("bad_events", "列 ref 格式不对。")
    for ref in refs:
        if (not isinstance(ref, list) or len(ref) != 3 or not all(isinstance(x, int) and not isinstance(x, bool)
                                                                  for x in ref)
                or not 0 <= ref[0] < n or not 0 <= ref[2] < n or not 0 <= ref[1] < len(shapes[shape_idx[ref[0]]])):
            raise ProtocolError("bad_events", "列 ref 的下标不对。")
        datas[ref[0]][shapes[shape_idx[ref[0]]][ref[1]]] = eids[ref[2]]
    return [{"id": ids[i], "hlc": hlcs[i], "village": strings["village"][i], "origin": strings["origin"][i],
             "entity": strings["entity"][i], "entity_id": eids[i], "op": strings["op"][i], "data": datas[i],
             "actor": strings["actor"][i]} for i in range(n)]


# --- message shapes -------------------------------------------------------------------------------

def sync_request(*, cursor: int, batch_id: str | None = None, events: list[dict[str, Any]] | None = None,
                 limit: int = 5000, pending: int = 0, own: bool = False) -> dict[str, Any]:
    """One round trip: an optional batch to push, and the pull from ``cursor``.

    - ``own``: the pull includes the device's own events too (a repair after the laptop lost
      some, e.g. restored from an older backup); normally they are left out.
    """
    msg: dict[str, Any] = {"v": VERSION, "cursor": cursor, "limit": limit, "pending": pending}
    if own:
        msg["own"] = True
    if batch_id is not None:
        msg["batch"] = {"id": batch_id, "events": encode_events(events or [])}
    return msg


def int_field(msg: dict[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = msg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ProtocolError("bad_field", f"字段 {key} 应为 {lo} 到 {hi} 之间的整数。")
    return value


def batch_of(msg: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """The pushed batch of a sync request (id, raw events), or None."""
    batch = msg.get("batch")
    if batch is None:
        return None
    if not isinstance(batch, dict):
        raise ProtocolError("bad_batch", "batch 应为对象。")
    bid = batch.get("id")
    if not isinstance(bid, str) or not 8 <= len(bid) <= 64 or not re.fullmatch(r"[A-Za-z0-9_.:-]+", bid):
        raise ProtocolError("bad_batch", "batch.id 应为8到64位的字母数字。")
    return bid, decode_events(batch.get("events"))


# --- consistency digest ---------------------------------------------------------------------------

def xor_digest(ids: list[str] | Any) -> str:
    """The order-independent digest of a set of event ids (XOR of their 128 bits, 32 hex digits)."""
    acc = 0
    for i in ids:
        acc ^= int(i.replace("-", ""), 16)
    return f"{acc:032x}"


# --- offline (USB) files --------------------------------------------------------------------------

def file_key(token: str) -> bytes:
    """The key that authenticates a device's offline files: the token's SHA-256 (what the
    township stores), so neither side needs another secret."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def write_file(kind: str, header: dict[str, Any], body: dict[str, Any], key: bytes) -> bytes:
    """An authenticated offline file: one JSON line of header, one line of base64 payload, one MAC line."""
    head = json.dumps({"format": FILE_FORMAT, "v": VERSION, "kind": kind, **header}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode("utf-8")
    payload = base64.b64encode(compress(body, 9))
    mac = hmac.new(key, head + b"\n" + payload, hashlib.sha256).hexdigest().encode("ascii")
    return head + b"\n" + payload + b"\n" + mac + b"\n"


def read_file_header(raw: bytes) -> dict[str, Any]:
    """The header of an offline file, before its MAC is checked (to find which key to use)."""
    parts = raw.split(b"\n")
    if len(parts) < 3 or len(raw) > MAX_WIRE * 2:
        raise ProtocolError("not_a_sync_file", "这不是村代办的同步文件。")
    try:
        head = json.loads(parts[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("not_a_sync_file", "这不是村代办的同步文件。") from None
    if not isinstance(head, dict) or head.get("format") != FILE_FORMAT:
        raise ProtocolError("not_a_sync_file", "这不是村代办的同步文件。")
    if head.get("v") != VERSION:
        raise ProtocolError("unsupported_version", "同步文件的版本不受支持，请升级程序。")
    return head


def read_file(raw: bytes, key: bytes, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, body) of an offline file after checking its MAC; any changed byte is refused."""
    head = read_file_header(raw)
    parts = raw.split(b"\n")
    if len(parts) != 4 or parts[3] != b"":
        raise ProtocolError("file_tampered", "同步文件已被改动或不完整，已拒收。")
    expected = hmac.new(key, parts[0] + b"\n" + parts[1], hashlib.sha256).hexdigest().encode("ascii")
    if not hmac.compare_digest(expected, parts[2]):
        raise ProtocolError("file_tampered", "同步文件已被改动或不属于这台设备，已拒收。")
    if head.get("kind") != kind:
        raise ProtocolError("wrong_file_kind", "文件类型不对：请导入对方生成的同步文件。")
    try:
        body = decompress(base64.b64decode(parts[1], validate=True))
    except (ValueError, TypeError):
        raise ProtocolError("file_tampered", "同步文件内容损坏。") from None
    if not isinstance(body, dict):
        raise ProtocolError("file_tampered", "同步文件内容损坏。")
    return head, body

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
import functools
import hashlib
import hmac
import json
import operator
import re
import threading
import zlib
from dataclasses import dataclass
from itertools import accumulate, repeat
from typing import Any, Sequence, TypeGuard, cast

import zstandard

from sync import jsontext
from sync.hlc import MAX_TEXT as MAX_HLC


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

# Content codings a body may travel in, best first. zstd (where both sides have it) against zlib
# on the bench's pushes (measured, 500-event batches): a third of the laptop's compression work
# and of the township's decompression, and 8% fewer bytes at the fast level.
ZSTD, DEFLATE, IDENTITY = "zstd", "deflate", "identity"
ENCODINGS = (ZSTD, DEFLATE)
# The effort levels callers ask for (zlib's numbers, as before zstd) and the zstd level each means:
# 2 where the link is fast (the CPU is the time: zstd 1), 5 where it is not (zstd 6: zlib 5's work,
# 3% fewer bytes; zstd 3 was no smaller than zstd 1 on some batches, measured), 9 where only bytes
# count (zstd 15: ~10% smaller again, at ~60 µs an event).
_ZSTD_LEVEL = {2: 1, 5: 6, 9: 15}


def _zstd_level(level: int) -> int:
    return _ZSTD_LEVEL[2] if level <= 2 else _ZSTD_LEVEL[5] if level <= 5 else _ZSTD_LEVEL[9]


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# zstd compressors by level, one set per thread: a compressor is one zstd context, which two
# threads must not use at once (the township answers from several request threads).
_zstd_out = threading.local()


def best_coding(accept_encoding: str) -> str | None:
    """The best of ``ENCODINGS`` an ``Accept-Encoding`` header names (``;q=0`` refuses one), or None.
    The township reads it from a request to choose its answer's coding; the laptop from an answer,
    to choose its requests'."""
    named = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            named.add(name)
    return next((c for c in ENCODINGS if c in named), None)


def compress(obj: Any, level: int = 5, encoding: str = DEFLATE) -> bytes:
    """A message as a body in ``encoding`` (``level``: 2, 5 or 9, see ``_ZSTD_LEVEL``)."""
    raw = jsontext.utf8(obj)
    if encoding == ZSTD:
        zl = _zstd_level(level)
        mine: dict[int, Any] = _zstd_out.__dict__.setdefault("by_level", {})
        c = mine.get(zl)
        if c is None:
            c = mine[zl] = zstandard.ZstdCompressor(level=zl)
        return c.compress(raw)
    if encoding == IDENTITY:
        return raw
    return zlib.compress(raw, level)


def inflate(body: bytes, *, encoding: str = DEFLATE, limit: int = MAX_BODY) -> bytes:
    """The message's JSON bytes: decompressed with a bound, or (``identity``) checked for size."""
    if encoding == ZSTD:
        return _unzstd(body, limit)
    if encoding != DEFLATE:
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


def _unzstd(body: bytes, limit: int) -> bytes:
    """One zstd frame, bounded before anything is allocated: the frame must declare its size (our
    compressor always does) and that size must be within ``limit``; zstd itself refuses a frame
    that holds more than it declares. Nothing may follow the frame."""
    try:
        size = zstandard.get_frame_parameters(body).content_size
    except zstandard.ZstdError:
        raise ProtocolError("bad_compression", "请求内容无法解压。") from None
    if size in (zstandard.CONTENTSIZE_UNKNOWN, zstandard.CONTENTSIZE_ERROR):
        raise ProtocolError("bad_compression", "请求内容没有注明解压后的大小。")
    if size > limit:
        raise ProtocolError("too_large", "请求内容太大。", 413)
    d = zstandard.ZstdDecompressor().decompressobj()
    try:
        raw = d.decompress(body)
    except zstandard.ZstdError:
        raise ProtocolError("bad_compression", "请求内容无法解压。") from None
    if not d.eof:
        raise ProtocolError("bad_compression", "请求内容不完整。")
    if d.unused_data or len(raw) != size:
        raise ProtocolError("bad_compression", "请求内容在压缩数据之后还有多余的字节。")
    return raw


def parse(raw: bytes) -> Any:
    """A message's JSON. orjson reads it where it gives what ``json.loads`` gives (3x faster:
    ~1 µs of every pushed event at the township); whatever orjson refuses (NaN, a lone surrogate,
    deep nesting, bad UTF-8, an integer beyond 64 bits...) the standard library decides, as before."""
    fast = jsontext.parse_exact(raw)
    if fast is not jsontext.UNDECIDED:
        return fast
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ProtocolError("too_deep", "请求内容嵌套太深。") from None
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("bad_json", "请求内容不是有效的JSON。") from None


def decompress(body: bytes, *, encoding: str | None = None, limit: int = MAX_BODY) -> Any:
    """Decompress (bounded) and parse a message. Without ``encoding``, told from the body itself:
    a zstd frame starts with its magic number, which no zlib stream can start with."""
    if encoding is None:
        encoding = ZSTD if body[:4] == _ZSTD_MAGIC else DEFLATE
    return parse(inflate(body, encoding=encoding, limit=limit))


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
_FLAT = frozenset((str, int, float, bool, type(None)))
_INTS = frozenset((int, bool))


def _uuid_column(values: list[Any]) -> Any:
    # Every value 36 characters, and all of them together one run of canonical UUIDs: the dashes
    # checked by slicing the joined text (every 36th character from each dash position), the
    # rest by deleting hex digits from its bytes — C-level passes, 2x faster than a regular
    # expression over the run.
    if _only_str(values) and set(map(len, values)) == {36}:
        joined = "".join(values)
        hexes = joined.replace("-", "")
        if (len(hexes) == 32 * len(values) and joined[8::36].strip("-") == joined[13::36].strip("-")
                == joined[18::36].strip("-") == joined[23::36].strip("-") == ""
                and hexes.isascii() and not hexes.encode("ascii").translate(None, b"0123456789abcdef")):
            return hexes
    return list(values)


_HEX_RUN = re.compile(r"[0-9a-f]*")


def _uuid_values(col: Any, n: int, name: str) -> list[Any]:
    if isinstance(col, str):
        _check_hex_run(col, n, name)
        # Cut and dashed in C-level passes (1.7x faster than slicing each value in Python).
        return list(map("-".join, _UUID_PARTS.findall(col)))
    return _list(col, n, name)


_UUID_PARTS = re.compile(r"(.{8})(.{4})(.{4})(.{4})(.{12})", re.DOTALL)


def _hex_values(col: str, n: int, name: str) -> list[str]:
    """A run of 32 hex digits per value, checked in one pass, cut into its values."""
    _check_hex_run(col, n, name)
    return [col[i:i + 32] for i in range(0, 32 * n, 32)]


def _check_hex_run(col: str, n: int, name: str) -> None:
    if len(col) != 32 * n:
        raise ProtocolError("bad_events", f"列 {name} 的长度不对。")
    if not _HEX_RUN.fullmatch(col):
        raise ProtocolError("bad_events", f"列 {name} 含有非十六进制字符。")


def dash_uuid(h: str) -> str:
    """32 hex digits in the canonical UUID form."""
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _dashed(hexes: list[str]) -> list[str]:
    return list(map(dash_uuid, hexes))


class _DashedIds(Sequence[str]):
    """Ids sent as hex digits, shown in the canonical form only when one is asked for (the
    township stores the hex form and rarely needs the other: a refusal, PostgreSQL)."""

    def __init__(self, hexes: list[str]):
        self.hexes = hexes

    def __len__(self) -> int:
        return len(self.hexes)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return _dashed(self.hexes[i])
        return dash_uuid(self.hexes[i])

    def __eq__(self, other: object) -> bool:
        return list(self) == other if isinstance(other, list) else NotImplemented


def _list(col: Any, n: int, name: str) -> list[Any]:
    if not isinstance(col, list) or len(col) != n:
        raise ProtocolError("bad_events", f"列 {name} 应为长度 {n} 的数组。")
    return col


def _only_str(values: list[Any]) -> bool:
    return set(map(type, values)) == {str}


def _only_int(values: list[Any]) -> bool:
    return set(map(type, values)) == {int}


def _table_column(values: list[Any]) -> Any:
    if not _only_str(values):
        return {"l": list(values)}
    table = dict.fromkeys(values)
    if len(table) == 1:
        return {"t": [values[0]]}
    if len(table) > 255:
        return {"l": list(values)}
    pos = {v: i for i, v in enumerate(table)}
    return {"t": list(table), "i": [pos[v] for v in values]}


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
    if idx and _only_int(idx) and min(idx) >= 0 and max(idx) < len(t):
        # The usual column, looked up in C-level passes: a Python step per event cost ~0.8 µs
        # (measured in the township's replay of a 1,000-record push).
        return list(map(t.__getitem__, idx))
    try:
        return [t[i] if isinstance(i, int) and i >= 0 else _bad(name) for i in idx]
    except IndexError:
        raise ProtocolError("bad_events", f"列 {name} 的下标越界。") from None


def _bad(name: str) -> Any:
    raise ProtocolError("bad_events", f"列 {name} 的下标不对。")


_HLC_TEXT = re.compile(r"[0-9]{13}-[0-9]{6}-.+", re.DOTALL)


_HLC_PREFIXES = re.compile(r"(?:[0-9]{13}-[0-9]{6}-)*")
_HLC_FORMAT = "%013d-%06d-%s".__mod__  # (wall, counter, node) as ``Timestamp.encode`` writes it
_HLC_HEAD = 21  # characters before the node: 13 of wall clock, "-", 6 of counter, "-"
_HLC_PREFIX, _HLC_WALL = operator.itemgetter(slice(0, _HLC_HEAD)), operator.itemgetter(slice(0, 13))
_HLC_COUNTER, _HLC_NODE = operator.itemgetter(slice(14, 20)), operator.itemgetter(slice(_HLC_HEAD, None))


def _hlc_column(values: list[Any]) -> Any:
    # The usual column (every value a well-formed HLC text): checked in one pass over the joined
    # prefixes and cut up by list comprehensions, 3x faster than a match per value.
    # (C-level map passes: a Python step per event cost ~4,000 CPU instructions more.)
    if (values and _only_str(values) and min(map(len, values)) > _HLC_HEAD
            and _HLC_PREFIXES.fullmatch("".join(map(_HLC_PREFIX, values)))):
        walls = list(map(int, map(_HLC_WALL, values)))
        return {"w": list(map(operator.sub, walls, [0, *walls])), "c": list(map(int, map(_HLC_COUNTER, values))),
                "n": _table_column(list(map(_HLC_NODE, values)))}
    walls, counters, nodes, prev = [], [], [], 0
    for v in values:
        if type(v) is not str or not _HLC_TEXT.fullmatch(v):
            return {"l": list(values)}
        wall = int(v[:13])
        walls.append(wall - prev)
        prev = wall
        counters.append(int(v[14:20]))
        nodes.append(v[_HLC_HEAD:])
    return {"w": walls, "c": counters, "n": _table_column(nodes)}


def _hlc_run(values: list[Any]) -> dict[str, str] | None:
    """The HLCs as one run of texts (``r``) when all are texts of one length (one device's own
    events always are), else None. Cheaper on both sides than the deltas (measured on the bench's
    1,000 records: 7,700 -> 400 CPU instructions an event at the laptop, 5,400 -> 2,400 at the
    township), for 2.7 more bytes a record at zstd's fast level (and 2.6 fewer at level 6): it
    goes with the ``data`` form, on a fast link."""
    if not values or not _only_str(values):
        return None
    widths = set(map(len, values))
    if len(widths) != 1 or min(widths) <= _HLC_HEAD:
        return None
    return {"r": "".join(values)}


@functools.lru_cache(maxsize=8)
def _hlc_run_pattern(width: int) -> re.Pattern[str]:
    """A run of well-formed HLC texts of ``width`` characters each (node ``width - 21`` long)."""
    return re.compile(r"(?:[0-9]{13}-[0-9]{6}-.{%d})*" % (width - _HLC_HEAD), re.DOTALL)


def _hlc_run_values(run: Any, n: int) -> tuple[list[str], bool]:
    if not isinstance(run, str):
        raise ProtocolError("bad_events", "列 hlc.r 应为文本。")
    width, rest = divmod(len(run), n)
    if rest or width <= _HLC_HEAD:
        raise ProtocolError("bad_events", "列 hlc.r 的长度不对。")
    # Cut up with a list comprehension; checked with one match over the whole run: every value
    # then has the shape ``Timestamp.encode`` writes. Otherwise each is checked on its own.
    values = [run[i:i + width] for i in range(0, n * width, width)]
    return values, width <= MAX_HLC and _hlc_run_pattern(width).fullmatch(run) is not None


def _hlc_values(col: Any, n: int) -> tuple[list[Any], bool]:
    """(The HLC texts, whether all of them are known well-formed from the columns alone)."""
    if not isinstance(col, dict):
        raise ProtocolError("bad_events", "列 hlc 格式不对。")
    if "l" in col:
        return _list(col["l"], n, "hlc"), False
    if "r" in col:
        return _hlc_run_values(col["r"], n)
    walls = _list(col.get("w"), n, "hlc.w")
    counters = _list(col.get("c"), n, "hlc.c")
    nodes = _table_values(col.get("n"), n, "hlc.n")
    if not (_INTS.issuperset(map(type, walls)) and _INTS.issuperset(map(type, counters)) and _only_str(nodes)):
        raise ProtocolError("bad_events", "列 hlc 的取值不对。")
    # The same text ``Timestamp.encode`` gives; one out of range (a negative or too long wall,
    # say) then fails ``is_timestamp`` and only that event is refused.
    absolute = list(accumulate(walls))
    out = list(map(_HLC_FORMAT, zip(absolute, counters, nodes)))
    wall = absolute[-1] if absolute else 0
    # Walls that only go up lie between the first and the last: all in range if those are.
    distinct = set(nodes)
    ok = (bool(n) and min(walls[1:], default=0) >= 0 and walls[0] >= 0 and wall < 10**13
          and min(counters) >= 0 and max(counters) < 10**6 and "" not in distinct
          and max(map(len, distinct)) <= MAX_HLC - _HLC_HEAD)
    return out, ok


def encode_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Events (as dicts, ``Event.to_dict()``) into the columnar wire form."""
    return encode_columns([e["id"] for e in events], [e["hlc"] for e in events],
                          [e.get("village", "") for e in events], [e.get("origin", "") for e in events],
                          [e.get("entity", "") for e in events], [e["entity_id"] for e in events],
                          [e.get("op", "") for e in events], [e.get("data") or {} for e in events],
                          [e.get("actor", "") for e in events])


def encode_columns(ids: list[Any], hlcs: list[Any], villages: list[Any], origins: list[Any], entities: list[Any],
                   entity_ids: list[Any], ops: list[Any], datas: list[dict[str, Any]] | None, actors: list[Any],
                   *, data_texts: list[bytes] | None = None) -> dict[str, Any]:
    """Events given column by column into the columnar wire form (the village's push reads its
    rows straight into these lists).

    - ``data_texts`` instead of ``datas``: each event's data as the JSON object text it is stored
      as (UTF-8), sent as it is, one object per event (``"data"``), not grouped by shape. The
      laptop then neither parses nor regroups anything: 70% less of its work per pushed event,
      and the township builds no object from columns (measured on the bench's records; it costs
      ~5% more bytes at zstd's fast level, so it is for large batches on a fast link).
    """
    n = len(ids)
    out: dict[str, Any] = {"n": n}
    if not n:
        return out
    out["id"] = _uuid_column(ids)
    out["hlc"] = (data_texts is not None and _hlc_run(hlcs)) or _hlc_column(hlcs)
    for name, values in (("village", villages), ("origin", origins), ("entity", entities), ("op", ops),
                         ("actor", actors)):
        out[name] = _table_column(values)
    if data_texts is not None:
        if len(data_texts) != n:
            raise ProtocolError("bad_events", "事件内容的个数与事件数不符。")
        # Entity ids as they are written (a list), not one run of hex digits: the data as stored
        # names them that way too (an errand's resident_id), and the compressor finds the match;
        # the township need not dash them again (measured, 500-event batches: 125.2 -> 121.8
        # bytes a record, 3,200 fewer instructions an event at the township).
        out["eid"] = list(entity_ids)
        out["data"] = jsontext.raw_array(data_texts)
        return out
    out["eid"] = _uuid_column(entity_ids)
    if datas is None:
        raise ValueError("encode_columns needs datas or data_texts")
    # Data grouped by shape (its key list), stored column by column: all names together, all ID
    # numbers together... A value equal to an entity id of this batch (an errand's resident_id)
    # becomes a reference to that event instead of 32 more hex digits.
    if _only_str(entity_ids):
        first_of = dict(zip(reversed(entity_ids), range(n - 1, -1, -1)))
    else:
        first_of = {eid: i for i, eid in reversed(list(enumerate(entity_ids))) if type(eid) is str}
    if len(datas) != n:
        raise ProtocolError("bad_events", "事件内容的个数与事件数不符。")
    # Grouped with C-level passes (map, a stable sort by shape): a Python step per event cost
    # ~5,000 CPU instructions more (measured).
    key_lists = list(map(tuple, datas))
    values = list(map(tuple, map(dict.values, datas)))
    shapes = {keys: si for si, keys in enumerate(dict.fromkeys(key_lists))}
    if len(shapes) == 1:
        shape_idx = [0] * n
        members: list[Sequence[int]] = [range(n)]
        rows = [values]
    else:
        shape_idx = list(map(shapes.__getitem__, key_lists))
        order = sorted(range(n), key=shape_idx.__getitem__)
        members, rows, start = [], [], 0
        for si in range(len(shapes)):
            end = start + shape_idx.count(si)
            members.append(order[start:end])
            rows.append(list(map(values.__getitem__, members[-1])))
            start = end
    columns: list[list[list[Any]]] = []
    refs: list[list[int]] = []
    for si, keys in enumerate(shapes):
        cols = [list(c) for c in zip(*rows[si])] if keys else []
        for k, col in enumerate(cols):
            try:
                if first_of.keys().isdisjoint(col):
                    continue
            except TypeError:  # a list or object among the values: look at each
                pass
            for r, v in enumerate(col):
                if type(v) is str and len(v) == 36:
                    j = first_of.get(v)
                    i = members[si][r]
                    if j is not None and j != i:
                        refs.append([i, k, j])
                        col[r] = None
        columns.append(cols)
    out["dk"] = [list(k) for k in shapes]
    out["ds"] = shape_idx
    out["dv"] = columns
    if refs:
        refs.sort()
        out["ref"] = refs
    return out


@dataclass
class Columns:
    """A decoded columnar event list, column by column (``decode_columns``).

    - ``id_hex``: the ids as 32 lowercase hex digits each, when they travelled that way (always,
      from our client); the township stores that form directly.
    - Values other than ``data`` are as they arrived (any JSON type): each event still has to
      pass ``sync.events.validate_columns`` (or ``validate_event``).
    """

    n: int
    id: Sequence[Any]
    hlc: list[Any]
    village: list[Any]
    origin: list[Any]
    entity: list[Any]
    entity_id: list[Any]
    op: list[Any]
    data: list[dict[str, Any]]
    actor: list[Any]
    id_hex: list[str] | None = None
    hlc_ok: bool = False  # every HLC known well-formed (from its columns)
    eid_hex: bool = False  # entity ids travelled as hex digits: all canonical UUIDs
    depth_checked: bool = True  # the data's nesting was checked here (else by ``validate_columns``)

    def row(self, i: int) -> dict[str, Any]:
        return {"id": self.id[i], "hlc": self.hlc[i], "village": self.village[i], "origin": self.origin[i],
                "entity": self.entity[i], "entity_id": self.entity_id[i], "op": self.op[i], "data": self.data[i],
                "actor": self.actor[i]}


def decode_columns(col: Any) -> Columns:
    """The columnar form, checked as a container (``ProtocolError`` refuses the whole message)."""
    if not isinstance(col, dict):
        raise ProtocolError("bad_events", "事件列表格式不对。")
    n = col.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > MAX_EVENTS:
        raise ProtocolError("bad_events", f"事件数应为0到{MAX_EVENTS}。")
    if n == 0:
        return Columns(0, [], [], [], [], [], [], [], [], [], [])
    raw_ids = col.get("id")
    id_hex = _hex_values(raw_ids, n, "id") if isinstance(raw_ids, str) else None
    ids: Sequence[Any] = _DashedIds(id_hex) if id_hex is not None else _list(raw_ids, n, "id")
    hlcs, hlc_ok = _hlc_values(col.get("hlc"), n)
    strings = {c: _table_values(col.get(c), n, c) for c in _STRING_COLUMNS}
    eids = _uuid_values(col.get("eid"), n, "eid")
    if "data" in col:
        if "dk" in col or "dv" in col or "ds" in col or "ref" in col:
            raise ProtocolError("bad_events", "事件内容只能用一种形式（data 或 dk/ds/dv）。")
        return Columns(n, ids, hlcs, strings["village"], strings["origin"], strings["entity"], eids, strings["op"],
                       _data_rows(col["data"], n), strings["actor"], id_hex, hlc_ok, isinstance(col.get("eid"), str),
                       depth_checked=False)
    shapes = col.get("dk")
    if not isinstance(shapes, list) or not all(isinstance(s, list) and all(isinstance(k, str) for k in s)
                                               for s in shapes):
        raise ProtocolError("bad_events", "列 dk 格式不对。")
    shape_idx = _list(col.get("ds"), n, "ds")
    columns = col.get("dv")
    if not isinstance(columns, list) or len(columns) != len(shapes):
        raise ProtocolError("bad_events", "列 dv 与 dk 不一致。")
    # Checked and counted with C-level passes rather than a Python step per event.
    if shape_idx and (set(map(type, shape_idx)) != {int} or min(shape_idx) < 0 or max(shape_idx) >= len(shapes)):
        raise ProtocolError("bad_events", "列 ds 的下标越界。")
    counts = [shape_idx.count(si) for si in range(len(shapes))]
    for si, cols in enumerate(columns):
        if not isinstance(cols, list) or len(cols) != len(shapes[si]):
            raise ProtocolError("bad_events", "列 dv 与 dk 不一致。")
        for c in cols:
            if not isinstance(c, list) or len(c) != counts[si]:
                raise ProtocolError("bad_events", "列 dv 的长度不对。")
            if not _FLAT.issuperset(map(type, c)) and any(v for v in c if type(v) not in _FLAT) \
                    and _too_deep(c, MAX_DEPTH):
                raise ProtocolError("too_deep", "事件内容嵌套太深。")
    # Each shape's rows, in order; then the events take them back in the order they came.
    # (Built with C-level map passes: a Python step per event cost ~2,000 CPU instructions more.)
    rows = [map(dict, map(zip, repeat(shapes[si]), zip(*cols))) if shapes[si] else (dict() for _ in range(counts[si]))
            for si, cols in enumerate(columns)]
    datas: list[dict[str, Any]] = list(rows[0]) if len(rows) == 1 else list(map(next, map(rows.__getitem__, shape_idx)))
    if len(datas) != n:  # cannot happen after the counts above; a short list must never pass unnoticed
        raise ProtocolError("bad_events", "列 dv 与 ds 不一致。")
    refs = col.get("ref", [])
    if not isinstance(refs, list):
        raise ProtocolError("bad_events", "列 ref 格式不对。")
    if refs:
        # Each a list of three non-negative integers (not booleans), event / key / event in range;
        # checked column by column.
        if set(map(type, refs)) != {list} or set(map(len, refs)) != {3}:
            raise ProtocolError("bad_events", "列 ref 的下标不对。")
        at, key, of = (list(c) for c in zip(*refs))
        if (set(map(type, at)) | set(map(type, key)) | set(map(type, of)) != {int}
                or min(at) < 0 or max(at) >= n or min(of) < 0 or max(of) >= n or min(key) < 0
                or any(k >= len(shapes[shape_idx[i]]) for i, k in zip(at, key))):
            raise ProtocolError("bad_events", "列 ref 的下标不对。")
        for i, k, j in zip(at, key, of):
            datas[i][shapes[shape_idx[i]][k]] = eids[j]
    return Columns(n, ids, hlcs, strings["village"], strings["origin"], strings["entity"], eids, strings["op"], datas,
                   strings["actor"], id_hex, hlc_ok, isinstance(col.get("eid"), str))


def _data_rows(data: Any, n: int) -> list[dict[str, Any]]:
    """The ``"data"`` form: one JSON object per event, checked as a container. Its nesting is
    checked later, on the texts the township stores (``sync.events.validate_columns``): a walk of
    every value here cost 6,000 instructions an event (measured), counting the texts' brackets
    ~2,500 (an errand's data, mostly Chinese)."""
    rows = _list(data, n, "data")
    if n and set(map(type, rows)) != {dict}:
        raise ProtocolError("bad_events", "列 data 的每一项都应为对象。")
    return rows


def data_too_deep(texts: Sequence[bytes | None], datas: Sequence[Any]) -> bool:
    """Whether any event's data nests deeper than ``MAX_DEPTH`` (as the grouped form's check
    counts it), from the UTF-8 texts of those data (None: an event refused anyway): only a text
    with at least that many brackets can, and only those are walked."""
    plain = [t or b"" for t in texts] if None in texts else cast("Sequence[bytes]", texts)
    opening = list(map(operator.add, map(bytes.count, plain, repeat(b"[")), map(bytes.count, plain, repeat(b"{"))))
    if max(opening, default=0) < MAX_DEPTH:
        return False
    return any(_too_deep(d, MAX_DEPTH) for d, k in zip(datas, opening) if k >= MAX_DEPTH)


def decode_events(col: Any) -> list[dict[str, Any]]:
    """The columnar form back into event dicts (each still to be validated one by one)."""
    c = decode_columns(col)
    return [c.row(i) for i in range(c.n)]


# --- message shapes -------------------------------------------------------------------------------

def sync_request(*, cursor: int, batch_id: str | None = None, events: list[dict[str, Any]] | None = None,
                 limit: int = 5000, pending: int = 0, own: bool = False,
                 columns: dict[str, Any] | None = None) -> dict[str, Any]:
    """One round trip: an optional batch to push, and the pull from ``cursor``.

    - ``own``: the pull includes the device's own events too (a repair after the laptop lost
      some, e.g. restored from an older backup); normally they are left out.
    """
    msg: dict[str, Any] = {"v": VERSION, "cursor": cursor, "limit": limit, "pending": pending}
    if own:
        msg["own"] = True
    if batch_id is not None:
        msg["batch"] = {"id": batch_id, "events": columns if columns is not None else encode_events(events or [])}
    return msg


def int_field(msg: dict[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = msg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ProtocolError("bad_field", f"字段 {key} 应为 {lo} 到 {hi} 之间的整数。")
    return value


def is_batch_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 8 <= len(value) <= 64 and re.fullmatch(r"[A-Za-z0-9_.:-]+", value) is not None


def batch_columns_of(msg: dict[str, Any]) -> tuple[str, Columns] | None:
    """The pushed batch of a sync request as (id, columns), or None (the township's fast path)."""
    batch = msg.get("batch")
    if batch is None:
        return None
    if not isinstance(batch, dict):
        raise ProtocolError("bad_batch", "batch 应为对象。")
    bid = batch.get("id")
    if not is_batch_id(bid):
        raise ProtocolError("bad_batch", "batch.id 应为8到64位的字母数字。")
    return bid, decode_columns(batch.get("events"))


# --- consistency digest ---------------------------------------------------------------------------

def xor_digest(ids: list[str] | Any) -> str:
    """The order-independent digest of a set of event ids (XOR of their 128 bits, 32 hex digits)."""
    return f"{xor_hex_run(''.join(ids).replace('-', '')):032x}"


def xor_hex_run(run: str) -> int:
    """The XOR of the 128-bit values in a run of 32 hex digits each (ids without dashes).

    - Read as one integer and folded in halves: a few big-integer operations in C instead of one
      Python step per id (100,000 ids: ~10 ms instead of ~150 ms).
    """
    if len(run) % 32:
        raise ValueError("not a run of 128-bit hex values")
    n = len(run) // 32
    if not n:
        return 0
    x = int.from_bytes(bytes.fromhex(run), "big")
    acc = 0
    while n > 1:
        if n % 2:  # take the lowest value out, so that what is left halves evenly
            acc ^= x & ((1 << 128) - 1)
            x >>= 128
            n -= 1
        bits = 128 * (n // 2)
        x = (x >> bits) ^ (x & ((1 << bits) - 1))
        n //= 2
    return x ^ acc


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

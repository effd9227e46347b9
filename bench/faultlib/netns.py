"""Two network namespaces joined by a veth pair, with a 64 kbit/s ``tc tbf`` and a 5 % random
drop by nftables (``numgen random mod 100 < 5 drop``) on each side's way out.

- Everything lives inside the two namespaces this module creates (names carry the process id),
  so deleting them removes the veth pair, the qdiscs and the nft tables with them; ``close()``
  runs even when a case fails (use it as a context manager), and ``sweep()`` removes leftovers
  of earlier runs of this module that were killed.
- ``available()`` says whether it can work here (root, ``ip``, ``tc``, ``nft``, namespaces); the
  campaign falls back to loopback with the proxy's own shaping when it cannot.
- Addresses: village 10.231.0.1, township 10.231.0.2 (/30), only on the veth pair.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

PREFIX = "vafault"
VILLAGE_IP = "10.231.0.1"
TOWNSHIP_IP = "10.231.0.2"


def _run(*cmd: str, input_text: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), input=input_text, capture_output=True, text=True, timeout=20, check=check)


def available() -> tuple[bool, str]:
    """(usable, why not)."""
    if os.geteuid() != 0:
        return False, "not root"
    for tool in ("ip", "tc", "nft"):
        if shutil.which(tool) is None:
            return False, f"{tool} is not installed"
    probe = f"{PREFIX}probe{os.getpid()}"
    try:
        _run("ip", "netns", "add", probe)
    except (subprocess.SubprocessError, OSError) as exc:
        return False, f"cannot create a network namespace ({str(getattr(exc, 'stderr', exc)).strip()[:80]})"
    _run("ip", "netns", "del", probe, check=False)
    return True, ""


def sweep() -> list[str]:
    """Delete namespaces left by earlier runs that were killed (ours by prefix, and only those
    whose process is gone: a campaign running beside this one keeps its link)."""
    out = _run("ip", "netns", "list", check=False).stdout
    gone = []
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX) or len(name) <= len(PREFIX) + 1:
            continue
        tag = name[len(PREFIX) + 1:]
        if tag.isdigit() and os.path.exists(f"/proc/{tag}"):
            continue
        _run("ip", "netns", "del", name, check=False)
        gone.append(name)
    return gone


class WeakLink:
    """The village namespace and the township namespace, joined by a shaped, lossy veth pair."""

    def __init__(self, rate: str = "64kbit", drop_percent: int = 5, tag: str | None = None):
        tag = tag or str(os.getpid())
        self.village = f"{PREFIX}v{tag}"
        self.township = f"{PREFIX}t{tag}"
        self.rate = rate
        self.drop_percent = drop_percent
        self._veth = (f"vfv{tag}"[:15], f"vft{tag}"[:15])
        self.up = False

    def exec_prefix(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]

    def open(self) -> "WeakLink":
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        self.up = True
        return self

    def _setup(self) -> None:
        v, t = self._veth
        _run("ip", "netns", "add", self.village)
        _run("ip", "netns", "add", self.township)
        # Create the pair inside the village namespace, then move one end: nothing ever sits in
        # the host's namespace.
        _run("ip", "-n", self.village, "link", "add", v, "type", "veth", "peer", "name", t)
        _run("ip", "-n", self.village, "link", "set", t, "netns", self.township)
        for ns, dev, ip in ((self.village, v, VILLAGE_IP), (self.township, t, TOWNSHIP_IP)):
            _run("ip", "-n", ns, "addr", "add", f"{ip}/30", "dev", dev)
            _run("ip", "-n", ns, "link", "set", dev, "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            # tbf: rate as asked, a burst of a few packets, and a queue of ~1 s at this rate.
            _run(*self.exec_prefix(ns), "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", self.rate,
                 "burst", "4kb", "latency", "1000ms")
            if self.drop_percent:
                rules = (f"table inet {PREFIX} {{\n chain out {{\n  type filter hook output priority 0;\n"
                         f"  oifname \"{dev}\" numgen random mod 100 < {int(self.drop_percent)} drop\n }}\n}}\n")
                _run(*self.exec_prefix(ns), "nft", "-f", "-", input_text=rules)

    def describe(self) -> dict[str, Any]:
        def show(ns: str, *cmd: str) -> str:
            return _run(*self.exec_prefix(ns), *cmd, check=False).stdout.strip()

        return {"tc": show(self.village, "tc", "qdisc", "show", "dev", self._veth[0]),
                "nft": show(self.village, "nft", "list", "ruleset")}

    def close(self) -> None:
        for ns in (self.village, self.township):
            _run("ip", "netns", "del", ns, check=False)
        self.up = False

    def __enter__(self) -> "WeakLink":
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

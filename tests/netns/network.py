"""A small switched LAN of Linux network namespaces: one host per devnet process.

Address plan (10.77.0.0/24, nothing outside it; the root namespace gets no address and no
link to it, so nothing here can reach or be reached from the machine's own networks):

    namespace    interface   address       runs
    tl-val-0     eth0        10.77.0.10    validator val-0
    tl-val-1     eth0        10.77.0.11    validator val-1
    tl-val-2     eth0        10.77.0.12    validator val-2
    tl-val-3     eth0        10.77.0.13    validator val-3
    tl-wallet    eth0        10.77.0.20    the wallet
    tl-client    eth0        10.77.0.30    the CLI, run by the tests
    tl-switch    br0         (none)        the bridge; v-<host> is the other end of each eth0

A partition takes a host's eth0 down from inside its namespace: the host loses its route to
the LAN and the others see its address go silent, as when a cable is pulled. Healing sets
the link up again; nothing else is touched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

PREFIX = "tl-"
SWITCH = "tl-switch"
BRIDGE = "br0"
HOST_IF = "eth0"
SUBNET_PREFIX_LEN = 24
HOSTS = {
    "val-0": "10.77.0.10",
    "val-1": "10.77.0.11",
    "val-2": "10.77.0.12",
    "val-3": "10.77.0.13",
    "wallet": "10.77.0.20",
    "client": "10.77.0.30",
}
"""Each host of the LAN -> its address; its namespace is tl-<host>."""

IP_TIMEOUT_S = 10.0
LOCK_PATH = Path("/run/lock/trustledger-netns.lock")
LOCK_WAIT_S = 300.0
KILL_WAIT_S = 10.0


class NetnsUnavailable(Exception):
    """Network namespaces cannot be created here (not root, no `ip`, no kernel support)."""


def namespace(host: str) -> str:
    return f"{PREFIX}{host}"


def exec_prefix(host: str) -> list[str]:
    """What runs a command inside `host`'s namespace (it execs the command in place)."""
    return ["ip", "netns", "exec", namespace(host)]


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", *args], capture_output=True, text=True, timeout=IP_TIMEOUT_S, check=check
    )


def probe() -> None:
    """Create and delete one namespace: the only sure test that this machine lets us."""
    if shutil.which("ip") is None:
        raise NetnsUnavailable("the `ip` command (iproute2) is not installed")
    name = f"{PREFIX}probe-{os.getpid()}"
    try:
        done = ip("netns", "add", name, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NetnsUnavailable(f"`ip netns add` failed: {exc}") from exc
    if done.returncode != 0:
        why = "not root" if os.geteuid() != 0 else "the kernel refused"
        raise NetnsUnavailable(f"cannot create a network namespace ({why}): {done.stderr.strip()}")
    ip("netns", "del", name, check=False)


def existing_namespaces() -> list[str]:
    """Our namespaces (tl-*) present now, e.g. left over by a run that crashed."""
    listed = ip("netns", "list").stdout.splitlines()
    return [line.split()[0] for line in listed if line.startswith(PREFIX)]


def _kill_processes_in(ns: str) -> None:
    """SIGKILL what still runs in `ns` (processes an earlier run started there) and wait
    until they are gone, so the namespace can go."""
    pids = [int(p) for p in ip("netns", "pids", ns, check=False).stdout.split()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + KILL_WAIT_S
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            try:
                waited, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child: reaped by its parent or by init
                waited = pid if not Path(f"/proc/{pid}").exists() else 0
            if waited == pid:
                pids.remove(pid)
        time.sleep(0.05)


def teardown() -> None:
    """Remove every tl-* namespace with what runs in it; the veth pairs and the bridge
    go with their namespaces. Safe to call when nothing is there."""
    for ns in existing_namespaces():
        _kill_processes_in(ns)
        ip("netns", "del", ns, check=False)
    left = existing_namespaces()
    if left:
        raise RuntimeError(f"could not remove network namespaces: {', '.join(left)}")


def build() -> None:
    """The switch, then each host wired to it: lo and eth0 up, its address on eth0."""
    ip("netns", "add", SWITCH)
    ip("-n", SWITCH, "link", "set", "lo", "up")
    ip("-n", SWITCH, "link", "add", BRIDGE, "type", "bridge")
    ip("-n", SWITCH, "link", "set", BRIDGE, "up")
    for host, address in HOSTS.items():
        ns = namespace(host)
        port = f"v-{host}"
        ip("netns", "add", ns)
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", SWITCH, "link", "add", port, "type", "veth", "peer", "name", HOST_IF, "netns", ns)
        ip("-n", SWITCH, "link", "set", port, "master", BRIDGE)
        ip("-n", SWITCH, "link", "set", port, "up")
        ip("-n", ns, "addr", "add", f"{address}/{SUBNET_PREFIX_LEN}", "dev", HOST_IF)
        ip("-n", ns, "link", "set", HOST_IF, "up")


def cut(host: str) -> None:
    """Partition `host`: its only link to the LAN goes down."""
    ip("-n", namespace(host), "link", "set", HOST_IF, "down")


def heal(host: str) -> None:
    ip("-n", namespace(host), "link", "set", HOST_IF, "up")


def root_addresses() -> list[str]:
    """IPv4 addresses of the root namespace (where this test process runs)."""
    return [
        line.split()[3]
        for line in ip("-o", "-4", "addr", "show").stdout.splitlines()
        if len(line.split()) > 3
    ]


@contextmanager
def exclusive() -> Iterator[None]:
    """One run at a time on this machine: the namespace names are fixed."""
    LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_PATH, "w") as lock:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"another netns run holds {LOCK_PATH}") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def lan() -> Iterator[None]:
    """The LAN for the length of the block; leftovers of an earlier run are removed
    first, and everything is removed after, however the block ends."""
    with exclusive():
        teardown()
        try:
            build()
            yield
        finally:
            teardown()


def run_in(
    host: str, argv: Sequence[str], timeout_s: float, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `argv` inside `host`'s namespace and wait for it, at most `timeout_s`."""
    return subprocess.run(
        [*exec_prefix(host), *argv],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )

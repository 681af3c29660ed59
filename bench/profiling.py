"""Where the time goes: py-spy samples of the app's workers, and CPU seconds per process group.

py-spy (`record --format raw --nonblocking`) writes one line per distinct stack: frames from the root
to the leaf, then a count. SQLAlchemy runs its ORM in greenlets, so many stacks start at the greenlet
and not at the route handler; each sample is therefore charged to a LAYER: walking from the leaf
towards the root, the first frame that belongs to a known package decides (a call into the standard
library is charged to the package that made it).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

LAYERS = [  # (layer, pattern on "function (file:line)"), tried per frame from the leaf up
    ("argon2 (login)", re.compile(r"argon2/|passwords\.py")),
    ("asyncpg / aiosqlite (DB driver)", re.compile(r"\(asyncpg/|\(aiosqlite/|\(sqlite3/")),
    ("SQLAlchemy (ORM + Core)", re.compile(r"\(sqlalchemy/")),
    ("Jinja2 templates", re.compile(r"\(jinja2/|\(markupsafe/|templates/|litestar/template|litestar/plugins/jinja|\(babel/")),
    ("redis-py", re.compile(r"\(redis/")),
    ("request log (JSON lines)", re.compile(r"contest/logs\.py|\(logging/")),
    ("Litestar (routing, DI, CSRF, forms, responses)", re.compile(r"\(litestar/|\(msgspec/|\(multipart|\(multidict/")),
    ("uvicorn / httptools", re.compile(r"\(uvicorn/|\(httptools/|\(h11/")),
    ("app code (contest/, questions/)", re.compile(r"\(contest/|\(questions/")),
    ("asyncio event loop", re.compile(r"\(asyncio/|\(uvloop/|Runner\.run")),
]
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")
APP_FUNCTIONS = re.compile(r"\((contest|questions)/[^)]*\)$")


def read_raw(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        head, _, count = line.rpartition(" ")
        if not count.isdigit() or not head.strip():
            continue  # an empty stack: py-spy caught the thread between Python frames
        stacks.append((head.split(";"), int(count)))
    return stacks


def layer_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for layer, pattern in LAYERS:
            if pattern.search(frame):
                return layer
    return "other"


def summarise(paths: list[Path], seconds: float) -> dict:
    """Samples per layer (share of the workers' busy samples), and the app functions seen most (inclusive)."""
    layers: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for path in paths:
        if not path.exists():
            continue
        for frames, count in read_raw(path):
            total += count
            layers[layer_of(frames)] += count
            seen = set()
            for frame in frames:
                match = FRAME.match(frame)
                if match and APP_FUNCTIONS.search(frame):
                    name = f"{match['function']} ({match['file']})"
                    if name not in seen:
                        seen.add(name)
                        functions[name] += count
    return {
        "samples": total, "seconds": seconds,
        "layers": [(layer, count, count / total if total else 0.0) for layer, count in layers.most_common()],
        "app_functions": [(name, count, count / total if total else 0.0) for name, count in functions.most_common(25)],
    }


# CPU accounting from /proc.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pids_named(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == name:
                        pids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return pids


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class CpuWatch:
    """CPU seconds used by groups of processes between start() and stop()."""

    def __init__(self, groups: dict[str, callable]) -> None:
        self.groups = groups  # name → function returning the group's pids now

    def _snapshot(self) -> dict[str, dict[int, float]]:
        snapshot = {}
        for name, pids in self.groups.items():
            snapshot[name] = {pid: cpu for pid in pids() if (cpu := process_cpu(pid)) is not None}
        return snapshot

    def start(self) -> None:
        self.before = self._snapshot()
        self.machine_before = machine_cpu()

    def stop(self) -> dict:
        after = self._snapshot()
        busy1, total1 = machine_cpu()
        busy0, total0 = self.machine_before
        used = {}
        for name, pids in after.items():
            # a process that appeared meanwhile counts from zero; one that left is lost (rare: pools keep them)
            used[name] = sum(cpu - self.before[name].get(pid, 0.0) for pid, cpu in pids.items())
        return {"cpu_seconds": used, "machine_busy_seconds": busy1 - busy0, "machine_seconds": total1 - total0}

"""Where a benchmark's CPU went: the user + system time of a process and everything under it, read
from ``/proc`` (Linux). ``loadbench`` reads it around the creates for the app servers, the worker and
PostgreSQL, so the report says what one received-and-dispatched request costs each of them — on a
2-core machine the three share the same cores, and their sum is the throughput's ceiling."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone since the listing
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    return text[text.rindex(")") + 2 :].split()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_seconds(root: int) -> float:
    """CPU seconds of ``root`` and its descendants, including the children they have reaped (a
    PostgreSQL backend that ended, counted in the postmaster's ``cutime``)."""
    children = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        fields = _stat(pid)
        if fields is None:
            continue
        # Fields 14–17 of /proc/PID/stat (here from index 0 = field 3): utime, stime, cutime, cstime.
        total += sum(int(value) for value in fields[11:15])
        todo += children.get(pid, [])
    return total / _TICK


def postmaster_pid(data_dir: Path) -> int:
    """The PostgreSQL server's process id, from its data directory's ``postmaster.pid``."""
    return int((data_dir / "postmaster.pid").read_text().split()[0])

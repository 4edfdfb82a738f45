"""Is the process that wrote a run still there? A run stays "running" in the store when its
writer is killed; its id may meanwhile belong to another process (ids are reused), so a live id
counts only if that process started before the run was created."""

from __future__ import annotations

import os
import time


def pid_alive(pid: int, since: float | None = None) -> bool:
    """Whether a process with this id exists on this machine (and, with `since`, started before
    that Unix time: a process started later only reuses the id of the one that wrote the run)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill would terminate it on Windows
        import ctypes

        k32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        h = k32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not h:
            return False
        code = ctypes.c_ulong()
        k32.GetExitCodeProcess(h, ctypes.byref(code))
        k32.CloseHandle(h)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process
    started = process_start_time(pid)
    return since is None or started is None or started <= since + START_SLACK_S


START_SLACK_S = 0.5  # the clocks compared differ by this much at most


def process_start_time(pid: int) -> float | None:
    """The Unix time process `pid` started (Linux: /proc), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    age = uptime - int(fields[19]) / ticks  # field 22 of stat: start time in ticks since boot
    return time.time() - age

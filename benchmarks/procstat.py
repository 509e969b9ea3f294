"""CPU time and memory of a process, read from ``/proc`` (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CpuSample:
    """CPU seconds used so far (own threads; ``children`` = waited-for children)."""

    own: float
    children: float

    @property
    def total(self) -> float:
        return self.own + self.children


def cpu(pid: int) -> CpuSample:
    """utime+stime (and cutime+cstime) of ``pid``; resolution 1/SC_CLK_TCK (10 ms)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return CpuSample((utime + stime) / _TICKS, (cutime + cstime) / _TICKS)


@dataclass(frozen=True, slots=True)
class Memory:
    """Resident memory in bytes: now (VmRSS) and the peak so far (VmHWM)."""

    rss: int
    peak: int


def memory(pid: int) -> Memory:
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024  # kB
    return Memory(values.get("VmRSS", 0), values.get("VmHWM", 0))

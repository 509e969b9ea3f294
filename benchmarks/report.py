"""Statistics, the targets of issue 7, and the table / JSON / Markdown outputs."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Samples = dict[str, list[float]]  # "scenario.metric" -> values (per run, or pooled per key)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile with linear interpolation (``fraction`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "p95": percentile(values, 0.95),
        "n": float(len(values)),
    }


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table: a metric, how to read it, and maybe a target."""

    label: str
    metric: str
    stat: str = "median"  # median | p95 | max (of the samples)
    unit: str = "s"  # s | ms | x | MiB | %
    limit: float | None = None  # pass when the value is <= limit
    target: str = ""
    profanity: str = ""
    poezio: str = ""
    bare: str = ""  # a reference, or "metric:<name>" for our own bare receiver


ROWS: tuple[Row, ...] = (
    Row("start-up → 500-contact roster usable", "startup_500.usable_s", limit=0.8,
        target="≤ 0.8 s", profanity="1.07 s", poezio="1.00 s"),
    Row("burst 2,000 msgs → last on screen (× bare)", "burst.burst_ratio", unit="x", limit=1.1,
        target="≤ 1.1×", profanity="7.0×", poezio="1.2×", bare="1× (≈ 2.3 s)"),
    Row("  … bare receiver, bursts before / after the app's (ratio: their mean)",
        "burst.bare_before_s", bare="metric:burst.bare_s"),
    Row("  … × bare receiver with stream management (XEP-0198)", "burst.burst_ratio_sm",
        unit="x"),
    Row("  … bare receiver with stream management: last message", "burst.bare_sm_s"),
    Row("  … last on screen (absolute)", "burst.burst_screen_s",
        bare="metric:burst.bare_s"),
    Row("  … last stored in SQLite", "burst.burst_stored_s"),
    Row("  … Prosody's CPU meanwhile", "burst.burst_prosody_cpu_s",
        bare="metric:burst.bare_prosody_cpu_s"),
    Row("  … Prosody's CPU, bare receiver with stream management", "burst.bare_sm_prosody_cpu_s"),
    Row("CPU for that burst", "burst.burst_cpu_s", limit=1.2, target="≤ 1.2 s",
        profanity="8.6 s", poezio="1.9 s", bare="metric:burst.bare_cpu_s"),
    Row("key echo while the burst arrives, p95", "typing.echo_s", stat="p95", unit="ms",
        limit=0.008, target="≤ 8 ms", profanity="75 ms", poezio="9 ms"),
    Row("  … key echo, median", "typing.echo_s", unit="ms"),
    Row("  … key echo, max", "typing.echo_s", stat="max", unit="ms"),
    Row("memory (RSS), 500 contacts, after burst", "burst.burst_rss_mib", unit="MiB",
        limit=55, target="≤ 55 MiB", profanity="43 MiB", poezio="55 MiB",
        bare="metric:burst.bare_rss_mib"),
    Row("idle CPU (500 contacts)", "startup_500.idle_cpu_pct", unit="%", limit=0.1,
        target="≈ 0 % (≤ 0.1 %)", profanity="0.13 %", poezio="0 %"),
    Row("  … idle RSS", "startup_500.idle_rss_mib", unit="MiB"),
    Row("  … RSS growth over 40 rounds of open/close tab + focus changes",
        "startup_500.session_growth_mib", unit="MiB"),
    Row("5,000 contacts: start-up", "startup_5000.usable_s", limit=1.5, target="≤ 1.5 s"),
    Row("5,000 contacts: filter keystroke, p95", "startup_5000.filter_key_s", stat="p95",
        unit="ms", limit=0.030, target="≤ 30 ms"),
    Row("100k-message history: open tab", "history.history_open_s", unit="ms", limit=0.150,
        target="≤ 150 ms"),
    Row("100k-message history: search", "history.search_s", unit="ms", limit=0.200,
        target="≤ 200 ms"),
    Row("  … scroll back 5,000 messages (PageUp)", "history.scroll_s"),
    Row("  … one PageUp, median", "history.pageup_s", unit="ms"),
    Row("  … one PageUp, p95", "history.pageup_s", stat="p95", unit="ms"),
)  # fmt: skip

#: Start-up phases, shown under the table.
PHASES: tuple[tuple[str, str], ...] = (
    ("first paint (welcome notice)", "startup_500.first_paint_s"),
    ("connected (“Connected as”)", "startup_500.connected_s"),
    ("known contact on screen", "startup_500.roster_s"),
    ("5,000: first paint", "startup_5000.first_paint_s"),
    ("5,000: connected", "startup_5000.connected_s"),
    ("5,000: known contact on screen", "startup_5000.roster_s"),
)

#: Metrics whose samples are pooled over all runs (one per key) rather than one per run.
POOLED = {"typing.echo_s", "startup_5000.filter_key_s", "history.pageup_s"}


def scale(value: float, unit: str) -> float:
    return value * 1000 if unit == "ms" else value


def fmt(value: float, unit: str) -> str:
    shown = scale(value, unit)
    if unit == "x":
        return f"{shown:.2f}×"
    if unit == "%":
        return f"{shown:.2f} %"
    if unit == "MiB":
        return f"{shown:.1f} MiB"
    if unit == "ms":
        return f"{shown:.1f} ms"
    return f"{shown:.2f} s"


def evaluate(samples: Samples) -> list[dict[str, Any]]:
    """Every row with its value, spread and verdict (``None`` value: no samples)."""
    results: list[dict[str, Any]] = []
    for row in ROWS:
        values = samples.get(row.metric, [])
        entry: dict[str, Any] = {
            "label": row.label.strip(" …"),
            "metric": row.metric,
            "stat": row.stat,
            "unit": row.unit,
            "target": row.target,
            "limit": row.limit,
            "profanity": row.profanity,
            "poezio": row.poezio,
            "value": None,
            "pass": None,
        }
        bare = row.bare
        if bare.startswith("metric:"):
            bare_values = samples.get(bare[len("metric:") :], [])
            bare = fmt(statistics.median(bare_values), row.unit) if bare_values else "–"
        entry["bare"] = bare
        if values:
            stats = summary(values)
            entry.update(value=stats[row.stat], summary=stats, samples=len(values))
            if row.limit is not None:
                entry["pass"] = stats[row.stat] <= row.limit
        results.append(entry)
    return results


def spread(entry: dict[str, Any]) -> str:
    """``min–max`` of the samples (of per-run values; of all keys for pooled ones)."""
    stats = entry.get("summary")
    if not stats or stats["n"] < 2:
        return ""
    unit = entry["unit"]
    low, high = scale(stats["min"], unit), scale(stats["max"], unit)
    digits = 1 if unit in ("ms", "MiB") else 2
    return f"{low:.{digits}f}–{high:.{digits}f}"


def verdict(entry: dict[str, Any]) -> str:
    if entry["value"] is None:
        return "FAILED" if entry["limit"] is not None else "–"
    if entry["pass"] is None:
        return ""
    return "pass" if entry["pass"] else "FAIL"


def text_table(rows: list[dict[str, Any]], label_rows: Sequence[Row] = ROWS) -> str:
    header = ("scenario", "xmpptui", "spread", "target", "", "bare", "Profanity", "Poezio")
    lines = [header]
    for row, entry in zip(label_rows, rows, strict=True):
        value = fmt(entry["value"], entry["unit"]) if entry["value"] is not None else "n/a"
        lines.append(
            (row.label, value, spread(entry), entry["target"], verdict(entry), entry["bare"],
             entry["profanity"], entry["poezio"])
        )  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for number, line in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if number == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(rows: list[dict[str, Any]], runs: int, label_rows: Sequence[Row] = ROWS) -> str:
    out = [
        f"| scenario | xmpptui (median of {runs}; spread) | target | | "
        "bare slixmpp (same run) | Profanity 0.13 | Poezio 0.14 |",
        "|---|---|---|---|---|---|---|",
    ]
    for row, entry in zip(label_rows, rows, strict=True):
        value = fmt(entry["value"], entry["unit"]) if entry["value"] is not None else "n/a"
        extra = spread(entry)
        shown = f"{value} ({extra})" if extra else value
        label = row.label.replace("  … ", "↳ ")
        mark = {"pass": "✅", "FAIL": "❌", "FAILED": "❌ (failed)"}.get(verdict(entry), "")
        bare = entry["bare"] or ""
        out.append(
            f"| {label} | {shown} | {entry['target']} | {mark} | {bare} | "
            f"{entry['profanity']} | {entry['poezio']} |"
        )
    return "\n".join(out) + "\n"


def phase_lines(samples: Samples) -> list[str]:
    lines = []
    for label, metric in PHASES:
        values = samples.get(metric)
        if values:
            lines.append(f"  {label:<34} {statistics.median(values):.3f} s (launch → this)")
    return lines

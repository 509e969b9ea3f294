"""The five scenarios of issue 7, each one run of the real app under a pty.

Every function takes the :class:`~benchmarks.rig.Bench` and the run number and
returns ``{metric: value}`` (seconds, MiB, percent, or lists of per-key
latencies in seconds). Timestamps are taken by the pty reader when the bytes
arrive (see :mod:`benchmarks.terminal`); keys are timed just before they are
written. Any failure raises with a sentence; the runner records it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import fixtures as fx
from benchmarks.peers import burst_body, burst_id
from benchmarks.procstat import MIB, cpu, memory
from benchmarks.rig import Bench, BenchError, Helper
from benchmarks.terminal import PtyApp, ScreenTimeout

Metrics = dict[str, float | list[float]]

STARTUP_TIMEOUT = 30.0
KEY_TIMEOUT = 5.0
QUIET = 0.3  # "the screen settled": no output for this long
SETTLE_TIMEOUT = 20.0
WELCOME = "Welcome. Pick a contact"
CONNECTED = "Connected as "
PLACEHOLDER = "Type a message, or /help"
TYPING_PREFIX = "QXJ"  # typed before the burst, so every echo marker is unique
TYPED = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123"  # < composer width
KEY_PACING = 0.04  # between a key's echo and the next key (a fast typist: ~25 keys/s)
FILTER_PACING = 0.05


def _start(bench: Bench, app: PtyApp) -> Metrics:
    """Launch ``app``; time first paint, connection and the known contact on screen."""
    welcome = app.expect(WELCOME)
    connected = app.expect(CONNECTED)
    known = app.expect(fx.KNOWN_NAME)
    launched = app.start()
    first = welcome.wait(STARTUP_TIMEOUT, "the first screen (welcome notice)")
    online = connected.wait(STARTUP_TIMEOUT, f"“{CONNECTED.strip()}”")
    shown = known.wait(STARTUP_TIMEOUT, f"the contact “{fx.KNOWN_NAME}”")
    return {
        "first_paint_s": first - launched,
        "connected_s": online - launched,
        "roster_s": shown - launched,
        "usable_s": max(online, shown) - launched,
    }


def _settle(app: PtyApp, what: str) -> None:
    app.wait_quiet(QUIET, SETTLE_TIMEOUT, what)


def _type_command(app: PtyApp, text: str) -> None:
    """Type ``text`` into the composer (all at once) and wait for its echo."""
    echo = app.expect(text)
    app.send(text)
    echo.wait(KEY_TIMEOUT, f"the typed text “{text}”")


def _open_tab(app: PtyApp, jid: str, name: str) -> None:
    """``/msg JID`` + enter, waiting until the composer is empty again and the tab is there."""
    _type_command(app, f"/msg {jid}")
    cleared = app.expect(PLACEHOLDER)
    titled = app.expect(name)
    app.key("enter")
    cleared.wait(KEY_TIMEOUT, "the composer to empty after /msg")
    titled.wait(KEY_TIMEOUT, f"the tab “{name}”")


# ------------------------------------------------------------------ 1 + 5
def startup_500(bench: Bench, run: int, idle_seconds: float) -> Metrics:
    """Start-up with 500 contacts (50 online), then ``idle_seconds`` of idling."""
    app, _ = bench.app("s500")
    try:
        metrics = _start(bench, app)
        _settle(app, "the screen after start-up")
        if idle_seconds > 0:
            bench.profiling(app, True)
            metrics.update(_idle(app, idle_seconds))
            bench.profiling(app, False)
            metrics.update(_long_session(bench, app))
        return metrics
    finally:
        bench.finish(app)


#: A day of use in miniature: each round opens a conversation, closes it, and moves the
#: focus to the roster and back. The first rounds warm the caches; the growth over the
#: rest is what a long session would keep adding (Textual kept every closed tab and every
#: footer key it had built: 40 MiB over these 40 rounds before xmpptui worked around it).
SESSION_WARMUP, SESSION_ROUNDS = 10, 40
# In the footer of a 120-column screen only while the roster / the composer has the focus:
ROSTER_HINT, COMPOSER_HINT = "i Details", "alt+a Next unread"


def _session_round(app: PtyApp, jid: str) -> None:
    _open_tab(app, jid, fx.KNOWN_NAME)
    _type_command(app, "/close")
    console = app.expect(WELCOME)  # the console tab is shown again
    app.key("enter")
    console.wait(KEY_TIMEOUT, "the console tab after /close")
    for key, hint in (("ctrl+r", ROSTER_HINT), ("escape", COMPOSER_HINT)):
        footer = app.expect(hint)
        app.key(key)
        footer.wait(KEY_TIMEOUT, f"“{hint}” in the footer after {key}")


def _long_session(bench: Bench, app: PtyApp) -> Metrics:
    """RSS growth over ``SESSION_ROUNDS`` rounds of tabs and focus changes."""
    jid = bench.population.jid(fx.KNOWN_USER)
    for _ in range(SESSION_WARMUP):
        _session_round(app, jid)
    _settle(app, "the screen after the warm-up rounds")
    before = memory(app.pid).rss
    for _ in range(SESSION_ROUNDS):
        _session_round(app, jid)
    _settle(app, "the screen after the session rounds")
    return {"session_growth_mib": (memory(app.pid).rss - before) / MIB}


#: The idle window starts once the app used no CPU for this long: the screen settles
#: before start-up is over (offline contacts' presences keep coming, off screen).
CPU_QUIET = 1.0


def _until_cpu_quiet(app: PtyApp, quiet: float = CPU_QUIET, timeout: float = 30.0) -> float:
    """Wait until the app's CPU time stops growing for ``quiet`` seconds; how long it took."""
    started = time.monotonic()
    last, since = cpu(app.pid).total, started
    while (now := time.monotonic()) - since < quiet:
        if now - started > timeout:
            raise BenchError(f"the app kept using CPU for {timeout:g}s after start-up")
        time.sleep(0.05)  # polling interval of a deadline-bounded wait
        total = cpu(app.pid).total
        if total != last:
            last, since = total, time.monotonic()
    return time.monotonic() - started


def _idle(app: PtyApp, seconds: float) -> Metrics:
    waited = _until_cpu_quiet(app)
    before, bytes_before = cpu(app.pid), app.bytes_read
    started = time.monotonic()
    time.sleep(seconds)  # the deliberate idle window
    after, elapsed = cpu(app.pid), time.monotonic() - started
    mem = memory(app.pid)
    return {
        "idle_cpu_pct": 100 * (after.total - before.total) / elapsed,
        "idle_rss_mib": mem.rss / MIB,
        "idle_output_bytes_per_s": (app.bytes_read - bytes_before) / elapsed,
        "idle_waited_s": waited,  # from "screen settled" to "CPU quiet"
    }


# ------------------------------------------------------------------ 1 (5,000) + filter
def startup_5000(bench: Bench, run: int) -> Metrics:
    """Start-up with 5,000 contacts, then the roster filter typed key by key."""
    app, _ = bench.app("s5000")
    try:
        metrics = _start(bench, app)
        _settle(app, "the screen after start-up")
        cursor = app.expect(fx.KNOWN_NAME)  # the cursor lands on the first contact row
        app.key("ctrl+r")
        cursor.wait(KEY_TIMEOUT, "the roster cursor (ctrl+r)")
        _settle(app, "the roster after ctrl+r")
        box = app.expect("Filter: name or JID")
        pressed = app.key("f")
        metrics["filter_open_s"] = box.wait(KEY_TIMEOUT, "the filter box (f)") - pressed
        _settle(app, "the filter box")
        bench.profiling(app, True)
        latencies: list[float] = []
        for step, char in enumerate(fx.FILTER_TEXT, start=1):
            witness = app.expect(fx.witness(step))
            pressed = app.key(char)
            latencies.append(
                witness.wait(KEY_TIMEOUT, f"“{fx.witness(step)}” after filter key {step}") - pressed
            )
            time.sleep(FILTER_PACING)  # typing pace
        bench.profiling(app, False)
        metrics["filter_key_s"] = latencies
        return metrics
    finally:
        bench.finish(app)


# ------------------------------------------------------------------ 2 burst (+ bare receiver)
def _stored(database: Path, msg_id: str, timeout: float) -> float:
    """The moment ``msg_id`` is readable in the app's database (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    uri = f"file:{database}?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        while True:
            try:
                row = db.execute("SELECT 1 FROM messages WHERE msg_id = ?", (msg_id,)).fetchone()
            except sqlite3.OperationalError:
                row = None  # busy or mid-checkpoint: look again
            if row is not None:
                return time.monotonic()
            if time.monotonic() > deadline:
                raise BenchError(f"message {msg_id} was not in {database} within {timeout:g}s")
            time.sleep(0.005)  # polling interval of a deadline-bounded wait
    finally:
        db.close()


def _server_cpu(bench: Bench) -> float:
    """CPU seconds Prosody has used so far (to see what a client costs the server)."""
    pid = bench.server.pid
    return cpu(pid).total if pid is not None else 0.0


def _burst(bench: Bench, sender: Helper, to_user: str, tag: str) -> dict[str, float]:
    """Have ``sender`` send the burst; returns its start/queued/acked moments."""
    sender.tell(burst=bench.population.jid(to_user), count=bench.plan.burst_size, tag=tag)
    return sender.answer("start", 120, "the end of the burst")


def burst(bench: Bench, run: int) -> Metrics:
    """2,000 messages from one contact into the open tab, between the same burst to a
    bare receiver before the app starts and after it quits (the machine's speed
    drifts: the app is compared with the mean of the two)."""
    size, user = bench.plan.burst_size, f"br{run}"
    tag = f"B{run}x{int(time.time()) % 100000}"
    last_id, last_body = burst_id(tag, size), burst_body(tag, size)
    before = _bare_burst(bench, f"barepre{run}", tag + "p", sm=False)
    sender = bench.sender(user)
    app, database = bench.app(user)
    try:
        metrics = _start(bench, app)
        _settle(app, "the screen after start-up")
        _open_tab(app, bench.population.jid(fx.burst_user(user)), fx.BURST_NAME)
        _settle(app, "the screen after opening the tab")
        on_screen = app.expect(last_body[:40])
        bench.profiling(app, True)
        cpu_before, server_before = cpu(app.pid), _server_cpu(bench)
        sent = _burst(bench, sender, user, tag)
        shown = on_screen.wait(120, f"the last burst message ({last_id})")
        stored = _stored(database, last_id, 120)
        _settle(app, "the screen after the burst")
        cpu_after, mem = cpu(app.pid), memory(app.pid)
        bench.profiling(app, False)
        app_s = shown - sent["start"]
        metrics.update(
            burst_prosody_cpu_s=_server_cpu(bench) - server_before,
            burst_screen_s=app_s,
            burst_stored_s=stored - sent["start"],
            burst_server_s=sent["acked"] - sent["start"],
            burst_cpu_s=cpu_after.total - cpu_before.total,
            burst_rss_mib=mem.rss / MIB,
            burst_peak_rss_mib=mem.peak / MIB,
        )
    finally:
        bench.finish(app)
        bench.release(sender)
    bare = _bare_burst(bench, f"bare{run}", tag + "r", sm=False)
    metrics.update({f"bare_{k}": v for k, v in bare.items()}, bare_before_s=before["s"])
    metrics.update(burst_ratio=app_s / ((before["s"] + bare["s"]) / 2))
    # The same with stream management, which xmpptui uses: Prosody then queues a copy of
    # every stanza it sends, and on two cores that shows in the time of everybody.
    bare_sm = _bare_burst(bench, f"baresm{run}", tag + "s", sm=True)
    metrics.update(
        {f"bare_sm_{k}": v for k, v in bare_sm.items()}, burst_ratio_sm=app_s / bare_sm["s"]
    )
    return metrics


def _bare_burst(bench: Bench, user: str, tag: str, *, sm: bool) -> dict[str, float]:
    """The burst to a bare slixmpp receiver: its time (first send -> 2,000th message),
    the server's, its CPU and RSS, and Prosody's CPU meanwhile."""
    size = bench.plan.burst_size
    sender = bench.sender(user)
    receiver = bench.receiver(user, tag, size, sm=sm)
    try:
        cpu_before, server_before = cpu(receiver.pid), _server_cpu(bench)
        sent = _burst(bench, sender, user, tag)
        got = receiver.answer("last", 120, "the last message at the bare receiver")
        cpu_after, mem = cpu(receiver.pid), memory(receiver.pid)
        return {
            "prosody_cpu_s": _server_cpu(bench) - server_before,
            "s": got["last"] - sent["start"],
            "server_s": sent["acked"] - sent["start"],
            "cpu_s": cpu_after.total - cpu_before.total,
            "rss_mib": mem.rss / MIB,
        }
    finally:
        bench.release(receiver)
        bench.release(sender)


# ------------------------------------------------------------------ 3 typing during a burst
def typing(bench: Bench, run: int) -> Metrics:
    """Keys typed one by one in the composer while 2,000 messages arrive."""
    size, user = bench.plan.burst_size, f"tr{run}"
    tag = f"T{run}x{int(time.time()) % 100000}"
    sender = bench.sender(user)
    app, _ = bench.app(user)
    try:
        metrics = _start(bench, app)
        _settle(app, "the screen after start-up")
        _open_tab(app, bench.population.jid(fx.burst_user(user)), fx.BURST_NAME)
        _type_command(app, TYPING_PREFIX)
        _settle(app, "the composer")
        last = app.expect(burst_body(tag, size)[:40])
        # Any burst message: a batched frame may already have scrolled past the first one.
        first = app.expect(re.compile(re.escape(tag) + r"-\d{4} "))
        bench.profiling(app, True)
        sender.tell(burst=bench.population.jid(user), count=size, tag=tag)
        first.wait(60, "the first burst messages")
        latencies: list[float] = []
        for count in range(1, len(TYPED) + 1):
            if last.seen:
                break
            echo = app.expect(TYPING_PREFIX + TYPED[:count])
            pressed = app.send(TYPED[count - 1])
            echoed = echo.wait(KEY_TIMEOUT, f"the echo of typed key {count}")
            if last.moment is None or last.moment > pressed:  # typed while the burst arrived
                latencies.append(echoed - pressed)
            time.sleep(KEY_PACING)  # typing pace
        shown = last.wait(120, "the last burst message")
        bench.profiling(app, False)
        sent = sender.answer("start", 120, "the end of the burst")
        if not latencies:
            raise BenchError("the burst ended before any key could be typed")
        metrics["echo_s"] = latencies
        metrics["typing_burst_screen_s"] = shown - sent["start"]
        return metrics
    finally:
        bench.finish(app)
        bench.release(sender)


# ------------------------------------------------------------------ 4 history
_HISTORY_NUMBER = re.compile(r"H(\d{6})")


def history(bench: Bench, run: int, scroll_back: int = 5000) -> Metrics:
    """A 100,000-message conversation: open it, page back ``scroll_back`` messages, search."""
    size = bench.plan.history_size
    app, _ = bench.app("hist", history=bench.history_template)
    try:
        metrics = _start(bench, app)
        _settle(app, "the screen after start-up")
        bench.profiling(app, True)
        _type_command(app, f"/msg {bench.population.jid(fx.HISTORY_PEER)}")
        newest = app.expect(fx.history_marker(size))
        pressed = app.key("enter")
        metrics["history_open_s"] = newest.wait(10, "the newest stored message") - pressed
        _settle(app, "the conversation")
        _type_command(app, f"/search {fx.HISTORY_WORD}")
        results = app.expect(re.compile(rf"{fx.HISTORY_WORD}”: \d+ message"))
        pressed = app.key("enter")
        metrics["search_s"] = results.wait(10, "the search results") - pressed
        _settle(app, "the search results")
        closed = app.expect(_HISTORY_NUMBER)  # the conversation drawn again
        app.key("escape")
        closed.wait(KEY_TIMEOUT, "the conversation after closing the search (escape)")
        _settle(app, "the conversation after the search")
        metrics.update(_scroll(app, size - scroll_back))
        bench.profiling(app, False)
        return metrics
    finally:
        bench.finish(app)


def _has_number(text: str) -> bool:
    return _HISTORY_NUMBER.search(text) is not None


def _scroll(app: PtyApp, target: int, max_presses: int = 2000) -> Metrics:
    """ctrl+l then PageUp, each as soon as the last one showed, until ``H<target>`` is shown."""
    focused = app.expect(_HISTORY_NUMBER)
    app.key("ctrl+l")
    focused.wait(KEY_TIMEOUT, "the message view focus (ctrl+l)")
    _settle(app, "the focused message view")
    numbers = app.watch(_HISTORY_NUMBER)
    lowest: Callable[[], int] = lambda: min(  # noqa: E731
        (int(m[1]) for _, m in numbers.hits), default=10**9
    )
    latencies: list[float] = []
    started = 0.0
    try:
        for _ in range(max_presses):
            effect = app.expect_frame(_has_number, "a frame with messages")
            pressed = app.key("pageup")
            started = started or pressed
            latencies.append(effect.wait(KEY_TIMEOUT, "any message after PageUp") - pressed)
            if lowest() <= target:
                break
        else:
            raise BenchError(f"{max_presses} PageUps reached message {lowest()}, not {target}")
        reached = min(t for t, m in numbers.hits if int(m[1]) <= target)
    finally:
        app.unwatch(numbers)
    return {
        "scroll_s": reached - started,
        "scroll_presses": float(len(latencies)),
        "pageup_s": latencies,
    }


__all__ = ["ScreenTimeout", "burst", "history", "startup_500", "startup_5000", "typing"]

"""The reconnect delay policy: about 1 s doubling to at most 5 min, with jitter."""

from __future__ import annotations

from xmpptui.xmpp.client import Timing


def test_delays_double_from_one_second_and_cap_at_five_minutes() -> None:
    timing = Timing()
    middle = [timing.backoff(n, rng=lambda: 0.5) for n in range(12)]
    assert middle[:5] == [1, 2, 4, 8, 16]
    assert max(middle) == 300 and middle[-1] == 300


def test_jitter_spreads_attempts_within_a_quarter() -> None:
    timing = Timing()
    assert timing.backoff(3, rng=lambda: 0.0) == 8 * 0.75
    assert timing.backoff(3, rng=lambda: 1.0) == 8 * 1.25
    assert timing.backoff(40, rng=lambda: 1.0) == 300 * 1.25  # huge attempt counts are fine


def test_tls_mode_rule_is_one_rule() -> None:
    from xmpptui.xmpp.client import uses_direct_tls

    assert uses_direct_tls(5223, None) and not uses_direct_tls(5222, None)
    assert uses_direct_tls(5222, True) and not uses_direct_tls(5223, False)
    assert not uses_direct_tls(None, None)

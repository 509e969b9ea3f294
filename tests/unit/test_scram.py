"""The hashlib SCRAM derivation gives exactly slixmpp's bytes."""

from __future__ import annotations

import pytest
from slixmpp.util.sasl.mechanisms import SCRAM

from xmpptui.xmpp import scram


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512"])
@pytest.mark.parametrize("iterations", [1, 2, 4096])
def test_fast_hi_equals_slixmpps(mechanism: str, iterations: int) -> None:
    mech = SCRAM(mechanism, {}, {"encrypted": True, "unencrypted_scram": False})
    password, salt = "pencil €".encode(), b"\x01salt\xff"
    expected = scram.original_hi()(mech, password, salt, iterations)
    scram.install()
    assert SCRAM.Hi is not scram.original_hi()
    assert mech.Hi(password, salt, iterations) == expected

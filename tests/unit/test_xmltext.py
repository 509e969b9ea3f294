"""Outgoing text keeps every character XML 1.0 allows and drops the others."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xmpptui.xmpp.xmltext import xml_text


def test_drops_exactly_the_forbidden_characters() -> None:
    assert xml_text("a\x00b\x1bc\x0bd\x7fe\ufffef\ud800g\tn\r\n😀") == "abcd\x7fefg\tn\r\n😀"


@given(st.text())
def test_result_always_serialises_as_xml(text: str) -> None:
    from xml.etree import ElementTree as ET

    element = ET.Element("body")
    element.text = xml_text(text)
    ET.fromstring(ET.tostring(element, encoding="unicode"))  # parses: no forbidden chars

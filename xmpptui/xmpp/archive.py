"""Our own message archive (XEP-0313 MAM, with XEP-0059 paging).

The app asks for one page at a time (``fetch``): at login to catch up
(``after_id`` = the newest ``stanza_id`` it has, or ``start``), when the user
scrolls back (``before_id``), or for the newest page of a conversation
(neither). The server sends each result as a ``<message>`` before answering
the query; ``messaging`` hands them to :meth:`Archive.collect`, which keeps
only results from our own account (or without ``from``) for a ``queryid`` we
issued. The answer's ``<fin/>`` closes the page: one ``ArchiveFetched``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from xmpptui.models import ChatMessage
from xmpptui.xmpp import chat_translate as ct
from xmpptui.xmpp.background import Background, guarded, issue
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.events import ArchiveFetched, ErrorOccurred, SessionEvent

log = logging.getLogger(__name__)

#: Seconds to wait for the end of one page of the archive.
ARCHIVE_TIMEOUT = 30.0


def _stamp(when: datetime) -> str:
    """XEP-0082 date-time in UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field(form: ET.Element, var: str, value: str, kind: str = "") -> None:
    field = ET.SubElement(form, f"{{{ct.NS_DATA}}}field", var=var)
    if kind:
        field.set("type", kind)
    ET.SubElement(field, f"{{{ct.NS_DATA}}}value").text = value


def archive_query(
    query_id: str,
    peer: str | None,
    *,
    after_id: str | None = None,
    before_id: str | None = None,
    start: datetime | None = None,
    limit: int = 100,
) -> ET.Element:
    """The ``<query/>`` of one archive page.

    ``after_id``/``start`` page forwards; ``before_id`` backwards; with none
    of them, the newest page (an empty RSM ``<before/>``).
    """
    query = ET.Element(f"{{{ct.NS_MAM}}}query", queryid=query_id)
    form = ET.SubElement(query, f"{{{ct.NS_DATA}}}x", type="submit")
    _field(form, "FORM_TYPE", ct.NS_MAM, "hidden")
    if peer:
        _field(form, "with", peer)
    if start is not None:
        _field(form, "start", _stamp(start))
    rsm = ET.SubElement(query, f"{{{ct.NS_RSM}}}set")
    ET.SubElement(rsm, f"{{{ct.NS_RSM}}}max").text = str(max(1, limit))
    if after_id:
        ET.SubElement(rsm, f"{{{ct.NS_RSM}}}after").text = after_id
    if before_id:
        ET.SubElement(rsm, f"{{{ct.NS_RSM}}}before").text = before_id
    elif not after_id and start is None:
        ET.SubElement(rsm, f"{{{ct.NS_RSM}}}before")
    return query


class Archive:
    """Pages of our archive, one query at a time or several in parallel."""

    def __init__(
        self,
        own_jid: str,
        connected: Callable[[], XmppClient | None],
        background: Background,
    ) -> None:
        self._own = own_jid
        self._connected = connected
        self._background = background
        self._pages: dict[str, list[ChatMessage]] = {}  # our open queryids -> results

    def _emit(self, event: SessionEvent) -> None:
        self._background.emit(event)

    @guarded
    def fetch(
        self,
        peer: str | None,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        start: datetime | None = None,
        limit: int = 100,
    ) -> None:
        """Ask for one page; it arrives as one ``ArchiveFetched`` (or ``ErrorOccurred``)."""
        what = f"Could not load the history with {peer}" if peer else "Could not load the history"
        with_jid = ct.bare_jid(peer) if peer else None
        client = self._connected()
        problem = ""
        if peer and not with_jid:
            problem = f'"{peer}" is not a valid address'
        elif client is None:
            problem = "not connected"
        if problem or client is None:
            self._emit(ErrorOccurred(f"{what}: {problem}."))
            return
        query_id = uuid.uuid4().hex
        query = archive_query(
            query_id, with_jid, after_id=after_id, before_id=before_id, start=start, limit=limit
        )
        iq = client.make_iq_set()  # no "to": our own account's archive
        iq.xml.append(query)
        self._pages[query_id] = []
        try:
            answer = issue(client, iq, ARCHIVE_TIMEOUT)
        except BaseException:
            del self._pages[query_id]
            raise
        self._background.spawn(self._finish(query_id, with_jid, answer), what)

    async def _finish(
        self, query_id: str, peer: str | None, answer: Coroutine[Any, Any, Any]
    ) -> None:
        try:
            fin = await answer
        finally:
            messages = self._pages.pop(query_id, [])
        messages.sort(key=lambda m: m.timestamp)  # stable: the server's order on ties
        first, last = ct.archive_bounds(fin.xml)
        complete = ct.archive_complete(fin.xml)
        self._emit(ArchiveFetched(peer, tuple(messages), complete, first, last))

    def collect(self, element: ET.Element) -> None:
        """Keep one result message, if it is from our account for a query of ours."""
        item = ct.archive_item(element, self._own, self._pages)
        if item is None:
            log.warning("ignored an archive result from %r", element.get("from"))
            return
        if item.message is not None:
            self._pages[item.query_id].append(item.message)

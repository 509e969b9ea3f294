"""Fire-and-forget work of the session, and handlers that never fail silently.

The app calls roster and blocking operations without awaiting them; the
awaiting (iq round trips, :func:`request`) runs here as tasks whose failures
become one :class:`ErrorOccurred` sentence instead of an unretrieved exception.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher.idsender import MatchIDSender

from xmpptui.xmpp import translate
from xmpptui.xmpp.events import ErrorOccurred, SessionEvent

log = logging.getLogger(__name__)

Emit = Callable[[SessionEvent], None]


class _Emitter(Protocol):
    def _emit(self, event: SessionEvent) -> None: ...


_P = ParamSpec("_P")
_S = TypeVar("_S", bound=_Emitter)


def guarded(method: Callable[Concatenate[_S, _P], None]) -> Callable[Concatenate[_S, _P], None]:
    """Turn an exception in a handler or API method into an ErrorOccurred event.

    For methods of objects with an ``_emit(event)`` method: slixmpp swallows
    handler exceptions, and the app's calls are fire-and-forget.
    """

    @functools.wraps(method)
    def wrapper(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            method(self, *args, **kwargs)
        except Exception as exc:  # slixmpp would swallow it silently
            log.exception("handler %s failed", method.__name__)
            self._emit(ErrorOccurred(f"Internal error while handling {method.__name__}: {exc}"))

    return wrapper


class RefusedError(Exception):
    """An iq was answered with an error; ``condition`` as in RFC 6120 8.3."""

    def __init__(self, stanza: Any) -> None:
        self.condition = translate.error_condition(stanza)
        super().__init__(translate.error_text(stanza))


async def request(client: Any, iq: Any, timeout: float) -> Any:
    """Send ``iq``; its result stanza, ``RefusedError`` or ``TimeoutError``.

    Not ``Iq.send()``: slixmpp 1.17 fails to build its ``IqError`` for a
    condition it does not know (``policy-violation``), and that future then
    resolves only with a timeout, hiding the reason.
    """
    return await issue(client, iq, timeout)


def issue(client: Any, iq: Any, timeout: float) -> Coroutine[Any, Any, Any]:
    """Like :func:`request`, but ``iq`` goes on the wire now, before the caller
    sends anything else; await (or spawn) the returned coroutine for the answer.
    """
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[Any] = loop.create_future()

    def on_answer(stanza: Any) -> None:
        if stanza["type"] in ("result", "error") and not answered.done():
            answered.set_result(stanza)

    name = f"xmpptui-iq-{iq['id']}"
    criteria = {"id": iq["id"], "self": client.boundjid, "peer": iq["to"]}
    client.register_handler(Callback(name, MatchIDSender(criteria), on_answer, once=True))
    try:
        client.send(iq)  # not iq.send(): no second, slixmpp-side waiter
    except BaseException:
        client.remove_handler(name)
        raise
    return _answer(client, name, answered, timeout)


async def _answer(client: Any, name: str, answered: asyncio.Future[Any], timeout: float) -> Any:
    try:
        answer = await asyncio.wait_for(answered, timeout)
    finally:
        client.remove_handler(name)
    if answer["type"] == "error":
        raise RefusedError(answer)
    return answer


def failure_text(what: str, error: BaseException) -> str:
    """``what`` (e.g. "Could not add bob@example.org") and why, as one sentence."""
    if isinstance(error, TimeoutError):
        return f"{what}: the server did not answer."
    return f"{what}: {str(error) or type(error).__name__}."


class Background:
    """Runs coroutines as tasks; a failure is reported (or dropped when ``quiet``)."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit  # the session's: shared by its helpers
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], what: str, *, quiet: bool = False) -> None:
        """Run ``work``; if it raises, emit ``ErrorOccurred(failure_text(what, error))``."""
        task = asyncio.ensure_future(self._run(work, what, quiet))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None], what: str, quiet: bool) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("%s: %r", what, error)
            if not quiet:
                self.emit(ErrorOccurred(failure_text(what, error)))

    def cancel_all(self) -> None:
        """Stop everything still running (the session is closing)."""
        for task in list(self._tasks):
            task.cancel()

"""Tab completion for the composer (pure: no Textual).

``complete(before, commands, others)`` looks at the word before the cursor:

| the word                         | candidates                                   |
|----------------------------------|----------------------------------------------|
| ``/ms`` (first word, one slash)  | ``/msg `` ... from the command names         |
| ``//x``                          | none (an escaped message, not a command)     |
| any other word (``bo``)          | ``others(word)``: JIDs and names from the app |

Candidates end with a space. One candidate replaces the word; several extend it
to their common prefix, and further Tabs cycle through them (``composer.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from xmpptui.ui import render

MAX_CANDIDATE = 1024  # longer JIDs do not exist (3071 bytes is the limit for all three parts)


@dataclass(frozen=True, slots=True)
class Completion:
    """Replace ``before[start:]`` (the word before the cursor) with one of ``candidates``."""

    start: int
    word: str
    candidates: tuple[str, ...]

    @property
    def common(self) -> str:
        """The longest prefix all candidates share, ignoring case (spelled as the first)."""
        first = self.candidates[0]
        size = len(first)
        for other in self.candidates[1:]:
            size = min(size, len(other))
            size = next((i for i in range(size) if first[i].lower() != other[i].lower()), size)
        return first[:size]


def word_start(before: str) -> int:
    """Where the last whitespace-separated word of ``before`` starts."""
    index = len(before)
    while index > 0 and not before[index - 1].isspace():
        index -= 1
    return index


def complete(
    before: str, commands: Iterable[str], others: Callable[[str], list[str]] | None = None
) -> Completion | None:
    """What Tab can put in place of the word that ends at the cursor (``None``: nothing)."""
    start = word_start(before)
    word = before[start:]
    if not word:
        return None
    if start == 0 and word.startswith("/"):
        if word.startswith("//"):
            return None
        typed = word[1:].lower()
        found = [f"/{name} " for name in commands if name.startswith(typed)]
    elif others is not None:
        cleaned = (render.clean_identity(c, MAX_CANDIDATE) for c in others(word))
        found = list(dict.fromkeys(f"{c} " for c in cleaned if c))
    else:
        found = []
    return Completion(start, word, tuple(found)) if found else None

"""Replacing member names, e-mail addresses and phone numbers before text leaves the process."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International or local numbers with optional separators; at least 7 digits so years and counts survive.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s().-]?\d){6,14}(?!\w)")


# Finnish writes a name's case as an ending ("Bealta", "Pekalle", "Ainon", "Beaan"), sometimes after
# a colon for foreign names ("Bob:lle"); Swedish and English add a genitive s. A name followed by one
# of these is still the name.
_ENDINGS = (
    "ineen|ine|ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|ksi|tta|ttä|seen|hin|hen|han|hon|hun|hyn|hän|hön"
    "|na|nä|ta|tä|[aeiouyäö]n|n|a|ä|s|'s"
)
_GRADATION = re.compile(r"(kk|pp|tt)([aeiouyäö])$", re.IGNORECASE)  # Pekka -> Pekan, Riikka -> Riikalle


def _name_pattern(name: str) -> tuple[str, str]:
    """(the regex source of a name in any of its forms, the lower-case start they all share)."""
    forms = [rf"{re.escape(name)}(?::?(?:{_ENDINGS}))?"]
    starts = [name]
    weak = _GRADATION.sub(lambda m: m.group(1)[0] + m.group(2), name)
    if weak != name:
        forms.append(rf"{re.escape(weak)}(?:{_ENDINGS})")  # the weak grade only ever appears inflected
        starts.append(weak)
    if name.lower().endswith("nen"):  # Virtanen -> Virtasen, Virtasta, Virtaselle
        forms.append(rf"{re.escape(name[:-3])}s(?:e(?:{_ENDINGS})|ta|tä)")
        starts.append(name[:-3])
    return rf"(?<!\w)(?:{'|'.join(forms)})(?!\w)", os.path.commonprefix([f.lower() for f in starts])


class Pseudonymiser:
    """The same person always becomes the same pseudonym ([P1], [P2] …) within one text batch.

    A network of 2,000 members has some 12,000 name patterns: each is compiled only once a text
    holds the start its forms share, so a digest does not compile them all for a few answers."""

    def __init__(self, names: Iterable[str]) -> None:
        self._people: dict[str, str] = {}
        patterns: list[tuple[str, str, int, str]] = []
        for number, name in enumerate(sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True), start=1):
            tag = f"[P{number}]"
            self._people[name] = tag
            patterns.append((*_name_pattern(name), re.IGNORECASE, tag))
            # "Anna" alone must go too when the member is "Anna Korhonen"; short parts are too ambiguous.
            for part in name.split():
                if len(part) >= 3 and part != name:
                    patterns.append((*_name_pattern(part), 0, tag))
        # Full names first, so "Anna Korhonen" becomes one tag, not two.
        patterns.sort(key=lambda item: -len(item[0]))
        self._patterns = patterns
        self._compiled: dict[tuple[str, int], re.Pattern[str]] = {}

    def _compile(self, source: str, flags: int) -> re.Pattern[str]:
        found = self._compiled.get((source, flags))
        if found is None:
            found = self._compiled[(source, flags)] = re.compile(source, flags)
        return found

    def apply(self, text: str) -> str:
        text = _EMAIL.sub("[email]", text)
        text = _PHONE.sub("[phone]", text)
        lower = text.lower()
        for source, start, flags, tag in self._patterns:
            if start and start not in lower:
                continue  # no form of this name can be in the text
            replaced = self._compile(source, flags).sub(tag, text)
            if replaced != text:
                text, lower = replaced, replaced.lower()
        return text

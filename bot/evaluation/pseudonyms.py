"""Replacing member names, e-mail addresses and phone numbers before text leaves the process."""

from __future__ import annotations

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


def _name_pattern(name: str, flags: int = 0) -> re.Pattern[str]:
    forms = [rf"{re.escape(name)}(?::?(?:{_ENDINGS}))?"]
    weak = _GRADATION.sub(lambda m: m.group(1)[0] + m.group(2), name)
    if weak != name:
        forms.append(rf"{re.escape(weak)}(?:{_ENDINGS})")  # the weak grade only ever appears inflected
    if name.lower().endswith("nen"):  # Virtanen -> Virtasen, Virtasta, Virtaselle
        forms.append(rf"{re.escape(name[:-3])}s(?:e(?:{_ENDINGS})|ta|tä)")
    return re.compile(rf"(?<!\w)(?:{'|'.join(forms)})(?!\w)", flags)


class Pseudonymiser:
    """The same person always becomes the same pseudonym ([P1], [P2] …) within one text batch."""

    def __init__(self, names: Iterable[str]) -> None:
        self._people: dict[str, str] = {}
        patterns: list[tuple[re.Pattern[str], str]] = []
        for number, name in enumerate(sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True), start=1):
            tag = f"[P{number}]"
            self._people[name] = tag
            patterns.append((_name_pattern(name, re.IGNORECASE), tag))
            # "Anna" alone must go too when the member is "Anna Korhonen"; short parts are too ambiguous.
            for part in name.split():
                if len(part) >= 3 and part != name:
                    patterns.append((_name_pattern(part), tag))
        # Full names first, so "Anna Korhonen" becomes one tag, not two.
        patterns.sort(key=lambda item: -len(item[0].pattern))
        self._patterns = patterns

    def apply(self, text: str) -> str:
        text = _EMAIL.sub("[email]", text)
        text = _PHONE.sub("[phone]", text)
        for pattern, tag in self._patterns:
            text = pattern.sub(tag, text)
        return text

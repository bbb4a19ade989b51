"""The summary made without a language model: key phrases and representative quotes.

Deterministic: the same answers always give the same summary, so it can be checked and trusted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
# Function words of the three languages; they carry no theme.
STOPWORDS = frozenset(
    """
    the and for that with this are was were have has had not but you your our their they them from into
    about what when where which who will would could should there here than then also just more most very
    some such only been being over other these those because while need needs want
    ja on ei se että oli ovat olla kun mutta tai myös kuin jos niin vain sekä jotka joka mitä miten mikä
    meidän meille meillä minä sinä hän tämä tuo nämä ne sen sitä siitä kanssa ollut olisi voisi pitäisi
    och att det som för med den inte till har var ett jag vi ska kan men eller också när där här vad hur
    vår våra deras dem sig sin sina mycket bara från över under efter
    """.split()
)
QUOTE_LENGTH = 220


def _tokens(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if len(w) >= 4 and w not in STOPWORDS]


def key_phrases(answers: Sequence[str], limit: int = 6) -> list[tuple[str, int]]:
    """Words and word pairs found in at least two answers, with in how many answers each occurs.

    A phrase found only in answers that an already chosen phrase covers says nothing new (it is
    usually the same sentence seen again), so the next phrase must reach other answers.
    """
    found: dict[str, set[int]] = {}
    for index, answer in enumerate(answers):
        words = _tokens(answer)
        for phrase in set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}:
            found.setdefault(phrase, set()).add(index)
    ranked = sorted(((p, s) for p, s in found.items() if len(s) >= 2), key=lambda item: (-len(item[1]), -len(item[0].split()), item[0]))
    chosen: list[tuple[str, set[int]]] = []
    for phrase, where in ranked:
        if any(where <= other for _, other in chosen):
            continue
        chosen.append((phrase, where))
        if len(chosen) == limit:
            break
    return [(phrase, len(where)) for phrase, where in chosen]


def representative_quotes(answers: Sequence[str], limit: int = 3) -> list[str]:
    """Answers that share the most words with the others (the centre of what was said)."""
    frequency: Counter[str] = Counter()
    token_sets = [set(_tokens(a)) for a in answers]
    for tokens in token_sets:
        frequency.update(tokens)
    scored = []
    for index, (answer, tokens) in enumerate(zip(answers, token_sets)):
        if not tokens:
            continue
        score = sum(frequency[t] - 1 for t in tokens) / (len(tokens) ** 0.5)
        scored.append((-score, index, answer))
    quotes: list[str] = []
    seen: set[str] = set()
    for _, _, answer in sorted(scored):
        text = " ".join(answer.split())
        if text.casefold() in seen:  # the same words twice are one voice in a summary
            continue
        seen.add(text.casefold())
        quotes.append(text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1].rstrip() + "…")
        if len(quotes) == limit:
            break
    return quotes

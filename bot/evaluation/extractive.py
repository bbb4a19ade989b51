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
    """Words and word pairs found in at least two answers, with in how many answers each occurs."""
    counts: Counter[str] = Counter()
    for answer in answers:
        words = _tokens(answer)
        pairs = {f"{a} {b}" for a, b in zip(words, words[1:])}
        counts.update(set(words) | pairs)
    ranked = sorted(((p, n) for p, n in counts.items() if n >= 2), key=lambda item: (-item[1], -len(item[0].split()), item[0]))
    chosen: list[tuple[str, int]] = []
    for phrase, n in ranked:
        # A pair that is as common as its words says the same thing more precisely: keep the pair.
        if any(phrase in other or other in phrase for other, _ in chosen):
            continue
        chosen.append((phrase, n))
        if len(chosen) == limit:
            break
    return chosen


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
    quotes = []
    for _, _, answer in sorted(scored)[:limit]:
        text = " ".join(answer.split())
        quotes.append(text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1].rstrip() + "…")
    return quotes

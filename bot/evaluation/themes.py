"""Grouping one question's free-text answers into themes: by shared lemmas, or by a language model.

The deterministic method lemmatises every word (simplemma, which knows Finnish, Swedish and
English word forms: "kokeilun", "kokeilusta" and "kokeilu" are one word to it) and then covers
the answers greedily: the lemma found in the most answers not yet in a theme makes a theme of
those answers, as long as they are at least `minimum` (the anonymity threshold, so that no theme
speaks for fewer people than a report may show). What no lemma gathers stays out of the themes.
Grouping is per question: the same word means different things under "what occupies you" and
"what do you need".
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.evaluation.extractive import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
MAX_THEMES = 8  # per question: more would not fit one ballot or one phone screen
# Lemmas of the function words that survive the stop-word list in an inflected form.
LEMMA_STOPWORDS = frozenset("muu nyt jo olla voida pitää tulla saada tehdä ei se hän me te he joka mikä kuka vara bli vara göra ha kunna få be have get make".split())


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    answers: tuple[str, ...]


_warm: set[str] = set()
_warming = threading.Lock()


def is_warm(languages: Sequence[str]) -> bool:
    """Whether the dictionaries are loaded: Finnish takes seconds and ~400 MB the first time
    (benchmarks/themes.py), so a cold lemmatiser must not run inside a transaction."""
    return all(lang in _warm for lang in languages)


def warm(languages: Sequence[str]) -> None:
    """Load the dictionaries (blocking: run it in a thread)."""
    with _warming:
        for lang in languages:
            if lang not in _warm:
                _lemmatize("a", lang)
                _warm.add(lang)


@lru_cache(maxsize=20000)
def _lemma(word: str, languages: tuple[str, ...]) -> str:
    # Only the languages the round's audience speaks: each dictionary costs memory and load time.
    return _lemmatize(word, languages).lower()


def _lemmatize(word: str, languages: str | tuple[str, ...]) -> str:
    # Imported here: start-up loads this module to register the digest's verbs, and the
    # lemmatiser's import alone was a twentieth of the console's time to its first prompt.
    import simplemma

    return str(simplemma.lemmatize(word, lang=languages))


def words(text: str, languages: tuple[str, ...], lemmatise: bool = True) -> set[str]:
    """The content words of an answer, as lemmas (or as written, for the comparison in benchmarks)."""
    found = set()
    for match in _WORD.finditer(text):
        word = match.group(0).lower()
        if len(word) < 3 or word in STOPWORDS:
            continue
        lemma = _lemma(word, languages) if lemmatise else word
        if len(lemma) >= 3 and lemma not in STOPWORDS and lemma not in LEMMA_STOPWORDS:
            found.add(lemma)
    return found


def group_answers(answers: Sequence[str], languages: tuple[str, ...], minimum: int, lemmatise: bool = True, ignore: frozenset[str] = frozenset()) -> list[Group]:
    """Themes of one question's answers, largest first; each holds at least `minimum` answers.
    `languages`: those the answers may be in, the network's first; `ignore`: lemmas that are not
    to make a theme (words nearly every answer shares, bot/evaluation/vision_candidates.py)."""
    bags = [words(a, languages, lemmatise) - ignore for a in answers]
    if lemmatise:
        _warm.update(languages)  # loaded by now
    left = set(range(len(answers)))
    groups: list[Group] = []
    while left and len(groups) < MAX_THEMES:
        frequency: Counter[str] = Counter(w for i in left for w in bags[i])
        if not frequency:
            break
        # Most answers first; then the longer word (more specific), then the alphabet, so the
        # same answers always give the same themes.
        lemma, count = min(frequency.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
        if count < minimum:
            break
        members = sorted(i for i in left if lemma in bags[i])
        groups.append(Group(_label(lemma, [bags[i] for i in members]), tuple(answers[i] for i in members)))
        left -= set(members)
    return groups


def _label(lemma: str, bags: list[set[str]]) -> str:
    """The theme's word, with the word most often beside it when most of its answers share that too."""
    company: Counter[str] = Counter(w for bag in bags for w in bag if w != lemma)
    if company:
        second, count = min(company.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
        if count * 2 > len(bags):
            return f"{lemma}, {second}"
    return lemma


def coverage(groups: Sequence[Group], total: int) -> float:
    """The share of answers that ended up in some theme."""
    return sum(len(g.answers) for g in groups) / total if total else 0.0

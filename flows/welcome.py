"""The welcome a member gets once, at their first message anywhere (a DM, a command, a joined
channel, the console): what the network is, what will happen, how answers are used and who sees
them, and three buttons to begin with. And the "did you mean …?" for a mistyped verb.

Whether a member was welcomed is a row of its own (`member_welcomes`), not the member's first
sight: members are also created by a round launch or a channel roster before they ever write.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from flows.definition import LANGUAGES
from flows.messages import Audience, Notice
from flows.turn import EngineConfig, Turn
from storage.models import MemberWelcome, utcnow

BUTTONS = (("welcome_button_checkin", "checkin"), ("welcome_button_mydata", "my-data"), ("welcome_button_help", "help"))


class Welcomes:
    """Remembers, per process, who is known to be welcomed, so most turns read nothing more."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self._done: set[int] = set()

    async def greet(self, turn: Turn) -> None:
        member_id = turn.member.id
        # A member row made just now is someone new, even under an id SQLite gave out before (to
        # a member who then erased their data): they are welcomed like anyone new.
        if member_id in self._done and not turn.new_member:
            return
        if not turn.new_member and await turn.tx.get(MemberWelcome, member_id) is not None:
            self._remember(member_id)
            return
        turn.tx.add(MemberWelcome(member_id=member_id, at=utcnow()))
        await turn.tx.flush()
        turn.welcomed = True
        # Remembered only once read back committed: a refused turn is rolled back and welcomes again.
        turn.emit(welcome(turn))

    def _remember(self, member_id: int) -> None:
        if len(self._done) >= self.LIMIT:
            self._done.clear()
        self._done.add(member_id)


def welcome(turn: Turn) -> Notice:
    return welcome_notice(turn.config, turn.lang, turn.network.key, turn.network.name, turn.member.key)


def is_unnamed(network_name: str, network_key: str) -> bool:
    """A network known only by its workspace or tenant id is not named: "Welcome to T0TEAM" (or to a
    Teams tenant's GUID) says nothing, so such a name is never shown."""
    return network_name == network_key.split(":", 1)[-1]


def welcome_notice(config: EngineConfig, lang: str, network_key: str, network_name: str, member_key: str) -> Notice:
    """The welcome, from what the answer turn knows too (flows/answer_turn.py welcomes a first click)."""
    unnamed = is_unnamed(network_name, network_key)
    t = config.catalog.t
    hello = t(lang, "welcome_hello_unnamed") if unnamed else t(lang, "welcome_hello", network=network_name)
    text = hello + "\n" + t(lang, "welcome_intro", threshold=config.anonymity_threshold)
    actions = tuple((t(lang, label), command) for label, command in BUTTONS)
    return Notice(Audience.member(member_key), text, lang, actions)


def is_greeting(turn: Turn, text: str) -> bool:
    """"moi", "Hej!", "hi there": a hello in any of the languages (a member may write in another)."""
    words = " ".join(text.lower().replace(",", " ").strip(" !.?:;)(-").split())
    if not words or len(words.split()) > 3:
        return False
    known = {w for lang in LANGUAGES for w in turn.catalog.words(lang, "greeting_words")}
    return any(words == w or words.startswith(w + " ") for w in known)


def nearest(word: str, verbs: Iterable[str]) -> str | None:
    """The verb `word` was most likely meant to be (`chekin` → `checkin`), or None."""
    lowered = word.lower()
    candidates = sorted(set(verbs))
    found = difflib.get_close_matches(lowered, candidates, n=1, cutoff=0.6)
    if found:
        return found[0]
    # A verb started but not finished (`repo`, `acti`) is a verb too.
    starts = [v for v in candidates if len(lowered) >= 3 and v.startswith(lowered)]
    return starts[0] if len(starts) == 1 else None

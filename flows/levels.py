"""The five levels of network work (seed slide 1) a round, schedule, action, prototype or role can
be tagged with: ids as stored, and the words members may write for them in fi, sv and en."""

from __future__ import annotations

from collections.abc import Iterable

from flows.arguments import ArgumentError, shown

LEVELS = ("client", "strategy", "service-path", "world", "advocacy")

# Every word folds to lower case with spaces and underscores as hyphens: "Service path" and
# "palvelupolku" both find their level. Numbers follow the slide's order.
ALIASES: dict[str, str] = {
    "1": "client", "client": "client", "customer": "client", "customer-interface": "client", "client-interface": "client",
    "asiakas": "client", "asiakasrajapinta": "client", "asiakastyö": "client", "kund": "client", "kundgränssnitt": "client", "klient": "client",
    "2": "strategy", "strategy": "strategy", "strategia": "strategy", "strategi": "strategy", "strategian-kehittäminen": "strategy",
    "3": "service-path", "service-path": "service-path", "service": "service-path", "path": "service-path", "palvelupolku": "service-path",
    "palvelu": "service-path", "servicestig": "service-path", "tjänstestig": "service-path", "servicekedja": "service-path",
    "4": "world", "world": "world", "understanding": "world", "understanding-the-world": "world", "sense-making": "world",
    "maailma": "world", "maailman-ymmärtäminen": "world", "ymmärrys": "world", "omvärld": "world", "omvärldsförståelse": "world", "förstå-omvärlden": "world",
    "5": "advocacy", "advocacy": "advocacy", "influence": "advocacy", "vaikuttaminen": "advocacy", "vaikuttamistyö": "advocacy",
    "påverkan": "advocacy", "påverkansarbete": "advocacy",
}


def find_level(word: str) -> str | None:
    return ALIASES.get(word.strip().lower().replace(" ", "-").replace("_", "-"))


def parse_level(word: str) -> str:
    """A level id from what a member wrote, or a refusal that lists the levels (in their language)."""
    found = find_level(word)
    if found is None:
        raise ArgumentError("level_unknown", value=shown(word), choices=", ".join(LEVELS))
    return found


NONE = "none"  # untagged work, in breakdowns (shown last)


def ordered(groups: Iterable[str]) -> list[str]:
    """Levels in the slide's order, untagged last."""
    found = set(groups)
    return [g for g in (*LEVELS, NONE) if g in found]


def key(level: str | None) -> str:
    """The catalogue key of a level's name; untagged work has a name of its own."""
    return f"work_level_{level}" if level in LEVELS else "work_level_none"

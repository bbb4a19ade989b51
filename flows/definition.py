"""Flow definitions as plain data: what a flow asks, in which languages, with which answers allowed."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("fi", "sv", "en")

Text = dict[str, str]  # language -> text, always holding fi, sv and en
REPEAT_SEPARATOR = "#"  # `often#2`: a repeated step's id and which chosen item it asks about


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: Text


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    kind: str  # scale | single | multi | text | members | organisations
    text: Text
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    min_label: Text | None = None
    max_label: Text | None = None
    choices: tuple[Choice, ...] = ()
    max_choices: int | None = None
    max_length: int | None = None
    dimension: str | None = None
    reverse: bool = False
    # Asked once for each item chosen in the step named here (flows/repeats.py): `partners` asks
    # its trust and value items once per organisation the member picked.
    per: str | None = None
    about: str | None = None  # in a repeated copy: the chosen item it asks about (an organisation)
    base: str | None = None  # in a repeated copy: the id of the step it repeats

    def choice(self, choice_id: str) -> Choice | None:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        return None


@dataclass(frozen=True, slots=True)
class UStage:
    """Where a u-stage flow sits on the U of the seed (slide 4)."""

    number: int  # 1..10
    level: str  # routine | open-mind | open-heart | open-will
    side: str  # left (down) | bottom | right (up)


@dataclass(frozen=True, slots=True)
class Flow:
    id: str
    version: str
    kind: str
    title: Text
    steps: tuple[Step, ...]
    source: str
    intro: Text | None = None
    outro: Text | None = None
    anonymous: bool = False
    delivery: str = "dm"  # dm | channel
    u_stage: UStage | None = None
    phase: int | None = None
    dimensions: tuple[str, ...] = field(default=())

    def step(self, step_id: str) -> Step | None:
        for step in self.steps:
            if step.id == step_id:
                return step
        # `often#2` is the second copy of a repeated step: without the member's choices at hand
        # (checking a click before it is stored) the step it repeats answers for it.
        base, sep, _ = step_id.partition(REPEAT_SEPARATOR)
        if sep:
            for step in self.steps:
                if step.id == base and step.per:
                    return step
        return None

    def index(self, step_id: str) -> int | None:
        for i, step in enumerate(self.steps):
            if step.id == step_id:
                return i
        return None

    def next_step(self, step_id: str | None, answered: set[str] | frozenset[str] = frozenset()) -> Step | None:
        """The step after `step_id` (or the first one) that has not been answered yet.

        Works across flow edits: if `step_id` no longer exists, the first unanswered step is next.
        """
        start = 0
        if step_id is not None:
            i = self.index(step_id)
            start = 0 if i is None else i + 1
        for step in self.steps[start:]:
            if step.id not in answered:
                return step
        if step_id is not None and self.index(step_id) is None:
            return None
        for step in self.steps[:start]:
            if step.id not in answered:
                return step
        return None

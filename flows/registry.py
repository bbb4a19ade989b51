"""The loaded flows and how a command's words name one of them."""

from __future__ import annotations

from pathlib import Path

from flows.arguments import as_int
from flows.definition import Flow
from flows.loader import load_flows

# The strategic-continuum phases of the seed (slide 2), by number and by a word in each language.
PHASE_NAMES = {
    "1": 1, "outline": 1, "hahmottaminen": 1, "kartläggning": 1,
    "2": 2, "choose": 2, "valinta": 2, "val": 2,
    "3": 3, "coordinate": 3, "koordinointi": 3, "samordning": 3,
    "4": 4, "evaluate": 4, "arviointi": 4, "utvärdering": 4,
}
PULSE_DIMENSIONS = {"trust": "pulse-trust", "commitment": "pulse-commitment", "knowing": "pulse-knowing", "all": "pulse"}


class FlowRegistry:
    def __init__(self, flows: dict[str, Flow]) -> None:
        self._flows = flows

    @classmethod
    def load(cls, extra_dir: str | None = None) -> "FlowRegistry":
        return cls(load_flows(Path(extra_dir) if extra_dir else None))

    def __contains__(self, flow_id: str) -> bool:
        return flow_id in self._flows

    def get(self, flow_id: str) -> Flow | None:
        return self._flows.get(flow_id)

    def __getitem__(self, flow_id: str) -> Flow:
        return self._flows[flow_id]

    def ids(self) -> list[str]:
        return sorted(self._flows)

    def resolve(self, name: str, argument: str | None = None) -> tuple[Flow | None, bool]:
        """The flow a command names, and whether `argument` was consumed to find it.

        `reflection 4` / `reflection evaluate` pick the phase's reflection flow; `u-stage 3` works
        like `u-stage-3`.
        """
        name = name.lower()
        if name in self._flows:
            return self._flows[name], False
        if name in ("reflection", "u-stage") and argument is not None:
            arg = argument.lower()
            number = PHASE_NAMES.get(arg) if name == "reflection" else as_int(arg, 1, 99)
            if number is not None and f"{name}-{number}" in self._flows:
                return self._flows[f"{name}-{number}"], True
        return None, False

"""Two `partners` rounds for the demo network, with the structure real ratings have.

Members rate the organisations they work with: the big ones (many members, central to the work)
are rated by most, small ones by a few, and partners in one's own sector more often. A rating's
trust and value come from the organisation rated (its standing), the relation between the two
organisations, the rater, and item noise; influence and resources follow the organisation's size.
Between the rounds a few relations grow and one weakens. The same contact people answer both
rounds about the same organisations (a stable panel): in a real network raters come and go, and
then storage/pair_privacy.py hides a cell whose raters changed by fewer than the threshold.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from flows.definition import Flow
from storage.models import Member, MemberSession, Network, Response, Round

TRUST = ("reliable", "mission", "open")
VALUE = ("influence", "involved", "resources")
WAYS = ("information", "coordination", "joint")


def _item(rng: random.Random, level: float) -> float:
    return float(min(4, max(1, round(level + rng.gauss(0, 0.45)))))


class PartnersDemo:
    def __init__(self, people: list[Member], seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = [p for p in people if p.organisation]
        self.size = Counter(p.organisation for p in self.people)
        orgs = sorted(self.size)
        self.sector = {p.organisation: p.sector for p in self.people}
        self.standing = {org: self.rng.gauss(0, 0.35) for org in orgs}
        self.relation = {(a, b): self.rng.gauss(0, 0.3) for a in orgs for b in orgs if a < b}
        self.respond = [p for p in self.people if self.rng.random() < 0.8]
        largest = max(self.size.values())
        self.partners: dict[int, list[str]] = {}
        for person in self.respond:
            chosen = []
            for org in orgs:
                if org == person.organisation:
                    continue
                odds = 0.15 + 0.55 * self.size[org] / largest + (0.15 if self.sector[org] == person.sector else 0)
                if self.rng.random() < odds:
                    chosen.append(org)
            self.partners[person.id] = chosen
        # Change between the rounds: the biggest third-sector organisation and the public ones
        # grow closer; the biggest private one and the biggest public one cool.
        def biggest(sector: str) -> str | None:
            return max((o for o in orgs if self.sector[o] == sector), key=lambda o: (self.size[o], o), default=None)

        third, private, public = biggest("third"), biggest("private"), biggest("public")
        self.shift: dict[tuple[str, ...], float] = {}
        for org in orgs:
            if third and self.sector[org] == "public":
                self.shift[tuple(sorted((third, org)))] = 0.6
        if private and public:
            self.shift[tuple(sorted((private, public)))] = -0.6

    def _levels(self, rater: Member, org: str, later: bool) -> tuple[float, float, float]:
        pair = tuple(sorted((rater.organisation or "", org)))
        tie = self.relation.get(pair, 0.0) + (self.shift.get(pair, 0.0) if later else 0.0)  # type: ignore[call-overload]
        trust = 2.9 + self.standing[org] + tie + self.rng.gauss(0, 0.3)
        value = 2.2 + 0.15 * self.size[org] + 0.5 * self.standing[org] + self.rng.gauss(0, 0.3)
        often = 1.8 + 0.8 * tie + 0.2 * self.size[org] + self.rng.gauss(0, 0.5)
        return trust, value, often

    async def round(self, tx: Any, network: Network, flow: Flow, opened: datetime, coordinator: Member, later: bool) -> int:
        closes = opened + timedelta(days=10)
        round_ = Round(network_id=network.id, flow_id=flow.id, flow_version=flow.version, audience="network", delivery="dm", anonymous=False,
                       status="closed", invited=len(self.people), opens_at=opened, closes_at=closes, closed_at=closes, created_by=coordinator.id)
        tx.add(round_)
        await tx.flush()
        answers = 0
        for person in self.people:
            responded = person.id in self.partners
            tx.add(MemberSession(round_id=round_.id, member_id=person.id, flow_version=flow.version, answered=["partners"] if responded else [],
                                 status="done" if responded else "closed", started_at=opened, updated_at=opened, completed_at=opened if responded else None))
            if not responded:
                continue
            submission, at = secrets.token_hex(12), opened + timedelta(hours=self.rng.randint(1, 200))
            rows: list[dict[str, Any]] = [{"step_id": "partners", "value_list": self.partners[person.id]}]
            for org in self.partners[person.id]:
                trust, value, often = self._levels(person, org, later)
                rows.append({"step_id": "often", "value_num": _item(self.rng, often), "value_text": org})
                ways = [w for w, p in zip(WAYS, (0.85, 0.35 + 0.1 * often, 0.15 + 0.12 * often)) if self.rng.random() < p]
                rows.append({"step_id": "how", "value_list": ways, "value_text": org})
                rows += [{"step_id": s, "value_num": _item(self.rng, trust), "value_text": org} for s in TRUST]
                rows += [{"step_id": s, "value_num": _item(self.rng, value), "value_text": org} for s in VALUE]
            for row in rows:
                tx.add(Response(round_id=round_.id, member_id=person.id, submission=submission, sector=person.sector, side=person.side, answered_at=at, **row))
            answers += len(rows)
        return answers

"""The network map from `network-map` answers: who knows / works with whom, as a graph and its figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # networkx is imported by the functions that need it: the bot starts without it
    import networkx as nx

TIE_STEPS = ("know", "worked")


@dataclass(frozen=True, slots=True)
class Person:
    key: str
    name: str
    sector: str | None
    organisation: str | None
    may_be_named: bool


@dataclass(frozen=True, slots=True)
class MapFigures:
    members: int
    ties: int
    density: float
    cross_sector: float | None  # share of ties whose ends are in different sectors (known sectors only)
    cross_organisation: float | None
    isolated: int
    bridges: tuple[Person, ...]  # the most bridging members, most bridging first


def build_graph(people: Sequence[Person], answers: Iterable[tuple[str, Sequence[str]]]) -> nx.Graph:
    """An undirected tie wherever either member named the other in any tie step."""
    import networkx as nx

    known = {p.key for p in people}
    graph = nx.Graph()
    graph.add_nodes_from(known)
    for chooser, chosen in answers:
        for other in chosen:
            if chooser in known and other in known and other != chooser:
                graph.add_edge(chooser, other)
    return graph


def figures(graph: nx.Graph, people: Sequence[Person], top: int = 3) -> MapFigures:
    import networkx as nx

    by_key = {p.key: p for p in people}
    edges = list(graph.edges())
    sectors = [(by_key[a].sector, by_key[b].sector) for a, b in edges if by_key[a].sector and by_key[b].sector]
    orgs = [(by_key[a].organisation, by_key[b].organisation) for a, b in edges if by_key[a].organisation and by_key[b].organisation]
    betweenness = nx.betweenness_centrality(graph) if graph.number_of_nodes() > 2 else {}
    ranked = sorted((score, key) for key, score in betweenness.items() if score > 0)
    bridges = tuple(by_key[key] for _, key in sorted(ranked, key=lambda item: (-item[0], item[1]))[:top])
    return MapFigures(
        members=graph.number_of_nodes(),
        ties=graph.number_of_edges(),
        density=nx.density(graph) if graph.number_of_nodes() > 1 else 0.0,
        cross_sector=sum(a != b for a, b in sectors) / len(sectors) if sectors else None,
        cross_organisation=sum(a != b for a, b in orgs) / len(orgs) if orgs else None,
        isolated=sum(1 for _, degree in graph.degree() if degree == 0),
        bridges=bridges,
    )

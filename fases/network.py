"""The actor network: which organisations work together, and who brokers between them.

Two actors are linked when they are current members of the same alliance; the link's weight
is the number of alliances they share. Each actor is sized by the number of its alliances,
and measured by degree centrality (how many others it works with, as a share of all) and
betweenness centrality (how often it lies on the shortest path between two others: the
brokers between sectors and regions), computed with networkx on the unweighted graph.

The graph, its figures and its layout depend only on who is in which alliance. For the whole
country (``NATIONAL``: thousands of actors, seconds of betweenness) a worker computes them
when the memberships change and keeps them (``NetworkFigures``, ``refresh_national``); a
visit reads what it kept, and only the very first visit computes them itself. A smaller
network (a coordinator's alliances, one actor's) is computed in the request, once per change
of any alliance (``alianzas.generations.portfolio_value``). Either way it is drawn as SVG on
the server.
"""

import datetime
import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx
from django.db.models import Case, F, JSONField, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe

from alianzas import generations
from alianzas.models import Actor, Alliance, Membership
from alianzas.numbers import DecimalWriter
from alianzas.reversing import url_at, where
from fases.models import NetworkFigures

SIZE = 600  # the drawing's width and height in SVG units
MARGIN = 40
MAX_DRAWN = 150  # beyond this many actors the drawing shows the most connected ones
NATIONAL = "all"  # the scope of every alliance: kept by a worker (refresh_national)
SECTOR_LABELS = dict(Actor._meta.get_field("sector").flatchoices)


@dataclass
class Node:
    pk: int
    sector: str
    alliances: int
    degree: float
    betweenness: float
    partners: int
    url: str = ""
    x: float = 0
    y: float = 0
    r: float = 0
    # Read from the actors (name_nodes): for the nodes a page shows, not all of them.
    name: str = ""
    region: str = ""

    @property
    def sector_label(self) -> str:
        return SECTOR_LABELS.get(self.sector, self.sector)

    def with_figure_labels(self, write) -> "Node":
        """Set ``degree_label`` and ``betweenness_label``: each figure to three places, as
        ``{{ value|floatformat:3 }}`` writes it (``write``: a ``DecimalWriter(3)``)."""
        self.degree_label = write(self.degree)
        self.betweenness_label = write(self.betweenness)
        return self


@dataclass
class Network:
    nodes: Sequence[Node]  # listed, the brokers first; made as they are read (Listing)
    # (actor, actor, shared alliances) between the drawn actors: every link of a network
    # small enough to be drawn whole.
    edges: list[tuple[int, int, int]]
    drawn: list[Node] = field(default_factory=list)
    # (weight, SVG path data) for the links between drawn actors; weights above 3 count as 3.
    lines: list[tuple[int, str]] = field(default_factory=list)
    circles: str = ""  # the drawn actors as SVG (``circles``)
    estimated: bool = False  # betweenness estimated from sampled sources (large networks)
    computed_at: datetime.datetime | None = None  # when kept figures were computed

    @property
    def size(self) -> int:
        return SIZE


def memberships(alliances: QuerySet[Alliance]) -> list[tuple[int, int]]:
    """(alliance, actor) of every current membership of ``alliances``: one query."""
    return list(
        Membership.objects.filter(
            alliance__in=alliances.order_by().values("pk"), left_on__isnull=True
        )
        .order_by()
        .values_list("alliance_id", "actor_id")
        .distinct()
    )


def graph(pairs: list[tuple[int, int]]) -> nx.Graph:
    """Actors as nodes, linked by the alliances they share (``weight``: how many);
    ``alliances`` on each node: how many alliances it is in."""
    by_alliance = defaultdict(set)
    for alliance_id, actor_id in pairs:
        by_alliance[alliance_id].add(actor_id)
    g = nx.Graph()
    for actors in by_alliance.values():
        for actor in actors:
            if actor not in g:
                g.add_node(actor, alliances=0)
            g.nodes[actor]["alliances"] += 1
        for a, b in combinations(sorted(actors), 2):
            weight = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
            g.add_edge(a, b, weight=weight)
    return g


# Exact betweenness costs O(actors × links): seconds at a few hundred actors, minutes at
# the national scale (2,000 actors and 50,000 links: about 160 s here). Above EXACT_UP_TO
# actors it is estimated from SAMPLED_SOURCES shortest-path sources (networkx's ``k``), with
# a fixed seed so that the same network gets the same figures; the page says so.
EXACT_UP_TO = 500
SAMPLED_SOURCES = 50


def centrality(g: nx.Graph) -> tuple[dict, dict]:
    """Degree and betweenness centrality (normalised, unweighted), as networkx defines them."""
    if g.number_of_nodes() < 2:
        zeros = dict.fromkeys(g.nodes, 0.0)
        return zeros, dict(zeros)
    if g.number_of_nodes() > EXACT_UP_TO:
        betweenness = nx.betweenness_centrality(g, k=SAMPLED_SOURCES, normalized=True, seed=7)
    else:
        betweenness = nx.betweenness_centrality(g, normalized=True)
    return nx.degree_centrality(g), betweenness


def _layout(g: nx.Graph, actors: dict[int, tuple]) -> dict[int, tuple[float, float]]:
    """Actors on a circle, grouped by sector and, within a sector, by number of partners:
    links that cross the circle join sectors, so brokers stand out. Pure Python and
    deterministic (a force layout would need numpy, for a drawing that changes each time)."""
    order = sorted(g.nodes, key=lambda n: (actors.get(n, ("",))[0], -g.degree(n), n))
    if not order:
        return {}
    centre, radius = SIZE / 2, SIZE / 2 - MARGIN
    step = 2 * math.pi / len(order)
    return {
        n: (
            round(centre + radius * math.cos(i * step - math.pi / 2), 1),
            round(centre + radius * math.sin(i * step - math.pi / 2), 1),
        )
        for i, n in enumerate(order)
    }


def compute(pairs: list[tuple[int, int]], actors: dict[int, tuple]) -> dict:
    """Everything about the network that depends only on who is in which alliance (and on
    each actor's ``(sector, region id)`` in ``actors``, which the filters choose by): plain
    data, so that it can be kept."""
    g = graph(pairs)
    degree, betweenness = centrality(g)
    drawn = sorted(g.nodes, key=lambda n: (-g.degree(n), n))[:MAX_DRAWN]
    shown = g.subgraph(drawn)
    positions = _layout(shown, actors)
    return {
        # As lists, not dicts keyed by actor: the same data whether kept as JSON or not.
        # In the order they are listed (the brokers first), so a visit sorts nothing.
        "nodes": [
            [
                n,
                g.nodes[n]["alliances"],
                degree[n],
                betweenness[n],
                g.degree(n),
                *positions.get(n, (None, None)),
                *actors.get(n, ("", None)),
            ]
            for n in sorted(g.nodes, key=lambda n: (-betweenness[n], -degree[n], n))
        ],
        "edges": [[a, b, d["weight"]] for a, b, d in shown.edges(data=True)],
        "estimated": g.number_of_nodes() > EXACT_UP_TO,
    }


def _build(alliances: QuerySet[Alliance]) -> dict:
    pairs = memberships(alliances)
    return compute(pairs, _actors(pairs))


def _actors(pairs) -> dict[int, tuple]:
    """``(sector, region id)`` of each actor of ``pairs``."""
    rows = Actor.objects.filter(pk__in={a for _, a in pairs}).values_list(
        "pk", "sector", "region_id"
    )
    return {pk: (sector, region) for pk, sector, region in rows}


def _fingerprint(pairs: list[tuple[int, int]], actors: dict[int, tuple]) -> str:
    """What the kept figures depend on: who is in which alliance, and the sector and region
    of each actor (the drawing groups by sector; the filters choose by both)."""
    return hashlib.sha256(repr((sorted(pairs), sorted(actors.items()))).encode()).hexdigest()


def refresh_national() -> bool:
    """Compute and keep the national network's figures if the current memberships differ
    from those they were computed from; whether it did (the worker's task, every
    ``NETWORK_REFRESH_SECONDS``)."""
    pairs = memberships(Alliance.objects.all())
    actors = _actors(pairs)
    fingerprint = _fingerprint(pairs, actors)
    if NetworkFigures.objects.filter(scope=NATIONAL, fingerprint=fingerprint).exists():
        return False
    NetworkFigures.objects.update_or_create(
        scope=NATIONAL,
        defaults={
            "fingerprint": fingerprint,
            "data": compute(pairs, actors),
            "computed_at": timezone.now(),
        },
    )
    return True


# The national figures this process last read: ``(fingerprint, computed_at)`` and the data.
# The data is about 200 KB of JSON; sending and parsing it took several milliseconds of every
# visit, for figures that change a few times a day.
_last_read: dict = {}


def _national() -> tuple[dict, datetime.datetime]:
    """The kept national figures, in one query that sends their data only if it is not the
    data this process last read (same fingerprint and time of computing)."""
    known, data = _last_read.get("kept", (("", None), None))
    kept = (
        NetworkFigures.objects.filter(scope=NATIONAL)
        .annotate(
            changed=Case(
                When(fingerprint=known[0], computed_at=known[1], then=Value(None)),
                default=F("data"),
                output_field=JSONField(),
            )
        )
        .values_list("fingerprint", "computed_at", "changed")
    )
    row = kept.first()
    if row is None:  # the first visit ever, before the worker's first run
        refresh_national()
        row = kept.get()
    fingerprint, computed_at, changed = row
    if changed is not None:
        data = changed
        # One assignment, so that another thread never sees a key with another's data.
        _last_read["kept"] = ((fingerprint, computed_at), data)
    return data, computed_at


def actor_network(
    alliances: QuerySet[Alliance],
    *,
    scope_key: str,
    sector: str = "",
    region=None,
    named: bool = True,
) -> Network:
    """The network of the actors of ``alliances`` (the figures over the whole network; the
    filters by ``sector`` and ``region`` choose which actors are listed and drawn), the
    brokers first.

    ``scope_key`` names the set of alliances (its figures are kept under it): ``NATIONAL``
    is every alliance, as the worker keeps it, whatever ``alliances`` holds. The drawn
    actors are named; the listed ones too unless ``named`` is false, for a caller that shows
    a page of them (``name_nodes``)."""
    computed_at = None
    if scope_key == NATIONAL:
        data, computed_at = _national()
    else:
        data = generations.portfolio_value(f"actor-network:{scope_key}", lambda: _build(alliances))
    region_id = getattr(region, "pk", region)
    rows = [
        row
        for row in data["nodes"]
        if not (sector and row[7] != sector) and not (region_id and row[8] != region_id)
    ]
    nodes = Listing(rows)
    shown = {node.pk: node for node in (nodes.node(row) for row in rows if row[5] is not None)}
    name_nodes(nodes if named else shown.values())
    # One SVG path per line weight: thousands of links drawn without a template loop.
    strokes = defaultdict(list)
    for a, b, w in data["edges"]:
        if a in shown and b in shown:
            start, end = shown[a], shown[b]
            strokes[min(w, 3)].append(f"M{start.x:.1f} {start.y:.1f}L{end.x:.1f} {end.y:.1f}")
    lines = [(weight, "".join(strokes[weight])) for weight in sorted(strokes)]
    drawn = list(shown.values())
    return Network(
        nodes=nodes,
        edges=[tuple(edge) for edge in data["edges"]],
        drawn=drawn,
        circles=circles(drawn),
        lines=lines,
        estimated=data.get("estimated", False),
        computed_at=computed_at,
    )


def circles(nodes: list[Node]) -> str:
    """The drawn actors as SVG, each a link to its own network with its name, sector and
    number of alliances as its label: built here, not in a template loop (eleven template
    variables and filters an actor, 150 actors: about a third of the page's time)."""
    parts = []
    # Read once a drawing, not once an actor: the sectors' names in the language of the
    # page, and each number of alliances as the language writes it.
    sectors = {sector: str(label) for sector, label in SECTOR_LABELS.items()}
    counts = {}
    for node in nodes:
        count = counts.get(node.alliances)
        if count is None:
            count = counts[node.alliances] = localize(node.alliances)
        sector = sectors.get(node.sector, node.sector)
        label = escape(f"{node.name} ({sector}): {count}")
        parts.append(
            f'<a href="{escape(node.url)}" aria-label="{label}">'
            f'<circle cx="{node.x:.1f}" cy="{node.y:.1f}" r="{node.r:.1f}" '
            f'class="sector-{escape(node.sector)}"><title>{label}</title></circle></a>'
        )
    return mark_safe("".join(parts))  # nosec B308 B703 - every value in it is escaped


class Listing(Sequence):
    """The listed actors as ``Node``s, each made when it is first read: a page of the table
    makes 25 of the national network's thousands. A sequence, so a paginator slices it."""

    def __init__(self, rows: list):
        self.rows = rows
        self.made: dict[int, Node] = {}
        # What reversing depends on, read once for every actor's link (alianzas.reversing).
        self.at = where()

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.node(row) for row in self.rows[index]]
        return self.node(self.rows[index])

    def node(self, row) -> Node:
        pk, alliances, degree, betweenness, partners, x, y, sector, _region = row
        if pk not in self.made:
            node = Node(
                pk=pk,
                sector=sector,
                alliances=alliances,
                degree=degree,
                betweenness=betweenness,
                partners=partners,
                # The pattern reversed once, not once per actor (alianzas.reversing).
                url=url_at(self.at, "fases:actor_network_detail", (pk,)),
            )
            if x is not None:
                node.x, node.y, node.r = x, y, 4 + 3 * math.sqrt(alliances)
            self.made[pk] = node
        return self.made[pk]


def label_figures(nodes) -> None:
    """Give the listed ``nodes`` their ``degree_label`` and ``betweenness_label`` in the
    active language: ``floatformat`` took a fifth of the network table's time, reading the
    language's formats for each of its 50 figures (``alianzas.numbers``)."""
    write = DecimalWriter(3)
    for node in nodes:
        node.with_figure_labels(write)


def name_nodes(nodes) -> None:
    """Give ``nodes`` their actor's short name and region: one query."""
    nodes = [node for node in nodes if not node.name]
    if not nodes:
        return
    # In no order (the actors' own is by a search key computed for each row).
    rows = (
        Actor.objects.filter(pk__in=[node.pk for node in nodes])
        .order_by()
        .values_list("pk", "name", "acronym", "region__name")
    )
    names = {pk: (acronym or name, region or "") for pk, name, acronym, region in rows}
    for node in nodes:
        node.name, node.region = names.get(node.pk, ("", ""))

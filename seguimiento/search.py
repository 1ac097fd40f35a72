"""One search over what a person may see: alliances, actors and commitments.

Text is compared by its key (``alianzas.search_key``): without case or accents, so
"credito" finds "Crédito", on PostgreSQL (``unaccent``, with trigram indexes on the keys)
and on SQLite alike. An alliance is found by its name, its problem or the name, acronym or
RUC of one of its members ("Pichari" finds the alliances of the Municipalidad Distrital de
Pichari); an actor by its name, acronym, RUC or description; a commitment by its
description or its actor's name. Alliances and commitments only among
``access.visible_alliances``; the registry of actors is open to everyone signed in, as its
pages are. One query per kind, three for the alliances (``first_alliances``).
"""

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet

from alianzas import access
from alianzas.models import Actor, Alliance, Membership
from alianzas.search_key import SearchKey, search_key
from alianzas.validators import is_digits, normalise_ruc
from seguimiento.models import Commitment

MIN_LENGTH = 2
LIMIT = 20


@dataclass
class Results:
    query: str
    alliances: list = field(default_factory=list)
    actors: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    # Whether each kind had more than ``LIMIT`` matches (only the first are listed).
    more: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.alliances) + len(self.actors) + len(self.commitments)


def matches(*fields: str, key: str) -> Q:
    """Any of ``fields`` (aliased as ``_k_<field>``) contains ``key``."""
    condition = Q()
    for name in fields:
        condition |= Q(**{f"_k_{name.replace('__', '_')}__contains": key})
    return condition


def key_of(model, name: str):
    """The search key of ``model``'s field ``name``: the column that keeps it where the model
    has one (``Alliance.problem_key``), otherwise ``search_key`` computed."""
    try:
        model._meta.get_field(f"{name}_key")
    except FieldDoesNotExist:
        return SearchKey(name)
    return F(f"{name}_key")


def keyed(queryset: QuerySet, *fields: str) -> QuerySet:
    return queryset.alias(
        **{f"_k_{name.replace('__', '_')}": key_of(queryset.model, name) for name in fields}
    )


def any_match(queryset: QuerySet, *fields: str, key: str, ruc: str = "") -> QuerySet:
    """The ids of the rows of ``queryset`` whose ``fields`` contain ``key`` (or whose RUC
    contains ``ruc``): one SELECT a field, joined by UNION, so that each reads its own trigram
    index. One condition ORing the fields made PostgreSQL scan the whole table, or recheck
    every key of every candidate row (on the benchmark's data, alliances: 28 ms, the union 12;
    actors: 60 ms, the union 15)."""
    parts = [keyed(queryset, name).filter(matches(name, key=key)).values("pk") for name in fields]
    if ruc:
        parts.append(queryset.filter(ruc__contains=ruc).values("pk"))
    return parts[0].union(*parts[1:])


def first_alliances(visible: QuerySet, *, key: str, ruc: str, limit: int) -> list[Alliance]:
    """The first ``limit`` of the ``visible`` alliances, by name, found by their name or
    problem, or by a member actor's name, acronym or RUC.

    Two reads of ids, each ordered and limited, then the rows of the few they found, in
    the same order: the first ``limit`` of a union are among the first ``limit`` of each
    part, and the database's order is the one followed (its collation, not Python's).
    Limited, PostgreSQL chooses by how common the words are: a common word ("agua", in one
    problem in ten) walks the alliances in name order until it has enough, a rare one reads
    its trigram indexes and sorts the few it finds. Unlimited, the union read every match
    and every alliance to join them, and grew with the country (``docs/scaling.md``). The
    two conditions in one read (an OR) would read every alliance for a rare word: no index
    serves "a member's name contains"."""
    alliances = visible.only("name", "phase").order_by("name", "pk")
    by_text = keyed(alliances, "name", "problem").filter(matches("name", "problem", key=key))
    members = any_match(Actor.objects.order_by(), "name", "acronym", key=key, ruc=ruc)
    by_member = alliances.filter(
        pk__in=Membership.objects.order_by().filter(actor__in=members).values("alliance_id")
    )
    ids = [
        *by_text.values_list("pk", flat=True)[:limit],
        *by_member.values_list("pk", flat=True)[:limit],
    ]
    return list(alliances.filter(pk__in=ids)[:limit]) if ids else []


def search(user, text: str, *, limit: int = LIMIT) -> Results:
    text = (text or "").strip()[:200]
    results = Results(query=text)
    key = search_key(text)
    if len(key) < MIN_LENGTH or not (user.is_authenticated and user.is_active):
        return results
    # A RUC pasted with spaces or dots is still found; digits only, or it would match any text.
    ruc = normalise_ruc(text) if any(ch.isdigit() for ch in text) else ""
    ruc = ruc if is_digits(ruc) else ""

    visible = access.visible_alliances(user)
    results.alliances = first_alliances(visible, key=key, ruc=ruc, limit=limit + 1)

    found = any_match(Actor.objects.order_by(), "name", "acronym", "description", key=key, ruc=ruc)
    actors = (
        Actor.objects.filter(pk__in=found)
        .select_related("region")
        .only("name", "acronym", "ruc", "region__name")
        .order_by("name", "pk")
    )
    results.actors = list(actors[: limit + 1])

    # By its description (the trigram index) or by an actor whose name matches (the few
    # such actors, then their commitments by the actor's index), each found by its own
    # index and the two joined: one condition over both, an OR, reads every commitment of
    # the country (0.5 s at 200,000, 5 s at 2,000,000).
    named = keyed(Actor.objects.all(), "name").filter(matches("name", key=key)).values("pk")
    described = keyed(Commitment.objects.order_by(), "description").filter(
        matches("description", key=key)
    )
    found = described.values("pk").union(
        Commitment.objects.order_by().filter(actor__in=named).values("pk")
    )
    commitments = Commitment.objects.filter(pk__in=found)
    if not access.is_administrator(user):  # who sees every alliance needs no join with them
        commitments = commitments.filter(alliance__in=visible.values("pk"))
    commitments = (
        commitments.select_related("alliance", "actor")
        .only(
            "alliance_id",
            "actor_id",
            "description",
            "status",
            "alliance__name",
            "actor__name",
            "actor__acronym",
        )
        .order_by("due_date", "pk")
    )
    results.commitments = list(commitments[: limit + 1])

    for kind in ("alliances", "actors", "commitments"):
        found = getattr(results, kind)
        results.more[kind] = len(found) > limit
        setattr(results, kind, found[:limit])
    return results

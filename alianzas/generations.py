"""Generations: a token per alliance and per person that changes whenever something shown
about them changes, so that what is rendered from them can be cached and never served stale.

A page that costs many queries and a long template (an alliance's page; the others meet
their goal built on every visit, docs/performance.md) caches its content
under a key made of the generations it was built from; what several pages work out about an
alliance or a person (``alliance_value``, ``person_value``) is kept the same way. Any write
to the alliance (its members, objectives, indicators, commitments, measurements, phase,
evaluations…) replaces that alliance's token at once and again when the transaction commits,
so the next request misses and builds the content afresh: there is no expiry to wait for and
no list of cache keys to forget. Content is stored with the tokens it was built from and
read with the current ones in one round trip.

Writes are seen through model signals (``post_save``, ``pre_delete``, ``m2m_changed``) of the
models registered with :func:`follow`, so the admin, the services and the shell are all
covered. Each app registers the models it shows in its ``AppConfig.ready()``: this module
names only this floor's models, never a higher floor's. ``QuerySet.update()`` and
``bulk_create()`` send no signals: the followed models' default manager
(:mod:`alianzas.generation_queries`) reports those writes, so their callers need not name
the cache. Raw SQL must: the reminder sweep calls :func:`notices_changed`, ``seed_demo``
:func:`everything_changed`.

A cache that is down or evicts a token makes a miss, never a wrong page: a missing token is
replaced by a new one. The cache must be shared by every process that serves pages or
writes: a write in a process with a cache of its own replaces the tokens there only, and the
pages served elsewhere stay stale. The check ``alianzas.E001`` (:mod:`alianzas.checks`)
refuses ``settings.PAGE_CACHE`` with a per-process cache where several processes write.
"""

import hashlib
import logging
import operator
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.utils import timezone
from django.utils.translation import get_language

from alianzas import generation_queries
from alianzas.models import (
    Actor,
    Adjustment,
    Alliance,
    Indicator,
    Membership,
    Objective,
    PhaseChange,
    Place,
    Publication,
    Region,
    SustainableDevelopmentGoal,
    User,
)

logger = logging.getLogger(__name__)

# Long enough to be useful, short enough that what a signal cannot see (a person's display
# name in an alliance's history, say) is not shown for long after it changes.
CONTENT_SECONDS = 10 * 60
TOKEN_SECONDS = 24 * 60 * 60

EVERYTHING = "generation:all"
# Replaced with any alliance's: for what is built from all of them (the alliance list).
ANY_ALLIANCE = "generation:any-alliance"
# Replaced when a reminder sweep records notices for many people at once.
NOTICES = "generation:notices"


def _alliance_key(alliance_id) -> str:
    return f"generation:alliance:{alliance_id}"


def _person_key(user_id) -> str:
    return f"generation:person:{user_id}"


# For each model shown on an alliance's pages: how to get from a row to its alliance's id.
# Filled by ``follow`` from each app's ``ready()``.
ALLIANCE_OF: dict[str, str] = {}
# For each model shown to one person (their notices): the attribute naming them.
# Filled by ``follow_person``.
PERSON_OF: dict[str, str] = {}


def _new_token() -> str:
    return uuid.uuid4().hex[:12]


class CacheUnavailable(Exception):
    pass


def _read(token_keys: list[str], value_key: str | None = None) -> tuple[tuple, object]:
    """The tokens under ``token_keys`` (new ones for those missing) and what is cached under
    ``value_key`` if it was stored with those same tokens (else None): one round trip."""
    try:
        found = cache.get_many([*token_keys, value_key] if value_key else token_keys)
        missing = {key: _new_token() for key in token_keys if key not in found}
        if missing:
            cache.set_many(missing, TOKEN_SECONDS)
    except Exception as error:
        # A cache that fails costs the time of computing, never the page.
        # (config.cache.TolerantRedisCache already reads Redis being down as a miss.)
        logger.warning("The cache did not answer; nothing is cached.", exc_info=True)
        raise CacheUnavailable from error
    tokens = tuple(found.get(key) or missing[key] for key in token_keys)
    stored = found.get(value_key) if value_key else None
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == tokens:
        return tokens, stored[1]
    return tokens, None


def _write(value_key: str, tokens: tuple, value, seconds: int) -> None:
    try:
        cache.set(value_key, (tokens, value), seconds)
    except Exception:
        logger.warning("The cache did not keep %s.", value_key, exc_info=True)


def _forget(keys: list[str]) -> None:
    """Drop the tokens now, so that the rest of this transaction reads its own writes, and
    again once it commits: a request that read the old rows in between may have cached
    content under a token made meanwhile."""

    def delete():
        try:
            cache.delete_many(keys)
        except Exception:
            # The tokens then live until they expire: say so loudly, it means stale pages.
            logger.exception("Generations not replaced: %s", keys)

    delete()
    transaction.on_commit(delete)


def alliance_changed(*alliance_ids) -> None:
    """What is shown about these alliances changed: replace their tokens on commit."""
    ids = {pk for pk in alliance_ids if pk is not None}
    if ids:
        _forget([ANY_ALLIANCE, *(_alliance_key(pk) for pk in sorted(ids))])


def person_changed(*user_ids) -> None:
    """What a person may do or sees about themselves changed (roles, representation)."""
    ids = {pk for pk in user_ids if pk is not None}
    if ids:
        _forget([_person_key(pk) for pk in sorted(ids)])


def notices_changed() -> None:
    """Reminders were recorded for people the sweep does not name one by one."""
    _forget([NOTICES])


def person_value(user, name: str, compute, *, seconds: int = 60):
    """``compute()``, cached for ``user`` until their generation, the notices' or
    everything's changes, and at most ``seconds``: for what every page asks about the
    person signed in."""
    keys = [EVERYTHING, _person_key(user.pk), NOTICES]
    return _cached(keys, f"person-value:{name}:{user.pk}", compute, seconds)


def alliance_value(alliance_id, name: str, compute, *, seconds: int = CONTENT_SECONDS):
    """``compute()``, the same for everyone, cached until the alliance's generation (or
    everything's) changes: for what several pages work out about one alliance."""
    keys = [EVERYTHING, _alliance_key(alliance_id)]
    return _cached(keys, f"alliance-value:{name}:{alliance_id}", compute, seconds)


def _cached(token_keys: list[str], key: str, compute, seconds: int):
    if not settings.PAGE_CACHE:
        return compute()
    try:
        tokens, stored = _read(token_keys, key)
    except CacheUnavailable:
        return compute()
    if stored is not None:
        return stored[0]
    value = compute()
    _write(key, tokens, (value,), seconds)  # in a tuple: None is a value too
    return value


def portfolio_value(name: str, compute, *, seconds: int = CONTENT_SECONDS):
    """``compute()``, the same for everyone, cached until any alliance (or everything)
    changes: for what is built from all alliances at once (the map's geometry aside, the
    actor network's layout)."""
    return _cached([EVERYTHING, ANY_ALLIANCE], f"portfolio-value:{name}", compute, seconds)


def everything_changed() -> None:
    """Shared names (regions, goals, actors) or rows written without signals changed."""
    _forget([EVERYTHING])


def alliance_generation(alliance_id) -> str | None:
    try:
        return _read([_alliance_key(alliance_id)])[0][0]
    except CacheUnavailable:
        return None


@dataclass(frozen=True)
class ContentCache:
    """Where a page keeps its content, the generations it is built from, and the content
    if the cache holds it for those generations."""

    key: str
    tokens: tuple
    content: str | None = None
    seconds: int = CONTENT_SECONDS

    def store(self, content: str) -> None:
        _write(self.key, self.tokens, content, self.seconds)


def content_cache(name: str, request, alliance_ids: Iterable = ()) -> ContentCache | None:
    """The cache of the content of page ``name`` as ``request.user`` sees it with the
    request's query string (filters, page), built from ``alliance_ids``; ``None`` when it
    must not be cached.

    Content is kept for the person (what they may do differs), the language, the day (what
    is overdue changes at midnight) and the request's CSRF secret (the content holds forms
    whose tokens must match the browser's cookie; without a secret yet nothing is cached),
    and is valid while the generations of the person, of the alliances and of everything
    are those it was stored with."""
    secret = request.META.get("CSRF_COOKIE")
    user = request.user
    if not (settings.PAGE_CACHE and secret and user.is_authenticated):
        return None
    ids = sorted(set(alliance_ids))
    token_keys = [EVERYTHING, _person_key(user.pk), *(_alliance_key(pk) for pk in ids)]
    digest = hashlib.sha256(
        "|".join(
            [
                *map(str, ids),
                request.GET.urlencode(),
                secret,
                get_language() or "",
                timezone.localdate().isoformat(),
            ]
        ).encode()
    ).hexdigest()[:32]
    key = f"content:{name}:{user.pk}:{digest}"
    try:
        tokens, content = _read(token_keys, key)
    except CacheUnavailable:
        return None
    return ContentCache(key=key, tokens=tokens, content=content)


# --- Signals ----------------------------------------------------------------------


def _follow(instance, path: str):
    try:
        return operator.attrgetter(path)(instance)
    except Exception:
        # A row whose parent is already gone (a cascade): the parent's own signal covers it.
        return None


def _row_changed(sender, instance, path, **kwargs):
    if kwargs.get("raw"):  # loaddata
        return
    alliance_changed(_follow(instance, path))


def _membership_changed(sender, instance, **kwargs):
    """Besides the alliance's pages: which alliances the actor's representatives see."""
    if kwargs.get("raw"):
        return
    through = Actor.representatives.through
    person_changed(
        *through.objects.filter(actor_id=instance.actor_id).values_list("user_id", flat=True)
    )


def _actor_changed(sender, instance, **kwargs):
    """An actor's name or sector shows on every alliance it belongs to (a new actor belongs
    to none yet: an import of thousands asks nothing for them)."""
    if kwargs.get("raw") or kwargs.get("created") or instance.pk is None:
        return
    alliance_changed(
        *Membership.objects.filter(actor=instance).values_list("alliance_id", flat=True)
    )


def _person_saved(sender, instance, **kwargs):
    # Signing in saves the person (last_login), which also starts a fresh cache for them.
    if not kwargs.get("raw"):
        person_changed(instance.pk)


def _people_of_m2m(instance, action, pk_set, field: str) -> set | None:
    """Who an add, remove or clear of ``instance.<field>`` (people) is about; None for the
    other actions. A clear names nobody, so they are read before it happens."""
    if action in ("post_add", "post_remove"):
        return set(pk_set or ())
    if action == "pre_clear":
        return set(getattr(instance, field).values_list("pk", flat=True))
    return None


def _coordinators_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if reverse:  # from the person's side: user.coordinated_alliances.add(…)
        if action in ("post_add", "post_remove", "post_clear"):
            person_changed(instance.pk)
            if pk_set is None:  # a clear: which alliances is not told
                everything_changed()
            else:
                alliance_changed(*pk_set)
        return
    people = _people_of_m2m(instance, action, pk_set, "coordinators")
    if people is not None:
        alliance_changed(instance.pk)
        person_changed(*people)


def _representatives_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if reverse:  # user.actors.add(…)
        if action in ("post_add", "post_remove", "post_clear"):
            person_changed(instance.pk)
        return
    people = _people_of_m2m(instance, action, pk_set, "representatives")
    if people is not None:
        person_changed(*people)


def _alliance_sets_changed(sender, instance, action, **kwargs):
    """Regions and goals of an alliance."""
    if not action.startswith("post_"):
        return
    if isinstance(instance, Alliance):
        alliance_changed(instance.pk)
    else:
        everything_changed()


def _shared_changed(sender, instance, **kwargs):
    if not kwargs.get("raw"):
        everything_changed()


def follow(model, path: str) -> None:
    """Renew the generation of a row's alliance (reached through ``path``, e.g.
    ``"indicator.objective.alliance_id"``) whenever a row of ``model`` is saved or deleted.
    Called by each app, in its ``AppConfig.ready()``, for the models its pages show; the
    model's default manager must be a ``generation_queries.FollowedManager``, so that
    ``update()`` and ``bulk_create()`` are heard too (check ``alianzas.E002``)."""
    generation_queries.route(model, path)  # a path that leads nowhere fails at start-up
    label = model._meta.label
    ALLIANCE_OF[label] = path

    def receiver(sender, instance, **kwargs):
        _row_changed(sender, instance, path, **kwargs)

    uid = f"generations:{label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
    # Before the delete, while the rows leading to the alliance still exist.
    pre_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def follow_person(model, attribute: str) -> None:
    """Renew the generation of the person a row of ``model`` is about (``attribute``, e.g.
    ``"recipient_id"``) whenever one is saved or deleted: what the navigation shows them.
    The model's default manager must be a ``FollowedManager`` too."""
    generation_queries.route(model, attribute)
    PERSON_OF[model._meta.label] = attribute

    def receiver(sender, instance, **kwargs):
        if not kwargs.get("raw"):
            person_changed(getattr(instance, attribute))

    uid = f"generations:person:{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
    pre_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def connect() -> None:
    """Called once, from ``AlianzasConfig.ready``: this floor's models. The floors above
    call ``follow`` and ``follow_person`` for theirs."""
    for model, path in (
        (Alliance, "pk"),
        (Membership, "alliance_id"),
        (Objective, "alliance_id"),
        (Indicator, "objective.alliance_id"),
        (PhaseChange, "alliance_id"),
        (Adjustment, "alliance_id"),
        (Publication, "alliance_id"),
    ):
        follow(model, path)

    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="generations:members")
    pre_delete.connect(_membership_changed, sender=Membership, dispatch_uid="generations:m:del")
    post_save.connect(_actor_changed, sender=Actor, dispatch_uid="generations:actor")
    pre_delete.connect(_actor_changed, sender=Actor, dispatch_uid="generations:actor:del")
    post_save.connect(_person_saved, sender=User, dispatch_uid="generations:person")
    for model in (Region, SustainableDevelopmentGoal, Place):
        label = model._meta.label
        post_save.connect(_shared_changed, sender=model, dispatch_uid=f"generations:{label}")
        pre_delete.connect(_shared_changed, sender=model, dispatch_uid=f"generations:{label}:d")
    m2m_changed.connect(
        _coordinators_changed,
        sender=Alliance.coordinators.through,
        dispatch_uid="generations:coordinators",
    )
    m2m_changed.connect(
        _representatives_changed,
        sender=Actor.representatives.through,
        dispatch_uid="generations:representatives",
    )
    for through in (Alliance.regions.through, Alliance.goals.through, Alliance.places.through):
        m2m_changed.connect(
            _alliance_sets_changed, sender=through, dispatch_uid=f"generations:{through}"
        )

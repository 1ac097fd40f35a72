"""Writes that send no signals, heard by the page cache all the same (alianzas.generations).

``QuerySet.update()`` and ``bulk_create()`` send no ``post_save``: without this, a row
written that way would leave the pages that show it stale until their content expired. A
model whose rows the page cache follows (``generations.follow`` or ``follow_person``) has a
:class:`FollowedManager` as its default manager, so the services, the tasks and the shell
renew the generations on such writes without naming the cache:

- ``update()`` reads the distinct ids the rows lead to (``"indicator.objective.alliance_id"``
  read as ``values_list("indicator__objective__alliance_id")``) before it writes, and again
  after when it moves the rows (it changes the field the route starts with);
- ``bulk_create()`` works them out from the objects it wrote;
- ``bulk_update()`` writes each batch with ``update()``, which reports it;
- ``delete()`` needs nothing here: while receivers are connected Django collects the rows
  and sends ``pre_delete`` for each (no fast delete), cascades included.

Related managers (``evaluation.ratings``) are built from the default manager's class, so
they report too. Raw SQL (the reminder sweep's ``INSERT … SELECT``) is still the writer's
to report. This module is imported by the models, so it reaches ``generations`` only when a
write happens.
"""

import functools
from dataclasses import dataclass

from django.db import models
from django.db.models.constants import LOOKUP_SEP


@dataclass(frozen=True)
class Route:
    """How to get from a row of ``model`` to the id a generation is kept under: ``path``
    as read on an instance (``"pk"``, ``"alliance_id"``, ``"commitment.alliance_id"``)."""

    model: type[models.Model]
    path: str

    @functools.cached_property
    def first(self) -> models.Field:
        """The field the path starts with (the primary key for ``"pk"``)."""
        name = self.path.split(".", 1)[0]
        if name == "pk":
            return self.model._meta.pk
        return self.model._meta.get_field(name)

    @functools.cached_property
    def rest(self) -> str | None:
        """The lookup from the first field's related model on, if the path goes further."""
        _first, _dot, rest = self.path.partition(".")
        return rest.replace(".", LOOKUP_SEP) or None

    def check(self) -> None:
        """Fail now, at start-up, on a path that leads nowhere."""
        if self.rest is not None and not self.first.is_relation:
            raise ValueError(f"{self.model._meta.label}: {self.path!r} goes through no relation")
        self.model._base_manager.values_list(self.lookup)  # raises FieldError if it is wrong

    @property
    def lookup(self) -> str:
        return self.path.replace(".", LOOKUP_SEP)

    def moved_by(self, names) -> bool:
        """Whether writing the fields ``names`` can move a row to another id."""
        return bool({self.first.name, self.first.attname} & set(names))

    def ids_of_rows(self, queryset: models.QuerySet) -> set:
        """The ids the rows of ``queryset`` lead to now: one query."""
        return set(_plain(queryset).values_list(self.lookup, flat=True).distinct()) - {None}

    def ids_of_objects(self, objs) -> set | None:
        """The ids ``objs`` lead to (one query if the path goes through a relation); None
        when an object has no id yet to tell."""
        attribute = "pk" if self.first.primary_key else self.first.attname
        values = {getattr(obj, attribute) for obj in objs}
        if self.rest is None:
            return None if None in values else values
        values.discard(None)
        if not values:
            return set()
        related = self.first.related_model._base_manager.filter(
            **{f"{self.first.target_field.name}__in": values}
        )
        return set(related.order_by().values_list(self.rest, flat=True).distinct()) - {None}


def _plain(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` to read from: no ordering, no row locks (FOR UPDATE refuses DISTINCT)."""
    plain = queryset.order_by()
    plain.query.select_for_update = False
    return plain


@functools.cache
def route(model: type[models.Model], path: str) -> Route:
    found = Route(model, path)
    found.check()
    return found


def _followers(model) -> list[tuple[Route, object]]:
    """The routes the page cache follows from ``model``'s rows, each with what to call."""
    from alianzas import generations

    followers = []
    label = model._meta.label
    if label in generations.ALLIANCE_OF:
        followers.append(
            (route(model, generations.ALLIANCE_OF[label]), generations.alliance_changed)
        )
    if label in generations.PERSON_OF:
        followers.append((route(model, generations.PERSON_OF[label]), generations.person_changed))
    return followers


def _unknown_changed() -> None:
    from alianzas import generations

    generations.everything_changed()


class FollowedQuerySet(models.QuerySet):
    """Reports ``update()`` and ``bulk_create()`` to the page cache, for models it follows."""

    def update(self, **kwargs):
        followers = _followers(self.model)
        if not followers or self.query.is_sliced:  # a slice: Django refuses the update
            return super().update(**kwargs)
        moved = any(route.moved_by(kwargs) for route, _changed in followers)
        rows = self
        if moved:
            # Read again by key afterwards: the filter may no longer match the rows moved.
            keys = list(_plain(self).values_list("pk", flat=True))
            rows = self.model._base_manager.using(self.db).filter(pk__in=keys)
        before = [route.ids_of_rows(rows) for route, _changed in followers]
        updated = super().update(**kwargs)
        for (route, changed), ids in zip(followers, before, strict=True):
            changed(*(ids | route.ids_of_rows(rows) if moved else ids))
        return updated

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        for route, changed in _followers(self.model):
            ids = route.ids_of_objects(objs)
            if ids is None:
                _unknown_changed()
            else:
                changed(*ids)
        return created

    bulk_create.alters_data = True


class FollowedManager(models.Manager.from_queryset(FollowedQuerySet)):
    """The default manager of a model the page cache follows (not in migrations)."""

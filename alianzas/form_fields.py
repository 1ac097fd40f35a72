"""Choice fields that refuse an id the database cannot hold, before asking it.

A posted ``regions=99999999999999999999999`` reached the database as it was: SQLite
answered ``OverflowError`` and PostgreSQL ``DataError``, a server error either way. These
fields check that each id is a whole number within the range of the primary key's column
(for the database the queryset reads) and otherwise refuse it as any other unknown choice,
next to the field. Every form of the three apps uses them: the model forms through
``ModelForm`` (or ``safe_formfield`` as their ``formfield_callback``), the others by
declaring these fields; ``tests/test_properties.py`` checks that no form is left with
Django's own.
"""

import logging
import time

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.forms.models import BaseModelForm, ModelChoiceIterator, ModelFormMetaclass
from django.utils.translation import get_language

# Without a known range (a backend that reports none), a signed 64-bit integer.
_BIGINT = (-(2**63), 2**63 - 1)


def _id_range(queryset, key: str | None) -> tuple[int, int] | None:
    """The values the key column can hold, or None when it is not an integer column."""
    field = queryset.model._meta.get_field(key) if key else queryset.model._meta.pk
    internal = field.get_internal_type()
    if not isinstance(field, models.IntegerField | models.AutoField):
        return None
    low, high = connections[queryset.db].ops.integer_field_range(internal)
    return (low if low is not None else _BIGINT[0], high if high is not None else _BIGINT[1])


def _fits(value, bounds: tuple[int, int]) -> bool:
    text = str(value).strip()
    if len(text) > 25:  # long before int() spends time on it
        return False
    try:
        number = int(text)
    except (TypeError, ValueError):
        return False
    return bounds[0] <= number <= bounds[1]


class OneQueryChoices(ModelChoiceIterator):
    """The options of a model choice, read with one query.

    Django's iterator reads them with ``QuerySet.iterator()``, which on PostgreSQL is a
    server-side cursor: DECLARE, FETCH and CLOSE, three round trips for a list of an
    alliance's members or of a person's alliances (docs/performance.md). The options are
    all rendered anyway, so they are read as a plain query, never kept on the field."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = OneQueryChoices

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            bounds = _id_range(self.queryset, self.to_field_name)
            if bounds is not None and not _fits(value, bounds):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": value},
                )
        return super().to_python(value)


logger = logging.getLogger(__name__)

# How long the options of reference rows are kept; a migration forgets them at once.
REFERENCE_CHOICES_SECONDS = 24 * 60 * 60
# And how long a process keeps what it read from the cache: the cache's answer is a round
# trip and an unpickling (two of them, 0.5 ms, on every list page, the dashboard and the
# portfolio), for rows that only a migration changes. A migration is run by one process;
# the others (a deploy restarts them anyway) read the cache again within this time.
REFERENCE_CHOICES_PROCESS_SECONDS = 5 * 60
_REFERENCE_KEYS: set[str] = set()
# key -> (when this process read them, the options)
_read_here: dict[str, tuple[float, list[tuple]]] = {}


class _KeptChoices(ModelChoiceIterator):
    """The options of a ``ReferenceChoiceField``: (id, label) pairs read from the cache, the
    database asked only when the cache has none for the language (or does not answer: a
    cache that fails costs the query, never the page)."""

    def _kept(self) -> list[tuple]:
        if getattr(self, "_rows", None) is None:
            field = self.field
            key = f"reference-choices:{field.cache_key}:{get_language()}"
            now = time.monotonic()
            read_at, rows = _read_here.get(key, (None, None))
            if read_at is not None and now - read_at < REFERENCE_CHOICES_PROCESS_SECONDS:
                self._rows = rows
                return rows
            self._rows = None
            try:
                self._rows = cache.get(key)
            except Exception:
                logger.warning("The cache did not answer; options read.", exc_info=True)
            if self._rows is None:
                self._rows = [(row.pk, field.label_from_instance(row)) for row in field.queryset]
                try:
                    cache.set(key, self._rows, REFERENCE_CHOICES_SECONDS)
                except Exception:
                    logger.warning("The cache did not keep %s.", key, exc_info=True)
            # One assignment: another thread sees the old pair or the new one.
            _read_here[key] = (now, self._rows)
        return self._rows

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self._kept()

    def __len__(self) -> int:
        return len(self._kept()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._kept())


class ReferenceChoiceField(ModelChoiceField):
    """A choice among reference rows that only a migration changes (the regions, the SDGs:
    read-only in the admin), shown by the filters of every list page: their options are
    kept in the cache per language (``cache_key``) instead of read on every visit. What is
    posted is still checked against the database."""

    iterator = _KeptChoices

    def __init__(self, *args, cache_key: str, **kwargs):
        self.cache_key = cache_key
        _REFERENCE_KEYS.add(cache_key)
        super().__init__(*args, **kwargs)


def forget_reference_choices(**_signal) -> None:
    """After ``migrate`` (which is what changes reference rows), every language's options
    are read afresh: at once in this process, within ``REFERENCE_CHOICES_PROCESS_SECONDS``
    in the others."""
    from django.conf import settings

    _read_here.clear()
    keys = [
        f"reference-choices:{key}:{language}"
        for key in _REFERENCE_KEYS
        for language, _name in settings.LANGUAGES
    ]
    try:
        cache.delete_many(keys)
    except Exception:
        # Then the options are read afresh when they expire (REFERENCE_CHOICES_SECONDS).
        logger.warning("The cache did not forget the reference options.", exc_info=True)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = OneQueryChoices

    def _check_values(self, value):
        bounds = _id_range(self.queryset, self.to_field_name)
        if bounds is not None:
            try:
                values = frozenset(value)
            except TypeError:
                values = frozenset()
            for each in values:
                if not _fits(each, bounds):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": each},
                    )
        return super()._check_values(value)


def safe_formfield(field, **kwargs):
    """A model form's ``formfield_callback``: foreign keys and many-to-many fields get the
    fields above."""
    if isinstance(field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    elif isinstance(field, models.ForeignKey):
        kwargs.setdefault("form_class", ModelChoiceField)
    return field.formfield(**kwargs)


class _SafeFieldsMetaclass(ModelFormMetaclass):
    # Django reads ``formfield_callback`` from the form's own Meta only (a subclass's Meta
    # does not inherit it), so it is put there unless the form chose one.
    def __new__(mcs, name, bases, attrs):
        meta = attrs.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = safe_formfield
        return super().__new__(mcs, name, bases, attrs)


class ModelForm(BaseModelForm, metaclass=_SafeFieldsMetaclass):
    """A model form whose foreign keys and many-to-many fields are the fields above (the
    model forms of the three apps subclass it; ``class Meta(ModelForm.Meta)`` works too)."""

    class Meta:
        formfield_callback = safe_formfield

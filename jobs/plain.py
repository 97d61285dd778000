"""Model instances to plain data and back, for the cache (which holds no pickles).

A cached list of postings is stored as each row's loaded column values (and those of the rows
it was loaded with, such as its company), and rebuilt with Model.from_db, as the ORM builds
rows: columns that were not loaded stay deferred, exactly as on the original, and nothing
is queried. Any app's cache may use this; it sits in the bottom layer for that reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, router

M = TypeVar("M", bound=models.Model)


def to_plain(instance: models.Model, *, related: Iterable[str] = (), extra: Iterable[str] = ()) -> dict[str, Any]:
    """The loaded columns of `instance`, its already-loaded `related` rows, and `extra` attributes."""
    loaded = instance.__dict__
    plain: dict[str, Any] = {
        "fields": {f.attname: loaded[f.attname] for f in instance._meta.concrete_fields if f.attname in loaded},
    }
    for name in related:
        plain.setdefault("related", {})[name] = to_plain(getattr(instance, name))
    for name in extra:
        plain.setdefault("extra", {})[name] = getattr(instance, name)
    return plain


def from_plain(model: type[M], plain: dict[str, Any]) -> M:
    fields = plain["fields"]
    names = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    instance = model.from_db(router.db_for_read(model), names, [fields[name] for name in names])
    for name, related in plain.get("related", {}).items():
        setattr(instance, name, from_plain(model._meta.get_field(name).related_model, related))
    for name, value in plain.get("extra", {}).items():
        setattr(instance, name, value)
    return instance


def list_to_plain(instances: Iterable[models.Model], **options) -> list[dict[str, Any]]:
    return [to_plain(instance, **options) for instance in instances]


def list_from_plain(model: type[M], plains: Iterable[dict[str, Any]]) -> list[M]:
    return [from_plain(model, plain) for plain in plains]

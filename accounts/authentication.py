"""Who the visitor is (request.user): Django's AuthenticationMiddleware and get_user, with the
user's row read by a statement compiled once instead of through the ORM on every request.

A logged-in page asks once per request who the user is. Django answers with
`ModelBackend.get_user`, `User._default_manager.get(pk=...)`: a queryset built, its filter
resolved and compiled, the row read, a model made from it: ~265 µs of CPU, of which the row itself
(through Django's cursor, so the query is still counted, timed and logged like any other) costs
~80 µs. Everything else is Django's, in the same order: the session's user id and backend, the
backend listed in AUTHENTICATION_BACKENDS, `user_can_authenticate` (inactive users are nobody),
the session hash check against the current and the fallback secrets (a changed password ends the
other sessions; a rotated SECRET_KEY cycles the session). Backends whose `get_user` is not
ModelBackend's, and a User model whose default manager is not a plain one, go through Django's
own get_user unchanged. The database is the router's, as the ORM's read would pick it.
"""

from __future__ import annotations

from functools import partial

from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import auser
from django.contrib.auth.models import AnonymousUser
from django.conf import settings
from django.db import connections, router
from django.db.models.manager import BaseManager
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

# (database alias, vendor) -> the row's SELECT, or None where the backend converts what the row
# holds (SQLite's text dates, say): there the ORM reads it, as Django's get_user does.
_statements: dict[tuple[str, str], str | None] = {}
_ORM = object()  # _read_user's answer where the ORM must read the row


def _row_reader_applies(user_model) -> bool:
    """A default manager that filters or joins nothing: its `get(pk=...)` is the one SELECT below."""
    return type(user_model._default_manager).get_queryset is BaseManager.get_queryset


def _statement(user_model, db: str) -> str | None:
    """The SELECT the ORM sends for `get(pk=...)`, or None when the backend converts any of its
    columns on the way out (then a raw row is not what the ORM would make of it)."""
    compiler = user_model._default_manager.db_manager(db).filter(pk=0).query.get_compiler(db)
    sql = compiler.as_sql()[0]
    return None if compiler.get_converters([column for column, _, _ in compiler.select]) else sql


def _read_user(user_model, user_id):
    """ModelBackend.get_user's row, None, or _ORM: the same SELECT the ORM would send, compiled once."""
    db = router.db_for_read(user_model)
    key = (db, connections[db].vendor)
    if key not in _statements:
        _statements[key] = _statement(user_model, db)
    sql = _statements[key]
    if sql is None:
        return _ORM
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [user_model._meta.pk.get_db_prep_value(user_id, connections[db])])
        row = cursor.fetchone()
    if row is None:
        return None
    return user_model.from_db(db, [field.attname for field in user_model._meta.concrete_fields], row)


def get_user(request):
    """django.contrib.auth.get_user (Django 5.2), the row read by `_read_user` when the session's
    backend reads it as ModelBackend does."""
    user_model = get_user_model()
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user or not _row_reader_applies(user_model):
        return auth.get_user(request)
    user = _read_user(user_model, user_id)
    if user is _ORM:
        return auth.get_user(request)
    if user is not None and not backend.user_can_authenticate(user):
        user = None
    # Verify the session, as Django does.
    if hasattr(user, "get_session_auth_hash"):
        session_hash = request.session.get(HASH_SESSION_KEY)
        if not session_hash:
            session_hash_verified = False
        else:
            session_auth_hash = user.get_session_auth_hash()
            session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
        if not session_hash_verified:
            # If the current secret does not verify the session, try with the fallback secrets
            # and stop when a matching one is found.
            if session_hash and any(constant_time_compare(session_hash, fallback_auth_hash)
                                    for fallback_auth_hash in user.get_session_auth_fallback_hash()):
                request.session.cycle_key()
                request.session[HASH_SESSION_KEY] = session_auth_hash
            else:
                request.session.flush()
                user = None
    return user or AnonymousUser()


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `get_user` above (a subclass, so Django's checks that want it still find it)."""

    def process_request(self, request):
        super().process_request(request)  # its checks, and request.auser
        request.user = SimpleLazyObject(lambda: _cached_user(request))
        request.auser = partial(auser, request)

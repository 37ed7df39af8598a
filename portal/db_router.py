"""Primary/replica routing: staff aggregates may read a streaming replica, nothing else does.

Reads go to the `replica` alias only when all of these hold:

- `DATABASE_REPLICA_URL` is set (so `settings.DATABASES` has a `replica` alias);
- the code asked for it with `replica_reads()` (staff dashboards, figures, exports);
- the view has written nothing so far in this request, and this client's requests wrote
  nothing in the last `DATABASE_REPLICA_PIN_SECONDS` (a cookie set by
  `PrimaryAfterWriteMiddleware`): what a staff member just changed is never hidden by
  replica lag. Bookkeeping that middleware does around every staff request (session
  activity, the access log) is not data a dashboard reads and does not count;
- no transaction is open on the primary (a read inside `atomic()` belongs with its writes).

Participant pages never call `replica_reads()`, so they always read the primary. A replica
that lags only makes the aggregates older by that much; they are counts, never a decision.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "portal_primary_until"

_replica_wanted: ContextVar[bool] = ContextVar("portal_replica_wanted", default=False)
_pinned: ContextVar[bool] = ContextVar("portal_pinned_to_primary", default=False)
_wrote: ContextVar[bool] = ContextVar("portal_wrote", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads may go to the replica (see the module docstring)."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def reading_from() -> str:
    """The alias a read would use here and now (for tests and the health page)."""
    if not (_replica_wanted.get() and replica_configured()):
        return DEFAULT_DB_ALIAS
    if _pinned.get() or _wrote.get():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        return reading_from()

    def db_for_write(self, model, **hints) -> str:
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica is a copy of the primary: objects from either relate freely.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # A streaming replica is read-only: it gets the schema through replication.
        return db == DEFAULT_DB_ALIAS


class PrimaryAfterWriteMiddleware:
    """The innermost middleware. Per request: forget writes made before the view (threads
    are reused, and outer middleware does bookkeeping writes), pin to the primary when the
    client wrote lately, and after a view that wrote, pin this client for a few seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            until = 0.0
        pinned = _pinned.set(until > time.time())
        wrote = _wrote.set(False)
        try:
            response = self.get_response(request)
            if _wrote.get() and replica_configured():
                seconds = settings.DATABASE_REPLICA_PIN_SECONDS
                response.set_cookie(
                    PIN_COOKIE,
                    str(int(time.time()) + seconds),
                    max_age=seconds,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        finally:
            _wrote.reset(wrote)
            _pinned.reset(pinned)

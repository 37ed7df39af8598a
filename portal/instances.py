"""One rule for services that lock and change a row the caller passed in.

A service re-reads the row `select_for_update()` (the "locked" copy), changes and saves
that, then brings the caller's instance up to date with `update_caller` and returns the
caller's instance: never a second object. So `x = service(obj)` and `service(obj)` leave
the caller holding the same, current object.
"""

from django.db import models


def update_caller[M: models.Model](caller: M, locked: M) -> M:
    """Copies every concrete field of `locked` onto `caller` and returns `caller`.

    Through `setattr`, so a changed foreign key also drops the caller's stale cached object.
    """
    for field in locked._meta.concrete_fields:
        setattr(caller, field.attname, getattr(locked, field.attname))
    return caller

"""The one permission decorator for staff pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def staff_permission_required(*perms: str):
    """Staff only, holding at least one of `perms`.

    Anonymous → the log-in page; logged in but not staff, or without any of `perms`
    → 403 (`PermissionDenied`). The staff middleware has already checked location, MFA
    and session age for every /staff/ route.
    """
    if not perms:
        raise TypeError("staff_permission_required needs at least one permission")

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_staff or not any(user.has_perm(p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

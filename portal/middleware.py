import time
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.usersessions import app_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from portal import hooks


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a logged-in user must not stay in shared or browser caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class UserSessionsActivityMiddleware:
    """allauth's session tracking, without a database write on every participant request.

    allauth.usersessions records the IP address, user agent and last-seen time of each
    signed-in session (staff can list and end them). Its own middleware does that with a
    transaction, a SELECT and an UPDATE on every request. Here staff requests are
    tracked on every request, as before; a participant's session is refreshed when its
    IP address or user agent changes, or when the last refresh is older than
    USERSESSIONS_REFRESH_SECONDS. When it was last refreshed, and for which client, is
    kept in the cache (not the session, so noting it costs no session write).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.refresh_seconds = getattr(settings, "USERSESSIONS_REFRESH_SECONDS", 60)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            app_settings.TRACK_ACTIVITY
            and session is not None
            and session.session_key
            and user is not None
            and user.is_authenticated
        ):
            self._track(request, session.session_key, user)
        return self.get_response(request)

    def _track(self, request: HttpRequest, session_key: str, user) -> None:
        if user.is_staff:
            UserSession.objects.create_from_request(request)
            return
        client = [
            get_adapter().get_client_ip(request),
            request.META.get("HTTP_USER_AGENT", "")[:255],
        ]
        key = f"usersession-seen:{session_key}"
        now = time.time()
        seen = cache.get(key)
        if seen and seen[1:] == client and now - seen[0] < self.refresh_seconds:
            return
        UserSession.objects.create_from_request(request)
        cache.set(key, [now, *client], timeout=self.refresh_seconds)


class RequestBodyLimitMiddleware:
    """Refuses an oversized or over-long form before any view runs (R21).

    Django measures a body against DATA_UPLOAD_MAX_MEMORY_SIZE and
    DATA_UPLOAD_MAX_NUMBER_FIELDS/FILES only when something reads the form. The CSRF
    check usually does, but a view that acts on a button press alone would not: reading
    it here gives every POST the same clear 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"POST", "PUT", "PATCH"}:
            request.POST  # noqa: B018 - parsing enforces the limits (400 when exceeded)
        return self.get_response(request)


class TimeZoneMiddleware:
    """Shows times in the participant's zone (participants.time_zones); UTC otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = hooks.time_zone_for_request(request)  # participants.time_zones
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

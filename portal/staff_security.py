"""Staff request security: location (R11), MFA required (R1), idle/absolute timeouts (R6).

One middleware, placed after allauth's, guards every `/staff/` path (in every
language prefix) and every request made by a staff account. Participants are
never located or refused here.
"""

import datetime as dt
import ipaddress
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from geoip2fast import GeoIP2Fast

from portal.audit import audit_record
from portal.models import AuditEvent, TravelException
from portal.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

# 28 CFR 202.601: China (with Hong Kong and Macau), Cuba, Iran, North Korea, Russia,
# Venezuela. Refused always, whatever travel exception exists.
COUNTRIES_OF_CONCERN = frozenset({"CN", "HK", "MO", "CU", "IR", "KP", "RU", "VE"})
LOCAL = "LOCAL"
UNKNOWN = ""
ADMINISTRATOR_GROUP = "administrator"


# --- where the request comes from ------------------------------------------------------
@cache
def _networks(spec: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _parse_ip(value: str | None) -> Any:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def _is_trusted_proxy(ip: Any) -> bool:
    return any(ip in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def unwrap_ip(ip: Any) -> Any:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002::/16) or
    Teredo (2001::/32) IPv6 address; any other address unchanged.

    Without this, `::ffff:127.0.0.1` would count as local and `::ffff:<a Russian
    address>` as unknown rather than as Russia.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one function for the geo-fence, the access log and every
    rate limit (allauth's adapter calls it too). X-Forwarded-For counts only when
    REMOTE_ADDR is a trusted proxy (TRUSTED_PROXIES).

    Walks X-Forwarded-For from the right (the entries our proxies appended) and
    returns the first address that is not one of our proxies; anything further
    left was written by the client and could be forged. Embedded IPv4 addresses are
    unwrapped first (see `unwrap_ip`).
    """
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    remote = unwrap_ip(remote)
    if not _is_trusted_proxy(remote):
        return str(remote)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _parse_ip(hop)
        if ip is None:
            return None  # a malformed hop: refuse to guess
        ip = unwrap_ip(ip)
        if not _is_trusted_proxy(ip):
            return str(ip)
    return str(remote)


@cache
def _geoip() -> Any:
    return GeoIP2Fast()


# What "local" means (R11): loopback, RFC 1918 and IPv6 unique local addresses. Other
# special ranges (link-local, carrier-grade NAT, documentation, reserved) are unknown.
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)


def country_for_ip(ip: str | None) -> str:
    """ISO country code, LOCAL for loopback/RFC 1918/ULA addresses, "" when unknown."""
    parsed = _parse_ip(ip)
    if parsed is None:
        return UNKNOWN
    parsed = unwrap_ip(parsed)
    if any(parsed.version == net.version and parsed in net for net in _LOCAL_NETWORKS):
        return LOCAL
    if not parsed.is_global:
        return UNKNOWN
    result = _geoip().lookup(str(parsed))
    if getattr(result, "is_private", False):
        return UNKNOWN
    code = (getattr(result, "country_code", "") or "").upper()
    return code if re.fullmatch(r"[A-Z]{2}", code) else UNKNOWN


def location_decision(*, user: Any, country: str) -> tuple[bool, str]:
    """(allowed, reason) for a staff request from `country`."""
    if country == LOCAL:
        return (bool(settings.STAFF_ALLOW_PRIVATE_NETWORKS), "private_network")
    if country == UNKNOWN:
        return (False, "unknown_location")
    if country in COUNTRIES_OF_CONCERN:
        return (False, "country_of_concern")
    if country in settings.STAFF_ALLOWED_COUNTRIES:
        return (True, "allowed_country")
    if user is not None and user.is_authenticated:
        today = timezone.now().date()
        covered = TravelException.objects.filter(
            user=user,
            country=country,
            approved_by__isnull=False,
            starts_on__lte=today,
            ends_on__gte=today,
        ).exists()
        if covered:
            return (True, "travel_exception")
    return (False, "abroad")


# --- alerts --------------------------------------------------------------------------------
def staff_alert_admins(*, subject: str, body: str, throttle_key: str | None = None) -> bool:
    """Queues an e-mail to every active administrator through the outbox (sent by a
    worker after the commit; an SMTP outage delays it, never fails the request).

    With `throttle_key`, at most one such e-mail per STAFF_ALERT_THROTTLE_SECONDS: the
    rest are only counted in the audit log and reach the administrators in the next
    digest (`staff_alert_digest`). Returns whether an e-mail was queued.
    """
    # Here, not at the top: `cache` at module level is functools.cache.
    from django.core.cache import cache

    if throttle_key is not None:
        try:
            first = cache.add(
                f"staff-alert:{throttle_key}", 1, timeout=settings.STAFF_ALERT_THROTTLE_SECONDS
            )
        except Exception:  # noqa: BLE001 - cache down: better one e-mail too many
            logger.warning("staff alert throttle unavailable; sending %s", subject)
            first = True
        if not first:
            return False
    outbox_enqueue(
        task_name="portal.tasks.send_staff_mail",
        args=[f"[staff alert] {subject}", body, []],
    )
    return True


def staff_mail_send(*, subject: str, body: str, to: list[str]) -> bool:
    """Sends one staff e-mail now (the outbox task calls this). An empty `to` means every
    active administrator. Returns False instead of raising when the mail server fails:
    the caller queues it again."""
    User = get_user_model()

    recipients = to or list(
        User.objects.filter(groups__name=ADMINISTRATOR_GROUP, is_active=True)
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        logger.warning("staff e-mail with no administrator to receive it: %s", subject)
        return True
    try:
        send_mail(subject, body, None, recipients, fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - SMTP down, refused, timed out: try later
        logger.warning("staff e-mail not sent (%s): %s", exc.__class__.__name__, subject)
        return False
    return True


REFUSAL_ACTIONS = ("staff.location_refused", "staff.quota_exceeded", "staff.pace_alert")


def staff_alert_digest(*, since: Any = None) -> int:
    """One e-mail summarising the refusals and alerts since the last digest (beat, every
    STAFF_ALERT_THROTTLE_SECONDS). Returns how many events it covered (0: no e-mail)."""

    now = timezone.now()
    if since is None:
        last = (
            AuditEvent.objects.filter(action="staff.alert_digest")
            .order_by("-created")
            .values_list("created", flat=True)
            .first()
        )
        since = last or now - dt.timedelta(seconds=settings.STAFF_ALERT_THROTTLE_SECONDS)
    events = list(
        AuditEvent.objects.filter(
            action__in=REFUSAL_ACTIONS, created__gt=since, created__lte=now
        ).values_list("action", "data")
    )
    if not events:
        return 0
    counts = Counter(
        (action, str(data.get("reason") or data.get("period") or data.get("pattern") or ""))
        for action, data in events
    )
    lines = [f"{n:>6}  {action} {why}".rstrip() for (action, why), n in counts.most_common()]
    with transaction.atomic():
        audit_record(action="staff.alert_digest", data={"events": len(events)})
        staff_alert_admins(
            subject=f"digest: {len(events)} refusals and alerts",
            body=(
                f"Since {since:%Y-%m-%d %H:%M} UTC:\n\n" + "\n".join(lines) + "\n\n"
                "Each is in the audit log with its address, country and user."
            ),
        )
    return len(events)


def _refuse(request: HttpRequest, *, user: Any, ip: str | None, country: str, why: str):
    actor = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        audit_record(
            action="staff.location_refused",
            actor=actor,
            data={"ip": ip or "", "country": country, "reason": why, "path": request.path[:200]},
        )
        staff_alert_admins(
            subject=f"staff access refused ({why})",
            body=(
                f"A request was refused: reason {why}, country {country or 'unknown'}, "
                f"address {ip or 'unknown'}, user id {getattr(actor, 'pk', None) or '-'}, "
                f"path {request.path[:200]}.\nSee the audit log (staff.location_refused). "
                "Further refusals of this kind are counted in the next digest."
            ),
            throttle_key=f"refused:{why}",
        )
    if actor is not None and why == "country_of_concern":
        logout(request)  # the session ends: nothing more from there, not even a retry
    return render(request, "staff/refused.html", {"reason": why, "country": country}, status=403)


def staff_login_check(request: HttpRequest, user: Any) -> HttpResponse | None:
    """Locates a staff member at log-in (allauth's adapter calls this before the session
    is made). A refused location stops the log-in; None lets it go on."""
    if not getattr(user, "is_staff", False):
        return None
    ip = client_ip(request)
    country = country_for_ip(ip)
    allowed, why = location_decision(user=user, country=country)
    if allowed:
        return None
    return _refuse(request, user=user, ip=ip, country=country, why=why)


# --- the middleware --------------------------------------------------------------------------
def _strip_language(path: str) -> str:
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return path[len(prefix) - 1 :]
    return path


def is_staff_path(path: str) -> bool:
    return _strip_language(path).startswith("/staff/")


# Reachable by a staff account that has no second factor yet: the MFA set-up pages,
# re-authentication (allauth asks for it before activating TOTP), logout, static files.
_MFA_SETUP_PREFIXES = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/")
_ALWAYS_OPEN = ("/static/", "/healthz", "/i18n/setlang/")


class StaffQuotaExceeded(PermissionDenied):
    """Raised by `access_record` when a staff member reached the hourly record-view quota."""


def has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class StaffSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(_ALWAYS_OPEN):
            return self.get_response(request)
        user = getattr(request, "user", None)
        staff_user = user is not None and user.is_authenticated and user.is_staff
        staff_path = is_staff_path(path)
        if not (staff_user or staff_path):
            return self.get_response(request)
        if staff_path and not staff_user and user is not None and user.is_authenticated:
            raise Http404  # a participant: the staff area does not exist for them

        ip = client_ip(request)
        country = country_for_ip(ip)
        request.staff_ip, request.staff_country = ip, country
        allowed, why = location_decision(user=user, country=country)
        if not allowed:
            return _refuse(request, user=user, ip=ip, country=country, why=why)

        if staff_user:
            expired = self._session_expired(request)
            if expired:
                logout(request)
                login = reverse("account_login")
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            bare = _strip_language(path)
            if not bare.startswith(_MFA_SETUP_PREFIXES) and not has_mfa(user):
                return redirect("mfa_activate_totp")
        elif staff_path:  # anonymous
            login = reverse("account_login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, StaffQuotaExceeded):
            return render(request, "staff/quota_exceeded.html", status=403)
        return None

    @staticmethod
    def _session_expired(request: HttpRequest) -> bool:
        """Idle and absolute limits, kept in the session (seconds since the epoch)."""
        now = time.time()
        session = request.session
        started = session.get("staff_login_at")
        last = session.get("staff_last_activity")
        if started is None:
            session["staff_login_at"] = started = now
        if now - started > settings.STAFF_SESSION_ABSOLUTE_SECONDS:
            return True
        if last is not None and now - last > settings.STAFF_SESSION_IDLE_SECONDS:
            return True
        # Writing the session on every request costs a query; once a minute is enough.
        if last is None or now - last > 60:
            session["staff_last_activity"] = now
        return False

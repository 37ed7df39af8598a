"""Who read which participant's data (R13), and the per-staff view quotas (R12).

Every staff view that shows one participant's data calls `access_record` before
rendering it. Rows are append-only (trigger, TRUNCATE refused too) and hash-chained;
inserts are serialised with a PostgreSQL advisory lock so concurrent writers keep one
chain. The chain head is anchored outside the database once a day
(`access_log_anchor`), so deleting the newest rows is detected as well
(`verify_access_log --expect-head`).
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import audit_record
from portal.models import AccessEvent, AccessLogAnchor, AuditEvent, StaffProfile
from portal.staff_security import (
    StaffQuotaExceeded,
    client_ip,
    country_for_ip,
    staff_alert_admins,
)

GENESIS = "0" * 64
# Any constant: the lock is only ever taken for this chain.
_CHAIN_LOCK_KEY = 0x5AFEC4A1
FORMAT = 2


def canonical_content(
    *,
    created: dt.datetime,
    staff_id: int,
    participant_id: int | None,
    what: str,
    reason: str,
    ip: str | None,
    country: str,
    format: int = 1,
    subject_staff_id: int | None = None,
    roles: str = "",
    site: str = "",
) -> str:
    """The text a row's hash covers. Field order and formats are fixed forever.

    Format 1 (issue 8) covers the first seven fields; format 2 adds the subject staff
    member (role changes) and the reader's roles and site as they were at read time.
    """
    stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    parts = [stamp, str(staff_id), str(participant_id), what, reason, ip or "", country]
    if format >= 2:
        parts += ["v2", str(subject_staff_id or ""), roles, site]
    return "\x1f".join(p.replace("\x1f", " ") for p in parts)


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\x1e{content}".encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def staff_roles_and_site(staff: Any) -> tuple[str, str]:
    """The reader's roles (sorted, comma-separated) and site code, as they are now."""

    roles = ",".join(sorted(staff.groups.values_list("name", flat=True)))
    profile = StaffProfile.objects.filter(user=staff).select_related("site").first()
    site = profile.site.code if profile and profile.site else ""
    return roles, site


def _where(request: HttpRequest | None) -> tuple[str | None, str]:
    ip = getattr(request, "staff_ip", None) if request is not None else None
    country = getattr(request, "staff_country", None) if request is not None else None
    if request is not None and country is None:
        ip = client_ip(request)
        country = country_for_ip(ip)
    return ip, country or ""


def _append(
    *,
    staff: Any,
    participant: Any,
    what: str,
    reason: str,
    ip: str | None,
    country: str,
    subject_staff: Any = None,
    now: dt.datetime | None = None,
) -> AccessEvent:
    """Appends one format-2 row. Call with the chain lock held (inside a transaction)."""
    roles, site = staff_roles_and_site(staff)
    last = AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev = last or GENESIS
    fields = {
        "created": now or timezone.now(),
        "staff_id": staff.pk,
        "participant_id": participant.pk if participant is not None else None,
        "what": what[:64],
        "reason": reason[:300],
        "ip": ip,
        "country": country or "",
        "format": FORMAT,
        "subject_staff_id": subject_staff.pk if subject_staff is not None else None,
        "roles": roles[:200],
        "site": site[:32],
    }
    return AccessEvent.objects.create(
        **fields, prev_hash=prev, hash=chain_hash(prev, canonical_content(**fields))
    )


def _quota_refusal(*, staff: Any, what: str, period: str, quota: int) -> None:
    audit_record(
        action="staff.quota_exceeded",
        actor=staff,
        data={"quota": quota, "period": period, "what": what[:64]},
    )
    staff_alert_admins(
        subject=f"record-view quota reached ({period})",
        body=(
            f"Staff user id {staff.pk} tried to read more than {quota} participants' "
            f"records in one {period} and was stopped. See the audit log "
            "(staff.quota_exceeded) and the access log."
        ),
        throttle_key=f"quota:{staff.pk}:{period}",
    )


def access_record(
    *, staff: Any, participant: Any, what: str, reason: str, request: HttpRequest | None
) -> AccessEvent:
    """Records one staff read of `participant`'s data; raises StaffQuotaExceeded.

    Call it before showing the data. Reading a participant already read in the last
    hour (day) does not count again towards the hourly (daily) quota; a new one beyond
    either quota is refused, audited and reported to the administrators. A read pattern
    that looks like a harvest (sequential or alphabetical ids, or a fast pace) raises a
    pace alert but is not refused.
    """
    ip, country = _where(request)
    refused_period = None
    with transaction.atomic():
        _lock_chain()
        now = timezone.now()
        mine = AccessEvent.objects.filter(staff=staff, participant__isnull=False)
        limits = (
            ("hour", dt.timedelta(hours=1), settings.STAFF_RECORD_VIEW_QUOTA_PER_HOUR),
            ("day", dt.timedelta(days=1), settings.STAFF_RECORD_VIEW_QUOTA_PER_DAY),
        )
        for period, window, quota in limits:
            recent = mine.filter(created__gte=now - window)
            if recent.filter(participant=participant).exists():
                continue
            if recent.values("participant").distinct().count() >= quota:
                refused_period = period
                _quota_refusal(staff=staff, what=what, period=period, quota=quota)
                break
        event = None
        if refused_period is None:
            event = _append(
                staff=staff,
                participant=participant,
                what=what,
                reason=reason,
                ip=ip,
                country=country,
                now=now,
            )
            pace_check(staff=staff, now=now)
    if refused_period is not None:
        raise StaffQuotaExceeded(f"record-view quota reached ({refused_period})")
    return event


def access_record_staff_change(
    *, actor: Any, subject: Any, what: str, reason: str, request: HttpRequest | None = None
) -> AccessEvent:
    """Writes a change of `subject`'s powers (a role, an approval) into the access log."""
    ip, country = _where(request)
    with transaction.atomic():
        _lock_chain()
        return _append(
            staff=actor,
            participant=None,
            what=what,
            reason=reason,
            ip=ip,
            country=country,
            subject_staff=subject,
        )


# --- pace: a harvest that stays under the quotas ----------------------------------------
def _monotonic_run(values: list[Any]) -> int:
    """Length of the strictly increasing or decreasing run that ends `values`."""
    longest = min(len(values), 1)
    for before in (lambda a, b: a < b, lambda a, b: a > b):
        run = min(len(values), 1)
        for i in range(len(values) - 1, 0, -1):
            if not before(values[i - 1], values[i]):
                break
            run += 1
        longest = max(longest, run)
    return longest


def pace_check(*, staff: Any, now: dt.datetime) -> str | None:
    """Alerts the administrators (at most once an hour per staff member) when the
    distinct participants this person opened in the last hour look like a walk through
    the register: ids in sequence, names in alphabetical order, or too many in ten
    minutes. Returns the pattern found, or None."""
    run = settings.STAFF_PACE_PATTERN_RUN
    events = list(
        AccessEvent.objects.filter(
            staff=staff, participant__isnull=False, created__gte=now - dt.timedelta(hours=1)
        )
        .order_by("id")
        .values_list("participant_id", "created")
    )
    order: list[int] = []
    for pid, _created in events:  # distinct, in the order first opened
        if pid not in order:
            order.append(pid)
    fast = {pid for pid, created in events if created >= now - dt.timedelta(minutes=10)}
    pattern = None
    if len(fast) >= settings.STAFF_PACE_PER_10_MINUTES:
        pattern = "fast"
    elif len(order) >= run:
        # The participant model, without importing an app (portal is the base layer).
        Participant = AccessEvent._meta.get_field("participant").related_model

        tail = order[-run:]
        people = {p.pk: p for p in Participant.objects.filter(pk__in=tail)}
        ids = [people[pk].participant_id for pk in tail if pk in people]
        names = [
            ((people[pk].legal_last_name or "") + " " + (people[pk].legal_first_name or ""))
            .strip()
            .casefold()
            for pk in tail
            if pk in people
        ]
        if _monotonic_run(tail) >= run or _monotonic_run(ids) >= run:
            pattern = "sequential"
        elif all(names) and _monotonic_run(names) >= run:
            pattern = "alphabetical"
    if pattern is None:
        return None

    recent_alert = AuditEvent.objects.filter(
        action="staff.pace_alert", actor=staff, created__gte=now - dt.timedelta(hours=1)
    ).exists()
    if recent_alert:
        return pattern
    audit_record(
        action="staff.pace_alert",
        actor=staff,
        data={"pattern": pattern, "distinct_last_hour": len(order)},
    )
    staff_alert_admins(
        subject=f"record reads look like a harvest ({pattern})",
        body=(
            f"Staff user id {staff.pk} opened {len(order)} participants' records in the "
            f"last hour in a pattern that looks like a walk through the register "
            f"({pattern}). Nothing was refused: check with them, and see the access log."
        ),
    )
    return pattern


def top_viewers(*, days: int = 7, limit: int = 10) -> list[tuple[int, str, int]]:
    """(staff id, e-mail, distinct participants read) for the last `days`, most first."""
    User = get_user_model()

    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        AccessEvent.objects.filter(created__gte=since, participant__isnull=False)
        .values("staff_id")
        .annotate(n=Count("participant", distinct=True))
        .order_by("-n", "staff_id")[:limit]
    )
    emails = dict(
        User.objects.filter(pk__in=[r["staff_id"] for r in rows]).values_list("pk", "email")
    )
    return [(r["staff_id"], emails.get(r["staff_id"], ""), r["n"]) for r in rows]


# --- verification and the anchor outside the database -------------------------------------
@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


@dataclass(frozen=True)
class ChainHead:
    rows: int
    head_hash: str


def access_log_verify(*, expect: ChainHead | None = None) -> tuple[int, ChainBreak | None]:
    """Walks the chain in insertion order: (rows checked, first break or None).

    With `expect` (an anchor written earlier), the log must still hold at least that
    many rows and the row at that position must carry that hash: a log whose newest
    rows were deleted, or that was emptied, fails here though its chain is intact.
    """
    prev = GENESIS
    checked = 0
    rows = AccessEvent.objects.order_by("id").values_list(
        "id",
        "created",
        "staff_id",
        "participant_id",
        "what",
        "reason",
        "ip",
        "country",
        "format",
        "subject_staff_id",
        "roles",
        "site",
        "prev_hash",
        "hash",
    )
    anchor_seen = expect is None or expect.rows == 0
    for row in rows.iterator(chunk_size=5000):
        pk, created, staff_id, participant_id, what, reason, ip, country = row[:8]
        fmt, subject_staff_id, roles, site, prev_hash, stored = row[8:]
        if prev_hash != prev:
            return checked, ChainBreak(pk, "does not point at the previous row's hash")
        content = canonical_content(
            created=created,
            staff_id=staff_id,
            participant_id=participant_id,
            what=what,
            reason=reason,
            ip=ip,
            country=country,
            format=fmt,
            subject_staff_id=subject_staff_id,
            roles=roles,
            site=site,
        )
        if chain_hash(prev, content) != stored:
            return checked, ChainBreak(pk, "content does not match its hash")
        prev = stored
        checked += 1
        if expect is not None and checked == expect.rows:
            if stored != expect.head_hash:
                return checked, ChainBreak(pk, "is not the anchored head (rows were replaced)")
            anchor_seen = True
    if not anchor_seen:
        return checked, ChainBreak(
            0,
            f"the log has {checked} rows, fewer than the {expect.rows} anchored: "
            "the newest rows were deleted",
        )
    return checked, None


def access_log_head() -> ChainHead:
    last = AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return ChainHead(rows=AccessEvent.objects.count(), head_hash=last or GENESIS)


def anchor_folder() -> Path:
    return Path(settings.ACCESS_LOG_ANCHOR_DIR)


def access_log_anchor() -> AccessLogAnchor:
    """Writes today's chain head (hash + row count) beside the backups and e-mails it to
    the administrators: a copy the database's own users cannot rewrite."""
    with transaction.atomic():
        _lock_chain()
        last = AccessEvent.objects.order_by("-id").values_list("id", "hash").first()
        head = access_log_head()
        anchor = AccessLogAnchor.objects.create(
            head_id=last[0] if last else 0, head_hash=head.head_hash, rows=head.rows
        )
        line = {
            "at": anchor.created.astimezone(dt.UTC).isoformat(),
            "rows": head.rows,
            "head_hash": head.head_hash,
        }
        folder = anchor_folder()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "access-log-anchors.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True) + "\n")
        staff_alert_admins(
            subject="daily access-log anchor",
            body=(
                "Keep this e-mail: it lets anyone check later that no access-log row was "
                "deleted or changed.\n\n"
                f"Rows: {head.rows}\nHead hash: {head.head_hash}\n\n"
                f"Check: manage.py verify_access_log --expect-head "
                f"{head.rows}:{head.head_hash}"
            ),
        )
    return anchor


def parse_head(text: str) -> ChainHead:
    """`ROWS:HASH` as printed in the anchor e-mail and file."""
    rows, _sep, head_hash = text.strip().partition(":")
    if not rows.isdigit() or len(head_hash) != 64:
        raise ValueError("expected ROWS:HASH (a row count and a 64-character hash)")
    return ChainHead(rows=int(rows), head_hash=head_hash.lower())

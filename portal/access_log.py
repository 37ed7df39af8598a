"""Who read which participant's data (R13), and the per-staff view quota (R12).

Every staff view that shows one participant's data calls `access_record` before
rendering it. Rows are append-only (trigger) and hash-chained; inserts are
serialised with a PostgreSQL advisory lock so concurrent writers keep one chain.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import audit_record
from portal.models import AccessEvent
from portal.staff_security import (
    StaffQuotaExceeded,
    client_ip,
    country_for_ip,
    staff_alert_admins,
)

GENESIS = "0" * 64
# Any constant: the lock is only ever taken for this chain.
_CHAIN_LOCK_KEY = 0x5AFEC4A1


def canonical_content(
    *,
    created: dt.datetime,
    staff_id: int,
    participant_id: int,
    what: str,
    reason: str,
    ip: str | None,
    country: str,
) -> str:
    """The text a row's hash covers. Field order and formats are fixed forever."""
    stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    parts = [stamp, str(staff_id), str(participant_id), what, reason, ip or "", country]
    return "\x1f".join(p.replace("\x1f", " ") for p in parts)


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\x1e{content}".encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def access_record(
    *, staff: Any, participant: Any, what: str, reason: str, request: HttpRequest | None
) -> AccessEvent:
    """Records one staff read of `participant`'s data; raises StaffQuotaExceeded.

    Call it before showing the data. Reading a participant already read in the
    last hour does not count again; a new one beyond the hourly quota is refused,
    audited and reported to the administrators.
    """
    ip = getattr(request, "staff_ip", None) if request is not None else None
    country = getattr(request, "staff_country", None) if request is not None else None
    if request is not None and country is None:
        ip = client_ip(request)
        country = country_for_ip(ip)
    over_quota = False
    with transaction.atomic():
        _lock_chain()
        now = timezone.now()
        recent = AccessEvent.objects.filter(staff=staff, created__gte=now - dt.timedelta(hours=1))
        quota = settings.STAFF_RECORD_VIEW_QUOTA_PER_HOUR
        if not recent.filter(participant=participant).exists():
            seen = recent.values("participant").distinct().count()
            over_quota = seen >= quota
        if over_quota:
            audit_record(
                action="staff.quota_exceeded",
                actor=staff,
                data={"quota": quota, "what": what[:64]},
            )
            staff_alert_admins(
                subject="record-view quota reached",
                body=(
                    f"Staff user id {staff.pk} tried to read more than {quota} participants' "
                    "records in one hour and was stopped. See the audit log "
                    "(staff.quota_exceeded) and the access log."
                ),
            )
            event = None
        else:
            last = AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first()
            prev = last or GENESIS
            fields = {
                "created": now,
                "staff_id": staff.pk,
                "participant_id": participant.pk,
                "what": what[:64],
                "reason": reason[:300],
                "ip": ip,
                "country": country or "",
            }
            event = AccessEvent.objects.create(
                **fields, prev_hash=prev, hash=chain_hash(prev, canonical_content(**fields))
            )
    if over_quota:
        raise StaffQuotaExceeded("record-view quota reached")
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def access_log_verify() -> tuple[int, ChainBreak | None]:
    """Walks the chain in insertion order: (rows checked, first break or None)."""
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
        "prev_hash",
        "hash",
    )
    for row in rows.iterator(chunk_size=5000):
        pk, created, staff_id, participant_id, what, reason, ip, country, prev_hash, stored = row
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
        )
        if chain_hash(prev, content) != stored:
            return checked, ChainBreak(pk, "content does not match its hash")
        prev = stored
        checked += 1
    return checked, None

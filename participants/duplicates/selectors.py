"""Reads for the duplicate pages and the dashboard figures (aggregates only)."""

import statistics

from django.db.models import Count, Q

from participants.duplicates.models import DuplicateFlag, FlagStatus
from portal.disclosure import is_small
from staff.visibility import SUPPORT, visible_participants

RESOLVED = (FlagStatus.NOT_SAME, FlagStatus.MERGED)


def flags_for_site(site) -> list[DuplicateFlag]:
    if site is None:
        return []
    return list(
        DuplicateFlag.objects.filter(site=site, status__in=[FlagStatus.OPEN, FlagStatus.AWAITING])
        .order_by("created", "id")
        .only("public_id", "created", "status", "matched_on")[:200]
    )


def flag_for_site(site, public_id, *, staff=None) -> DuplicateFlag | None:
    """One of the site's pairs; with `staff`, only while both people may be shown to them
    (a participant withdrawn from further use is not, R30)."""
    if site is None:
        return None
    flags = DuplicateFlag.objects.select_related("first", "second", "keep", "retire").filter(
        site=site, public_id=public_id
    )
    if staff is not None:
        visible = visible_participants(staff, purpose=SUPPORT)
        flags = flags.filter(first__in=visible, second__in=visible)
    return flags.first()


def duplicate_figures(*, site=None) -> dict:
    """Flagged, resolved, closed and the median days to resolve, with small cells hidden.

    Resolved is what support decided (not the same person, or merged); a pair closed
    without a decision (an account retired by another pair, or withdrawn) is counted
    apart and left out of the median, which measures support's work. A count from 1 to
    the small-cell maximum is None; so is the median when it rests on that few pairs.
    """
    flags = DuplicateFlag.objects.all()
    if site is not None:
        flags = flags.filter(site=site)
    counts = flags.aggregate(
        flagged=Count("id"),
        resolved=Count("id", filter=Q(status__in=RESOLVED)),
        merged=Count("id", filter=Q(status=FlagStatus.MERGED)),
        closed=Count("id", filter=Q(status=FlagStatus.CLOSED)),
    )
    durations = [
        (resolved - created).total_seconds() / 86400
        for created, resolved in flags.filter(status__in=RESOLVED).values_list(
            "created", "resolved_at"
        )
    ]
    median = round(statistics.median(durations), 1) if durations else None
    shown = {k: (None if is_small(v) else v) for k, v in counts.items()}
    return {**shown, "median_days_to_resolve": None if is_small(len(durations)) else median}

"""Reads shared by the results views, the /me/ panel and the staff pages."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from participants.consent.models import Decision
from participants.consent.selectors import decision_in_force_sql, gror_allows_results
from participants.models import Participant, WithdrawalTier
from results.models import (
    Choice,
    CounsellingContact,
    Interpretation,
    RecontactTask,
    Report,
    ReportFragment,
    ReportState,
    ReportType,
    ResultsPreference,
    Sample,
)
from results.release_policy import QC_HOLD_STATUSES
from staff.visibility import RECONTACT, REVIEW, visible_participants

S = ReportState
SHOWN = (S.RELEASED, S.VIEWED)


# --- who may see results -----------------------------------------------------------------
def _withdrawn_from_results(participant: Participant) -> bool:
    return participant.withdrawal_tier is not None and (
        participant.withdrawal_tier >= WithdrawalTier.NO_FURTHER_USE
    )


def results_allowed(participant: Participant) -> bool:
    """gror = yes and not withdrawn from further use: the gate before any per-type choice."""
    if _withdrawn_from_results(participant):
        return False
    return gror_allows_results(participant)


def preference_for(participant: Participant) -> ResultsPreference:
    """The participant's choices; an unsaved all-"later" one when they never chose."""
    try:
        return participant.results_preference
    except ResultsPreference.DoesNotExist:
        return ResultsPreference(participant=participant)


class ReportGone(Http404):
    """The participant's own report, no longer shown (gror withdrawn, withdrawn, opted out).

    `report` is the refused report, its owner attached (`report.participant`)."""

    def __init__(self, reason: str, report: Report) -> None:
        super().__init__(reason)
        self.reason = reason
        self.report = report


# The owner's columns the report page reads (the gates, the time zone, the view event, a
# PDF's file name). Not the identifying ones: they are encrypted, and decrypting them is
# most of a row's cost. In the model's order, as Model.from_db takes them.
OWNER_FIELDS = tuple(
    field.attname
    for field in Participant._meta.concrete_fields
    if field.attname
    in {
        "id",
        "user_id",
        "participant_id",
        "research_id",
        "state",
        "withdrawal_tier",
        "us_state",
        "preferred_language",
    }
)


def _owned_report_sql(*, with_fragment: bool) -> str:
    """The report of one user's participant record, with everything its gates need, in
    one statement.

    Written in SQL because this is the report page's hot path: the same read through the
    ORM (the owner, the preference by type, a gror subquery, a fragment subquery) cost
    ~3 ms of Python per request to build and compile, this ~1 ms in all
    (bench/profile_report.py). Table and column names come from the models; every value
    is a parameter.
    """
    report, preference = Report._meta.db_table, ResultsPreference._meta.db_table
    columns = {field.attname: field.column for field in Participant._meta.concrete_fields}
    owner_columns = ", ".join(f'owner.{columns[name]} AS "owner__{name}"' for name in OWNER_FIELDS)
    wants = " ".join(
        f"WHEN '{kind}' THEN preference.{ResultsPreference._meta.get_field(kind).column}"
        for kind in ReportType.values
    )
    gror = decision_in_force_sql(participant_column="report.participant_id", code_param="gror")
    fragment_column, fragment_join = "", ""
    if with_fragment:
        fragment_column = ", fragment.html AS stored_html"
        fragment_join = (
            f"LEFT JOIN {ReportFragment._meta.db_table} fragment "
            "ON fragment.report_id = report.id AND fragment.language = %(language)s "
        )
    return (
        f"SELECT report.*, {owner_columns}, CASE report.report_type {wants} END AS wants, "  # noqa: S608 - model names, parameters
        f"{gror} AS gror_in_force{fragment_column} "
        f"FROM {report} report "
        f"JOIN {Participant._meta.db_table} owner ON owner.id = report.participant_id "
        f"LEFT JOIN {preference} preference ON preference.participant_id = report.participant_id "
        f"{fragment_join}"
        "WHERE report.id = %(pk)s AND owner.user_id = %(user)s"
    )


_OWNED_REPORT_SQL = {
    with_fragment: _owned_report_sql(with_fragment=with_fragment) for with_fragment in (True, False)
}


def report_for_user(user, pk: int, *, language: str | None = None) -> Report:
    """The report `pk` of `user`'s participant record if they may see it now.

    Someone else's id (or a user with no participant record) is a plain 404, its existence
    hidden; their own report that is hidden now raises ReportGone (also a 404) so the page
    can say why. One query: the report, its owner (`report.participant`, OWNER_FIELDS
    loaded, any other field loads when read), the owner's choice for its type and gror
    decision in force, read afresh every time; with `language`, also the stored page
    fragment in that language (`stored_html`, None when not rendered yet). The report's
    other relations load only if used (the PDF views).
    """
    params = {"pk": pk, "user": user.pk, "gror": "gror", "language": language}
    report = next(iter(Report.objects.raw(_OWNED_REPORT_SQL[language is not None], params)), None)
    if report is None:
        raise Http404
    owner = Participant.from_db(
        report._state.db, OWNER_FIELDS, [getattr(report, f"owner__{name}") for name in OWNER_FIELDS]
    )
    owner.user = user  # loaded already (the request's)
    report.participant = owner
    if (
        _withdrawn_from_results(owner)
        or report.gror_in_force != Decision.YES
        or report.state == S.WITHHELD
    ):
        raise ReportGone("gror", report)
    if report.state == S.SUPERSEDED:
        raise ReportGone("superseded", report)
    if report.state not in SHOWN:
        raise Http404
    if report.wants != Choice.YES:
        raise ReportGone("opted_out", report)
    return report


def latest_shown(participant: Participant, report_type: str) -> Report | None:
    return (
        Report.objects.filter(participant=participant, report_type=report_type, state__in=SHOWN)
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class TrackerRow:
    report_type: str
    label: str
    # choose | declined | waiting_sample | preparing | counsellor | not_issued | ready
    status: str
    text: str
    report_id: int | None


STATUS_TEXT = {
    "choose": _("You have not chosen yet whether to see this result."),
    "declined": _("You chose not to see this result. You can change your mind at any time."),
    "waiting_sample": _("Waiting for your sample."),
    "preparing": _("Being prepared. We will e-mail you when it is ready."),
    "counsellor": _(
        "This result needs a conversation with a genetic counsellor. "
        "A counsellor will contact you; you can also call us."
    ),
    "not_issued": _(
        "We cannot give this result from your sample yet. We will tell you if that changes."
    ),
    "ready": _("Ready to read."),
}


def _disease_risk_not_issued(participant: Participant) -> bool:
    """The newest finished interpretation issued no disease-risk report (scope not determined).

    One query, reading only the scope's status out of the engine's JSON.
    """
    status = (
        Interpretation.objects.filter(
            sample__participant=participant, state=Interpretation.State.DONE
        )
        .order_by("-finished_at", "-pk")
        .values_list("result__disease_risk_scope__status", flat=True)
        .first()
    )
    return status is not None and status != "determined"


def results_tracker(participant: Participant) -> dict:
    """What the /me/ panel and /me/results/ show, in plain words. 4 queries."""
    allowed = results_allowed(participant)  # 1 query (the gror record)
    preference = preference_for(participant)  # 1 query
    has_sample = (
        Sample.objects.filter(participant=participant)
        .exclude(state=Sample.State.CANCELLED)
        .exists()
    )  # 1 query
    latest: dict[str, Report] = {}
    for report in (
        Report.objects.filter(participant=participant)
        .exclude(state__in=[S.SUPERSEDED, S.WITHHELD])
        .order_by("report_type", "-version")
    ):  # 1 query
        latest.setdefault(report.report_type, report)
    rows = []
    for report_type, label in ReportType.choices:
        choice = getattr(preference, report_type)
        report = latest.get(report_type)
        report_id = None
        if choice == "no":
            status = "declined"
        elif choice == "later":
            status = "choose"
        elif (
            report is None
            and report_type == ReportType.DISEASE_RISK
            and has_sample
            and (_disease_risk_not_issued(participant))
        ):
            status = "not_issued"
        elif report is None:
            status = "preparing" if has_sample else "waiting_sample"
        elif report.state in SHOWN:
            status, report_id = "ready", report.pk
        elif report.state in (S.NEEDS_REVIEW, S.REVIEWED):
            status = "counsellor"
        else:
            status = "preparing"
        rows.append(TrackerRow(report_type, label, status, STATUS_TEXT[status], report_id))
    return {"allowed": allowed, "rows": rows, "preference": preference}


# ------------------------------------------------------------------------- staff
# The states a staff member may read a report in: under review, or released. Never a
# withheld (withdrawal, gror withdrawn), superseded or unfinished one (R30).
STAFF_READABLE = (S.NEEDS_REVIEW, S.REVIEWED, S.RELEASED, S.VIEWED)


def staff_reports(user) -> QuerySet[Report]:
    """Every report whose participant-level data `user` may see (staff.visibility)."""

    return Report.objects.filter(
        state__in=STAFF_READABLE,
        participant__in=visible_participants(user, purpose=REVIEW),
    )


def review_queue(user) -> QuerySet[Report]:
    """Reports for this counsellor (assigned to them or to nobody) and reviewed reports
    someone else may release."""
    reviewing = Q(state=S.NEEDS_REVIEW) & (
        Q(assigned_counsellor=user) | Q(assigned_counsellor__isnull=True)
    )
    releasing = Q(state=S.REVIEWED) & ~Q(reviewed_by=user)
    mine = Q()
    if user.has_perm("results.review_report"):
        mine |= reviewing
    if user.has_perm("results.release_report"):
        mine |= releasing
    if not mine:
        return Report.objects.none()
    return (
        staff_reports(user)
        .filter(mine)
        .select_related("participant", "assigned_counsellor", "reviewed_by")
        .order_by("created", "pk")
    )


def staff_report(pk: int, *, user) -> Report:
    """One report `user` may read (visibility, state), else 404 like a made-up id."""
    try:
        return (
            staff_reports(user)
            .select_related(
                "participant",
                "interpretation__sample",
                "release",
                "assigned_counsellor",
                "reviewed_by",
                "released_by",
            )
            .get(pk=pk)
        )
    except Report.DoesNotExist as exc:
        raise Http404 from exc


def contacts_for(report: Report) -> list[CounsellingContact]:
    return list(report.contacts.select_related("counsellor"))


def staff_recontacts(user) -> QuerySet[RecontactTask]:
    """Re-contact tasks of participants `user` may contact (not withdrawn at any tier)."""
    return RecontactTask.objects.filter(
        participant__in=visible_participants(user, purpose=RECONTACT)
    )


def open_recontacts(user) -> QuerySet[RecontactTask]:
    return (
        staff_recontacts(user)
        .filter(state=RecontactTask.State.OPEN)
        .select_related("participant", "report", "previous_report", "assigned_to")
        .order_by("created", "pk")
    )


def qc_holds_pending() -> QuerySet[Interpretation]:
    """Interpretations whose sample QC holds their reports and that nobody decided yet."""
    return (
        Interpretation.objects.filter(
            state=Interpretation.State.DONE,
            qc_status__in=sorted(QC_HOLD_STATUSES),
            qc_decision="",
        )
        .select_related("sample__participant", "release")
        .order_by("finished_at", "pk")
    )


def awaiting_confirmation() -> QuerySet[Report]:
    """Positive disease-risk reports whose finding has no recorded confirmation yet."""
    return (
        Report.objects.filter(
            report_type=ReportType.DISEASE_RISK,
            positive=True,
            state__in=[S.PENDING, S.READY, S.NEEDS_REVIEW],
            confirmation_accession="",
        )
        .select_related("participant", "interpretation")
        .defer("interpretation__result")
        .order_by("created", "pk")
    )

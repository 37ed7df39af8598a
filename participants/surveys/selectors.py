"""Reads shared by survey views, the /me/ panel, services and staff pages."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse

from participants.journey import has_reached
from participants.models import JourneyState, Participant
from participants.surveys.branching import visible_pages
from participants.surveys.definition import CORE_SURVEY_CODES, SurveyDefinition
from participants.surveys.models import (
    REVIEW_STEP,
    ResponseStatus,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
)

S = JourneyState
# What a participant must have reached before a core survey is offered. The Basics comes
# right after sharing health records (the journey only allows ehr_authorized →
# basics_done); the other modules open once The Basics is done.
OPENS_AT = {
    "the_basics": S.EHR_AUTHORIZED,
    "overall_health": S.BASICS_DONE,
    "lifestyle": S.BASICS_DONE,
    "personal_family_history": S.BASICS_DONE,
}


def published_versions(codes: tuple[str, ...] = CORE_SURVEY_CODES) -> dict[str, SurveyVersion]:
    """The version in force per survey code: the most recently published one (one query)."""
    current: dict[str, SurveyVersion] = {}
    versions = SurveyVersion.objects.filter(status=VersionStatus.PUBLISHED, code__in=codes)
    for version in versions.order_by("code", "-published_at", "-id"):
        current.setdefault(version.code, version)
    return current


def survey_unavailable_reason(participant: Participant, survey_code: str) -> str | None:
    """None when the participant may answer the survey now, else a reason code.

    `not_offered` (not a participant survey), `inactive` (withdrawn), `not_yet` (an
    earlier step is not done). A paused participant may still choose to answer: pausing
    stops contact, not participation (the pause page says exactly this).
    """
    if survey_code not in OPENS_AT:
        return "not_offered"
    if participant.state == S.WITHDRAWN:
        return "inactive"
    if not has_reached(participant, OPENS_AT[survey_code]):
        return "not_yet"
    return None


def latest_response(participant: Participant, survey_code: str) -> SurveyResponse | None:
    """The participant's most recent started or completed response to this survey."""
    return (
        SurveyResponse.objects.filter(
            participant=participant,
            survey_code=survey_code,
            status__in=[ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETED],
        )
        .order_by("-started")
        .first()
    )


def response_for_owner(participant: Participant, public_id) -> SurveyResponse:
    """The participant's own response with its version; another's id is a 404."""

    try:
        return SurveyResponse.objects.select_related("version").get(
            public_id=public_id, participant=participant
        )
    except SurveyResponse.DoesNotExist as exc:
        raise Http404 from exc


def step_order(definition: SurveyDefinition, step: str) -> int:
    """Position of a page (or of the review step, after every page) in the document."""
    if step == REVIEW_STEP:
        return len(definition.pages)
    for index, page in enumerate(definition.pages):
        if page.code == step:
            return index
    return -1


def page_reachable(response: SurveyResponse, definition: SurveyDefinition, page_code: str) -> bool:
    """Shown to this participant now, and not beyond the furthest step they reached."""
    if page_code not in {page.code for page in visible_pages(definition, response.answers)}:
        return False
    return step_order(definition, page_code) <= step_order(definition, response.furthest_page)


@dataclass(frozen=True)
class PagePosition:
    number: int
    total: int


def page_position(definition: SurveyDefinition, answers: dict, page_code: str) -> PagePosition:
    """ "Page 3 of 11": among the pages this participant sees, given their answers so far."""
    codes = [page.code for page in visible_pages(definition, answers)]
    total = len(codes)
    if page_code == REVIEW_STEP:
        return PagePosition(total, total)
    number = codes.index(page_code) + 1 if page_code in codes else 1
    return PagePosition(number, total)


@dataclass(frozen=True)
class SurveyProgress:
    code: str
    title: str
    status: str  # "unavailable", "not_started", or a ResponseStatus (in progress, completed)
    reason: str | None
    pages_done: int
    pages_total: int
    url: str | None
    completed_at: object = None

    @property
    def percent(self) -> int:
        if self.status == ResponseStatus.COMPLETED:
            return 100
        return round(100 * self.pages_done / self.pages_total) if self.pages_total else 0


def survey_progress(participant: Participant, language: str) -> list[SurveyProgress]:
    """Every core survey with where this participant stands (two queries)."""
    versions = published_versions()
    responses = {
        r.survey_code: r
        for r in SurveyResponse.objects.filter(
            participant=participant,
            survey_code__in=CORE_SURVEY_CODES,
            status__in=[ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETED],
        ).select_related("version")
    }
    rows = []
    for code in CORE_SURVEY_CODES:
        response = responses.get(code)
        version = response.version if response else versions.get(code)
        if version is None:
            continue
        definition = version.parsed()
        title = definition.text(definition.title, language)
        reason = survey_unavailable_reason(participant, code)
        start_url = reverse("surveys:start", args=[code])
        if response is not None and response.status == ResponseStatus.COMPLETED:
            pages = len(visible_pages(definition, response.answers))
            rows.append(
                SurveyProgress(
                    code,
                    title,
                    ResponseStatus.COMPLETED,
                    None,
                    pages,
                    pages,
                    None,
                    response.completed,
                )
            )
        elif response is not None:
            position = page_position(definition, response.answers, response.current_page)
            done = position.number - 1 if response.current_page != REVIEW_STEP else position.total
            rows.append(
                SurveyProgress(
                    code,
                    title,
                    ResponseStatus.IN_PROGRESS,
                    reason,
                    done,
                    position.total,
                    start_url if reason is None else None,
                )
            )
        else:
            pages = len(visible_pages(definition, {}))
            rows.append(
                SurveyProgress(
                    code,
                    title,
                    "unavailable" if reason else "not_started",
                    reason,
                    0,
                    pages,
                    start_url if reason is None else None,
                )
            )
    return rows


SMALL_CELL = 20


def suppressed(count: int) -> str:
    """Counts from 1 to 19 are shown as "<20", so a small group cannot be singled out."""
    if 0 < count < SMALL_CELL:
        return f"<{SMALL_CELL}"
    return str(count)


def completion_counts() -> list[dict]:
    """Per survey code: completed and in-progress response counts (one aggregate query)."""
    rows = (
        SurveyResponse.objects.values("survey_code")
        .annotate(
            completed=Count("id", filter=Q(status=ResponseStatus.COMPLETED)),
            in_progress=Count("id", filter=Q(status=ResponseStatus.IN_PROGRESS)),
        )
        .order_by("survey_code")
    )
    return [
        {
            "code": row["survey_code"],
            "completed": suppressed(row["completed"]),
            "in_progress": suppressed(row["in_progress"]),
        }
        for row in rows
    ]

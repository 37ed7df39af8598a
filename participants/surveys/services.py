"""Survey writes: store and publish versions, start, save pages, complete, abandon.

Views parse the request and call these; every state change writes its audit row in the
same transaction. Audit rows name the survey and page, never an answer.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from participants.journey import journey_advance_to
from participants.models import JourneyState, Participant, User, WithdrawalTier
from participants.surveys.branching import (
    missing_required,
    next_page,
    previous_page,
    prune_hidden_answers,
    visible_items,
)
from participants.surveys.definition import (
    CHOICE_TYPES,
    CORE_SURVEY_CODES,
    Item,
    SurveyDefinition,
    load_core_definitions,
    load_definition,
)
from participants.surveys.models import (
    REVIEW_STEP,
    ResponseStatus,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
    definition_sha256,
)
from participants.surveys.rendering import survey_language
from participants.surveys.selectors import (
    page_reachable,
    published_versions,
    step_order,
    survey_unavailable_reason,
)
from participants.surveys.validation import PageError, merge_page_answers, validate_page
from portal.audit import audit_record


class SurveyError(Exception):
    """A survey action the rules refuse. `code` says which; views map codes to pages."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class SurveyNotAvailable(SurveyError):
    """The participant may not answer this survey now (see `survey_unavailable_reason`)."""


class PageNotReached(SurveyError):
    """A POST for a page the participant has not reached, or that branching hides."""


class ResponseIncomplete(SurveyError):
    """Completion refused: required questions are unanswered."""

    def __init__(self, missing: list[Item]) -> None:
        super().__init__("required questions unanswered", code="incomplete")
        self.missing = missing


# --- versions ------------------------------------------------------------------------------


@transaction.atomic
def survey_version_publish(*, version: SurveyVersion, actor: User | None) -> SurveyVersion:
    """Publishes a draft after checking it loads. Publishing twice is a no-op."""
    locked = SurveyVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status == VersionStatus.PUBLISHED:
        return locked
    load_definition(locked.definition)  # raises DefinitionError for a broken draft
    locked.status = VersionStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at"])
    audit_record(
        action="survey.version_publish",
        actor=actor,
        target=locked,
        data={"code": locked.code, "version": locked.version, "sha256": locked.sha256},
    )
    version.status, version.published_at = locked.status, locked.published_at
    return locked


@transaction.atomic
def survey_version_update_draft(
    *, version: SurveyVersion, definition: SurveyDefinition, actor: User | None
) -> SurveyVersion:
    """Replaces a draft's document. A published version is refused: make a new version."""
    locked = SurveyVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise SurveyError(
            f"{locked} is published and cannot change; store a new version.", code="published"
        )
    if definition.code != locked.code or definition.version != locked.version:
        raise SurveyError("A draft keeps its code and version.", code="identity")
    document = definition.to_dict()
    locked.definition = document
    locked.sha256 = definition_sha256(document)
    locked.save(update_fields=["definition", "sha256"])
    audit_record(
        action="survey.version_update_draft",
        actor=actor,
        target=locked,
        data={"code": locked.code, "version": locked.version, "sha256": locked.sha256},
    )
    return locked


@dataclass(frozen=True)
class StoreOutcome:
    version: SurveyVersion
    outcome: str  # "created", "unchanged", "updated", "published"
    note: str = ""


@transaction.atomic
def survey_version_store(
    *,
    definition: SurveyDefinition,
    source: str,
    actor: User | None,
    publish: bool,
) -> StoreOutcome:
    """Stores a definition: idempotent by content, never touching a published row.

    - the same document is already stored: nothing (a draft is published if asked);
    - a draft with the same code and version: its document is replaced;
    - a published row with the same code and version but other content: the document is
      stored as version `<version>-<first 8 of its hash>`, so a file edited without bumping
      its version still becomes a new version (and the note says to bump it).
    """
    document = definition.to_dict()
    sha = definition_sha256(document)
    suffixed = {**document, "version": f"{definition.version}-{sha[:8]}"}
    suffixed_sha = definition_sha256(suffixed)
    existing = SurveyVersion.objects.filter(
        code=definition.code, sha256__in=[sha, suffixed_sha]
    ).first()
    if existing is not None:
        if publish and existing.status == VersionStatus.DRAFT:
            return StoreOutcome(survey_version_publish(version=existing, actor=actor), "published")
        return StoreOutcome(existing, "unchanged")

    note = ""
    same_number = (
        SurveyVersion.objects.select_for_update()
        .filter(code=definition.code, version=definition.version)
        .first()
    )
    if same_number is not None and same_number.status == VersionStatus.DRAFT:
        updated = survey_version_update_draft(
            version=same_number, definition=definition, actor=actor
        )
        if publish:
            updated = survey_version_publish(version=updated, actor=actor)
        return StoreOutcome(updated, "updated")
    if same_number is not None:
        note = (
            f"version {definition.version} of {definition.code} is published with other "
            f'content; stored as {suffixed["version"]}. Bump "version" in the file.'
        )
        document, sha = suffixed, suffixed_sha
    version = SurveyVersion.objects.create(
        code=definition.code,
        version=document["version"],
        definition=document,
        sha256=sha,
        source=source[:200],
        created_by=actor,
    )
    audit_record(
        action="survey.version_create",
        actor=actor,
        target=version,
        data={"code": version.code, "version": version.version, "sha256": sha, "source": source},
    )
    if publish:
        version = survey_version_publish(version=version, actor=actor)
    return StoreOutcome(version, "created", note)


def core_surveys_load(*, actor: User | None = None) -> list[StoreOutcome]:
    """Loads and publishes the four core modules from `definitions/` (idempotent)."""
    return [
        survey_version_store(
            definition=definition, source=f"core:{code}.json", actor=actor, publish=True
        )
        for code, definition in load_core_definitions().items()
    ]


# --- responses -----------------------------------------------------------------------------


def _first_step(definition: SurveyDefinition, answers: Mapping[str, Any]) -> str:
    page = next_page(definition, answers)
    return page.code if page is not None else REVIEW_STEP


# Questions the profile already answered: until the participant saves the page, it shows
# the profile's answer, says where it came from, and can be changed (surveys.views).
PROFILE_PREFILL = {"birth_year": "birth_year", "sex_at_birth": "sex_at_birth"}


def profile_prefill(participant: Participant, definition: SurveyDefinition) -> dict[str, Any]:
    """Answers taken from the profile for the items of `definition` that ask for them."""
    codes = {item.code: item for item in definition.items}
    answers: dict[str, Any] = {}
    for item_code, field_name in PROFILE_PREFILL.items():
        item = codes.get(item_code)
        value = getattr(participant, field_name, None)
        if item is None or value in (None, ""):
            continue
        choices = {option.code for option in item.options}
        if item.type in CHOICE_TYPES and value not in choices:
            continue
        answers[item_code] = value
    return answers


def response_start_or_resume(
    *, participant: Participant, survey_code: str, actor: User | None
) -> SurveyResponse:
    """The participant's in-progress (or completed) response, or a new one on the version
    in force. Raises SurveyNotAvailable when the survey is not open to them."""
    reason = survey_unavailable_reason(participant, survey_code)
    existing = (
        SurveyResponse.objects.select_related("version")
        .filter(
            participant=participant,
            survey_code=survey_code,
            status__in=[ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETED],
        )
        .order_by("-started")
        .first()
    )
    if existing is not None and (reason is None or existing.status == ResponseStatus.COMPLETED):
        return existing
    if reason is not None:
        raise SurveyNotAvailable(f"{survey_code} is not available: {reason}", code=reason)
    version = published_versions((survey_code,)).get(survey_code)
    if version is None:
        raise SurveyNotAvailable(f"{survey_code} has no published version", code="not_published")
    definition = version.parsed()
    first = _first_step(definition, {})
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                participant=participant,
                version=version,
                survey_code=survey_code,
                current_page=first,
                furthest_page=first,
            )
            audit_record(
                action="survey.start",
                actor=actor,
                participant=participant,
                target=response,
                data={"survey": survey_code, "version": version.version},
            )
    except IntegrityError:
        # Two tabs pressed "Start" at once: the other one created it.
        return SurveyResponse.objects.select_related("version").get(
            participant=participant, survey_code=survey_code, status=ResponseStatus.IN_PROGRESS
        )
    return response


ACTIONS = ("continue", "back", "later")


@dataclass
class PageSave:
    """What happened to a submitted page.

    `saved` is False when an answer could not be read (nothing was written: the page is
    shown again with what was typed). `step` is where to go next (a page code or
    REVIEW_STEP), None to show this page again (errors, or new questions revealed).
    """

    response: SurveyResponse
    saved: bool
    step: str | None
    errors: dict[str, PageError] = field(default_factory=dict)
    revealed: list[str] = field(default_factory=list)


def _locked_own_response(participant: Participant, response_id: UUID | str) -> SurveyResponse:
    """Owner-scoped and locked; raises SurveyResponse.DoesNotExist (views answer 404)."""
    return (
        SurveyResponse.objects.select_for_update(of=("self",))
        .select_related("version")
        .get(public_id=response_id, participant=participant)
    )


def _ensure_open(response: SurveyResponse, participant: Participant) -> None:
    if response.status != ResponseStatus.IN_PROGRESS:
        raise SurveyError(f"response is {response.status}", code=response.status)
    reason = survey_unavailable_reason(participant, response.survey_code)
    if reason is not None:
        raise SurveyNotAvailable(f"{response.survey_code} is not available: {reason}", code=reason)


@transaction.atomic
def response_save_page(
    *,
    participant: Participant,
    response_id: UUID | str,
    page_code: str,
    raw_post: Mapping[str, Sequence[str] | str],
    action: str,
    language: str,
    actor: User | None,
    today: dt.date | None = None,
) -> PageSave:
    """Validates and saves one page, then says where to go.

    Only the page's visible items are read (validate_page); answers that branching hides
    elsewhere are kept until completion, so going back and changing one's mind loses
    nothing. Unreadable answers (a letter in a number, an impossible date, a code that is
    not an option) block the save. Unanswered required questions do not: the page is
    saved, and "Save and continue" stays on it with the message.
    """
    response = _locked_own_response(participant, response_id)
    _ensure_open(response, participant)
    definition = response.version.parsed()
    if action not in ACTIONS:
        action = "continue"
    try:
        definition.page(page_code)
    except KeyError:
        raise PageNotReached(f"no page {page_code!r}", code="unknown_page") from None
    if not page_reachable(response, definition, page_code):
        raise PageNotReached(f"page {page_code!r} not reached", code="not_reached")

    # Errors read in the language of the questions (an imported survey may be English only).
    language = survey_language(definition, language)
    stored = dict(response.answers)
    cleaned, errors = validate_page(
        definition,
        page_code,
        raw_post,
        language,
        previous_answers=stored,
        today=today or timezone.localdate(),
    )
    if any(error.key != "required" for error in errors.values()):
        return PageSave(response=response, saved=False, step=None, errors=errors)

    shown_before = {item.code for item in visible_items(definition, stored, page_code=page_code)}
    merged = merge_page_answers(definition, page_code, stored, cleaned)
    # A question revealed by an answer on this same page was not on the form just posted:
    # show the page again so it can be answered (no JavaScript needed).
    revealed = [
        item.code
        for item in visible_items(definition, merged, page_code=page_code)
        if item.takes_input and item.code not in shown_before and item.code not in merged
    ]

    step: str | None
    if action == "back":
        before = previous_page(definition, merged, before=page_code)
        step = before.code if before is not None else page_code
    elif action == "later":
        step = page_code
    elif errors or revealed:
        step = None
    else:
        after = next_page(definition, merged, after=page_code)
        step = after.code if after is not None else REVIEW_STEP

    response.answers = merged
    response.current_page = step or page_code
    if step is not None and step_order(definition, step) > step_order(
        definition, response.furthest_page
    ):
        response.furthest_page = step
    response.language = language[:2]
    response.save(update_fields=["answers", "current_page", "furthest_page", "language", "updated"])
    audit_record(
        action="survey.page_save",
        actor=actor,
        participant=participant,
        target=response,
        data={"survey": response.survey_code, "page": page_code, "action": action},
    )
    return PageSave(response=response, saved=True, step=step, errors=errors, revealed=revealed)


@transaction.atomic
def response_complete(
    *, participant: Participant, response_id: UUID | str, actor: User | None
) -> SurveyResponse:
    """Submits the response: prunes hidden answers, checks required ones, moves the journey.

    Idempotent: the row lock makes a double submit wait, and the second one finds the
    response completed and returns it, so there is one completion and one transition.
    """
    response = _locked_own_response(participant, response_id)
    if response.status == ResponseStatus.COMPLETED:
        return response
    _ensure_open(response, participant)
    definition = response.version.parsed()
    if response.furthest_page != REVIEW_STEP:
        raise PageNotReached("the review page has not been reached", code="not_reached")
    pruned = prune_hidden_answers(definition, response.answers)
    missing = missing_required(definition, pruned)
    if missing:
        raise ResponseIncomplete(missing)
    response.answers = pruned
    response.status = ResponseStatus.COMPLETED
    response.completed = timezone.now()
    response.current_page = REVIEW_STEP
    response.save(update_fields=["answers", "status", "completed", "current_page", "updated"])
    audit_record(
        action="survey.complete",
        actor=actor,
        participant=participant,
        target=response,
        data={"survey": response.survey_code, "version": response.version.version},
    )
    _advance_journey(participant=participant, response=response, actor=actor)
    return response


def _advance_journey(
    *, participant: Participant, response: SurveyResponse, actor: User | None
) -> None:
    if response.survey_code == "the_basics":
        journey_advance_to(
            participant=participant,
            to_state=JourneyState.BASICS_DONE,
            actor=actor,
            reason="completed the survey the_basics",
        )
    if response.survey_code not in CORE_SURVEY_CODES:
        return
    done = set(
        SurveyResponse.objects.filter(
            participant=participant,
            survey_code__in=CORE_SURVEY_CODES,
            status=ResponseStatus.COMPLETED,
        ).values_list("survey_code", flat=True)
    )
    if done >= set(CORE_SURVEY_CODES):
        journey_advance_to(
            participant=participant,
            to_state=JourneyState.CORE,
            actor=actor,
            reason="completed the four core surveys",
        )


def response_withdrawal_effect(*, participant: Participant, tier: int, actor: User | None) -> None:
    """Withdrawal tier 2 or 3: in-progress responses are abandoned (idempotent).

    Completed responses stay as they are (deleting research data is tier 3's erasure
    process); the FHIR export leaves out everyone at tier 2 or more.
    """
    if tier < WithdrawalTier.NO_FURTHER_USE:
        return
    count = SurveyResponse.objects.filter(
        participant=participant, status=ResponseStatus.IN_PROGRESS
    ).update(status=ResponseStatus.ABANDONED, updated=timezone.now())
    if count:
        audit_record(
            action="survey.abandon_on_withdrawal",
            actor=actor,
            participant=participant,
            data={"responses": count, "tier": tier},
        )

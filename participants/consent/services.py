"""Consent writes: publish a version, sign, withdraw. Views validate input and call these."""

import calendar
import datetime as dt
import unicodedata
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.consent.campaigns.data_use import data_use_paused, data_use_resume_if_lifted
from participants.consent.comprehension import comprehension_grade, questions_sha256
from participants.consent.models import (
    GIVING,
    ComprehensionAttempt,
    ConsentForm,
    ConsentRecord,
    ConsentVersion,
    Decision,
    VersionStatus,
)
from participants.consent.selectors import comprehension_passed, current_record, current_records
from participants.enrollment import participant_withdraw
from participants.journey import has_reached, journey_advance_to
from participants.models import JourneyState, Language, Participant, User, WithdrawalTier
from portal import hooks
from portal.audit import audit_record
from portal.instances import update_caller
from portal.outbox import outbox_enqueue

# Two tabs (different tokens) submitting the same decision within this window
# are one signature, not two.
DUPLICATE_WINDOW = dt.timedelta(minutes=10)
# The journey state a giving decision on a form moves the participant to.
JOURNEY_TARGET = {"primary": JourneyState.CONSENTED, "ehr": JourneyState.EHR_AUTHORIZED}


class ConsentError(Exception):
    """A signing or withdrawal the rules refuse; `message` is safe to show the participant."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


class ConsentTampered(ConsentError):
    """The POST does not match what the server rendered (version, text hash, language)."""


class ConsentVersionNotCurrent(ConsentError):
    """The version is a draft or was retired while the participant was reading."""


# --- names -----------------------------------------------------------------------------
_NAME_SEPARATORS = str.maketrans({"-": " ", "‐": " ", ".": " ", ",": " ", "'": "", "’": ""})


def normalize_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "José-María" == "jose maria"."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_NAME_SEPARATORS).casefold().split())


def legal_name(participant: Participant) -> str:
    return " ".join(p for p in (participant.legal_first_name, participant.legal_last_name) if p)


def _check_typed_name(participant: Participant, typed_name: str) -> None:
    expected = normalize_name(legal_name(participant))
    if not expected:
        raise ConsentError(
            _("Please add your legal name to your details before signing."), code="no_name"
        )
    if normalize_name(typed_name) != expected:
        raise ConsentError(
            _("The name you typed does not match the legal name in your details."),
            code="name_mismatch",
        )


# --- versions (staff) --------------------------------------------------------------------
@transaction.atomic
def consent_version_draft(
    *,
    form: ConsentForm,
    actor: User,
    text_en: str,
    text_es: str,
    change_summary_en: str,
    change_summary_es: str,
    effective_date: dt.date,
    valid_months: int | None,
    version: ConsentVersion | None = None,
) -> ConsentVersion:
    """Creates the next draft of `form`, or saves changes to the draft `version`."""
    ConsentForm.objects.select_for_update().get(pk=form.pk)  # one number per draft
    if version is None:
        last = form.versions.order_by("-number").values_list("number", flat=True).first()
        version = ConsentVersion(form=form, number=(last or 0) + 1, created_by=actor)
    else:
        version = ConsentVersion.objects.select_for_update().get(pk=version.pk, form=form)
        if version.status != VersionStatus.DRAFT:
            raise ConsentError(_("Only a draft can be changed."), code="not_draft")
    version.text_en = text_en.replace("\r\n", "\n")
    version.text_es = text_es.replace("\r\n", "\n")
    version.change_summary_en = change_summary_en
    version.change_summary_es = change_summary_es
    version.effective_date = effective_date
    version.valid_months = valid_months
    version.refresh_hashes()
    created = version.pk is None
    version.save()
    audit_record(
        action="consent.version_draft",
        actor=actor,
        target=version,
        data={"form": form.code, "number": version.number, "created": created},
    )
    return version


@transaction.atomic
def consent_version_publish(*, version: ConsentVersion, actor: User) -> ConsentVersion:
    """Publishes a draft and retires the version it replaces (one published per form).

    Participants who signed the retired version are asked to sign again at their
    next visit; until then their decision on the old version stands.
    """
    locked = ConsentVersion.objects.select_for_update().select_related("form").get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ConsentError(_("Only a draft can be published."), code="not_draft")
    if not locked.text_en.strip() or not locked.text_es.strip():
        raise ConsentError(_("Both languages need a text."), code="missing_text")
    if locked.effective_date > timezone.localdate():
        raise ConsentError(
            _("This version takes effect later. Publish it on its effective date."),
            code="not_effective",
        )
    previous = list(
        ConsentVersion.objects.select_for_update().filter(
            form=locked.form, status=VersionStatus.PUBLISHED
        )
    )
    for old in previous:
        old.status = VersionStatus.RETIRED
        old.save(update_fields=["status"])
    locked.status = VersionStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at"])
    audit_record(
        action="consent.version_publish",
        actor=actor,
        target=locked,
        data={
            "form": locked.form.code,
            "number": locked.number,
            "retired": [v.number for v in previous],
            "sha256_en": locked.sha256_en,
            "sha256_es": locked.sha256_es,
        },
    )
    version.status, version.published_at = locked.status, locked.published_at
    return locked


# --- comprehension ------------------------------------------------------------------------
@transaction.atomic
def comprehension_record(
    *, participant: Participant, answers: dict[str, str], language: str
) -> ComprehensionAttempt:
    results = comprehension_grade(answers)
    attempt = ComprehensionAttempt.objects.create(
        participant=participant,
        language=language if language in Language.values else Language.ENGLISH,
        answers={code: answers.get(code, "") for code in results},
        results=results,
        passed=all(results.values()),
        questions_sha256=questions_sha256(),
    )
    audit_record(
        action="consent.comprehension",
        actor=participant.user,
        participant=participant,
        target=attempt,
        data={"passed": attempt.passed, "wrong": [c for c, ok in results.items() if not ok]},
    )
    return attempt


# --- signing ------------------------------------------------------------------------------
def consent_sign_blocker(participant: Participant, form: ConsentForm) -> ConsentError | None:
    """Why this participant cannot sign `form` now, or None. Views use it before rendering."""
    try:
        _check_may_sign(participant, form)
    except ConsentError as exc:
        return exc
    return None


def _check_may_sign(participant: Participant, form: ConsentForm) -> None:
    if not participant.is_active:
        raise ConsentError(
            _("Your participation is paused or ended, so this cannot be signed now."),
            code="inactive",
        )
    if form.code == "primary":
        if not has_reached(participant, JourneyState.ELIGIBLE):
            raise ConsentError(_("Please finish checking that you can join first."), code="early")
        if not comprehension_passed(participant):
            raise ConsentError(
                _("Please answer the questions about the program first."), code="comprehension"
            )
        return
    primary = current_record(participant, "primary")
    if primary is None or primary.decision != Decision.AGREE:
        raise ConsentError(_("Please sign the main consent first."), code="no_primary")


def _queue_pdf(record: ConsentRecord) -> None:
    # Through the outbox: if the broker is down right now, the signature is still
    # saved with the intent to make its PDF, and dispatch_outbox sends it later.
    outbox_enqueue(task_name="participants.consent.tasks.make_consent_document", args=[record.pk])


@transaction.atomic
def consent_sign(
    *,
    participant: Participant,
    form_code: str,
    version_id: int | str,
    decision: str,
    typed_name: str,
    language: str,
    text_sha256: str,
    submission_token: uuid.UUID | str | None,
    ip_address: str | None,
    user_agent: str,
    actor: User,
) -> ConsentRecord:
    """Records a signed decision on the published version the participant was shown.

    `version_id`, `language` and `text_sha256` come from hidden fields of the page
    and must match what the server would render; anything else is refused as
    tampering. Submitting the same page twice (same token), or the same decision
    again within minutes from another tab, returns the first record.
    """
    # Serialises every signing by this participant: the duplicate checks below
    # cannot race a concurrent request.
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    token = _parse_token(submission_token)
    if token is not None:
        existing = ConsentRecord.objects.filter(submission_token=token).first()
        if existing is not None:
            if existing.participant_id != locked.pk:
                raise ConsentTampered(_("This form was not issued to you."), code="token")
            return existing

    version = ConsentVersion.objects.select_related("form").filter(pk=_int_or_none(version_id))
    version = version.first()
    if version is None or version.form.code != form_code:
        raise ConsentTampered(_("This form does not match the consent shown."), code="version")
    if language not in Language.values or text_sha256 != version.sha256(language):
        raise ConsentTampered(
            _("The text you signed does not match our copy. Please read it again."), code="hash"
        )
    if version.status != VersionStatus.PUBLISHED:
        raise ConsentVersionNotCurrent(
            _("This consent was updated while you were reading. Please read the new version."),
            code="not_current",
        )
    form = version.form
    if decision not in form.choices:
        raise ConsentError(_("Please choose one of the answers."), code="decision")
    _check_may_sign(locked, form)
    _check_typed_name(locked, typed_name)

    previous = current_record(locked, form.code)
    was_given = previous is not None and previous.decision in {Decision.AGREE, Decision.YES}
    if form.code == "primary" and was_given and decision != Decision.AGREE:
        # Declining the main consent after joining is leaving the program,
        # which has its own page, tiers and confirmation.
        raise ConsentError(
            _("To stop taking part, please use “Leave the program” on your page."),
            code="use_withdraw",
        )
    now = timezone.now()
    if (
        previous is not None
        and previous.version_id == version.pk
        and previous.decision == decision
        and now - previous.signed_at < DUPLICATE_WINDOW
    ):
        return previous

    # A "pause data use" campaign waiting for this signature: its held work resumes below.
    paused_before = data_use_paused(locked)
    expires_at = None
    if version.valid_months and decision in GIVING:
        expires_at = add_months(now, version.valid_months)
    record = ConsentRecord.objects.create(
        participant=locked,
        version=version,
        language=language,
        decision=decision,
        typed_name=" ".join(typed_name.split()),
        signed_at=now,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:400],
        text_sha256=text_sha256,
        submission_token=token,
        expires_at=expires_at,
    )
    audit_record(
        action="consent.sign",
        actor=actor,
        participant=locked,
        target=record,
        data={
            "form": form.code,
            "version": version.number,
            "decision": decision,
            "language": language,
            "previous": previous.decision if previous else None,
        },
    )
    target_state = JOURNEY_TARGET.get(form.code)
    if target_state and decision == Decision.AGREE:
        journey_advance_to(
            participant=locked,
            to_state=target_state,
            actor=actor,
            reason=f"{form.code} consent v{version.number} signed",
        )
    if form.code == "gror" and was_given and decision != Decision.YES:
        hooks.gror_withdrawn(participant=locked, actor=actor)
    if paused_before:
        data_use_resume_if_lifted(
            participant=locked, actor=actor, why=f"{form.code} v{version.number} signed"
        )
    _queue_pdf(record)
    update_caller(participant, locked)  # the caller's participant shows the new state
    return record


@transaction.atomic
def consent_withdraw(
    *,
    participant: Participant,
    form_code: str,
    typed_name: str,
    language: str,
    ip_address: str | None,
    user_agent: str,
    actor: User,
    tier: int | None = None,
    reason: str = "",
):
    """Withdraws one consent: a new `withdrawn` record, the old one stays as evidence.

    Withdrawing the primary consent is leaving the program: that is
    `participant_withdraw` with the tier the participant chose (it returns the
    `Withdrawal`). For the others it returns the new record; withdrawing twice
    returns the first withdrawal.
    """
    if form_code == "primary":
        _check_typed_name(participant, typed_name)
        return participant_withdraw(
            participant=participant,
            actor=actor,
            tier=tier or WithdrawalTier.NO_FURTHER_USE,
            reason=reason,
        )
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    form = ConsentForm.objects.filter(code=form_code, withdrawable=True).first()
    if form is None:
        raise ConsentError(_("This consent cannot be withdrawn on its own."), code="form")
    current = current_record(locked, form_code)
    if current is not None and current.decision == Decision.WITHDRAWN:
        return current
    if current is None or current.decision not in GIVING:
        raise ConsentError(_("You have not given this permission."), code="nothing")
    _check_typed_name(locked, typed_name)
    record = _withdrawn_record(
        locked,
        current,
        typed_name=" ".join(typed_name.split()),
        language=language if language in Language.values else current.language,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_record(
        action="consent.withdraw",
        actor=actor,
        participant=locked,
        target=record,
        data={"form": form_code, "version": current.version.number, "was": current.decision},
    )
    if form_code == "gror":
        hooks.gror_withdrawn(participant=locked, actor=actor)
    _queue_pdf(record)
    return record


def _withdrawn_record(
    participant: Participant,
    current: ConsentRecord,
    *,
    typed_name: str | None,
    language: str,
    ip_address: str | None,
    user_agent: str,
) -> ConsentRecord:
    version = current.version
    return ConsentRecord.objects.create(
        participant=participant,
        version=version,
        language=language,
        decision=Decision.WITHDRAWN,
        typed_name=typed_name or None,
        signed_at=timezone.now(),
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:400],
        text_sha256=version.sha256(language),
    )


def consent_full_withdrawal_effect(*, participant: Participant, tier: int, actor: User) -> None:
    """Withdrawal effect: leaving with "no further use" (tier 2+) withdraws every consent.

    Tier 1 (no contact) leaves the consents standing: the participant allowed
    continued use of what they already gave. Idempotent, like every effect.
    """
    if tier < WithdrawalTier.NO_FURTHER_USE:
        return

    for code, current in current_records(participant).items():
        if current.decision not in GIVING:
            continue
        record = _withdrawn_record(
            participant,
            current,
            typed_name=None,
            language=current.language,
            ip_address=None,
            user_agent="",
        )
        audit_record(
            action="consent.withdraw",
            actor=actor,
            participant=participant,
            target=record,
            data={"form": code, "version": current.version.number, "tier": tier},
        )
        if code == "gror":
            hooks.gror_withdrawn(participant=participant, actor=actor)


# --- small helpers ---------------------------------------------------------------------------
def _parse_token(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ConsentTampered(_("This form is not valid. Please reload it."), code="token") from exc


def _int_or_none(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """Same day-of-month `months` later, clamped to the month's last day."""

    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)

import datetime as dt
import uuid

import pytest
from django.utils import timezone, translation

from participants.consent.comprehension import comprehension_questions
from participants.consent.models import (
    ConsentRecord,
    ConsentVersion,
    Decision,
    VersionStatus,
)
from participants.consent.selectors import (
    consents_needing_renewal,
    current_decision,
    gror_allows_results,
)
from participants.consent.services import (
    ConsentError,
    ConsentTampered,
    ConsentVersionNotCurrent,
    comprehension_record,
    consent_version_draft,
    consent_version_publish,
    consent_withdraw,
    normalize_name,
)
from participants.models import JourneyState
from portal.hooks import _gror_withdrawn as _gror_withdrawn_hooks
from portal.hooks import register_gror_withdrawn_hook
from portal.models import AuditEvent
from tests.participants.consent.helpers import pass_comprehension, sign


def _new_version(consents, code, staff, **changes):
    old = consents[code]
    version = consent_version_draft(
        form=old.form,
        actor=staff,
        text_en=changes.get("text_en", old.text_en + "\n\nA new paragraph."),
        text_es=changes.get("text_es", old.text_es + "\n\nUn párrafo nuevo."),
        change_summary_en="We added a paragraph.",
        change_summary_es="Agregamos un párrafo.",
        effective_date=timezone.localdate(),
        valid_months=old.valid_months,
    )
    return consent_version_publish(version=version, actor=staff)


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(email="admin@example.org", is_staff=True)


# --- names ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["Ana García", "ana garcia", "ANA GARCÍA", "  Ana   Garcia ", "ANA garcía", "Ana-García"],
)
def test_typed_name_matches_case_and_accent_insensitively(consented, consents, typed):
    record = sign(consented, consents["ehr"], typed_name=typed)
    assert record.decision == Decision.AGREE


def test_normalize_name_folds_accents_case_and_punctuation():
    assert normalize_name("José-María  O’Neil") == normalize_name("jose maria oneil")
    assert normalize_name("Straße") == normalize_name("STRASSE")


@pytest.mark.parametrize("typed", ["Ana Garcia Lopez", "Ana", "Omar Haddad", "", "Ana G."])
def test_signature_not_matching_the_legal_name_is_refused(participant, consents, typed):
    pass_comprehension(participant)
    with pytest.raises(ConsentError) as exc:
        sign(participant, consents["primary"], typed_name=typed)
    assert exc.value.code == "name_mismatch"
    assert not ConsentRecord.objects.exists()


def test_no_legal_name_in_profile_cannot_sign(participant, consents):
    pass_comprehension(participant)
    participant.legal_first_name = None
    participant.legal_last_name = None
    participant.save()
    with pytest.raises(ConsentError) as exc:
        sign(participant, consents["primary"], typed_name="")
    assert exc.value.code == "no_name"


# --- tampering -------------------------------------------------------------------------
def test_tampered_version_id_is_refused(participant, consents):
    pass_comprehension(participant)
    for bad in (999_999, "abc", consents["ehr"].pk):  # unknown, junk, another form's version
        with pytest.raises(ConsentTampered):
            sign(participant, consents["primary"], version_id=bad)
    assert not ConsentRecord.objects.exists()


def test_tampered_hash_is_refused(participant, consents):
    pass_comprehension(participant)
    with pytest.raises(ConsentTampered) as exc:
        sign(participant, consents["primary"], text_sha256="0" * 64)
    assert exc.value.code == "hash"
    # The Spanish hash sent with language=en: the page could not have shown that.
    with pytest.raises(ConsentTampered):
        sign(participant, consents["primary"], text_sha256=consents["primary"].sha256_es)
    with pytest.raises(ConsentTampered):
        sign(participant, consents["primary"], language="fr", text_sha256="0" * 64)
    assert not ConsentRecord.objects.exists()


def test_garbage_submission_token_is_refused(participant, consents):
    pass_comprehension(participant)
    with pytest.raises(ConsentTampered):
        sign(participant, consents["primary"], submission_token="not-a-uuid")


def test_another_participants_token_is_refused(consented, outsider, consents):
    token = uuid.uuid4()
    sign(consented, consents["ehr"], submission_token=token)
    pass_comprehension(outsider)
    with pytest.raises(ConsentTampered):
        sign(outsider, consents["primary"], submission_token=token, typed_name="Omar Haddad")


# --- versions ----------------------------------------------------------------------------
def test_signing_a_retired_version_is_refused(participant, consents, staff):
    pass_comprehension(participant)
    old = consents["primary"]
    _new_version(consents, "primary", staff)
    old.refresh_from_db()
    assert old.status == VersionStatus.RETIRED
    with pytest.raises(ConsentVersionNotCurrent):
        sign(participant, old)
    assert not ConsentRecord.objects.exists()


def test_signing_a_draft_is_refused(participant, consents, staff):
    pass_comprehension(participant)
    draft = consent_version_draft(
        form=consents["primary"].form,
        actor=staff,
        text_en="# T\n\nx",
        text_es="# T\n\ny",
        change_summary_en="",
        change_summary_es="",
        effective_date=timezone.localdate(),
        valid_months=None,
    )
    with pytest.raises(ConsentVersionNotCurrent):
        sign(participant, draft)


def test_publish_retires_the_previous_version_and_audits(consents, staff):
    new = _new_version(consents, "primary", staff)
    published = ConsentVersion.objects.filter(form__code="primary", status="published")
    assert list(published) == [new]
    assert new.number == 2
    assert AuditEvent.objects.filter(action="consent.version_publish").count() == 1


def test_publish_refuses_a_future_effective_date_and_a_non_draft(consents, staff):
    draft = consent_version_draft(
        form=consents["gror"].form,
        actor=staff,
        text_en="# T\n\nx",
        text_es="# T\n\ny",
        change_summary_en="a",
        change_summary_es="b",
        effective_date=timezone.localdate() + dt.timedelta(days=3),
        valid_months=None,
    )
    with pytest.raises(ConsentError):
        consent_version_publish(version=draft, actor=staff)
    with pytest.raises(ConsentError):
        consent_version_publish(version=consents["gror"], actor=staff)


# --- double submit -------------------------------------------------------------------------
def test_double_submit_with_the_same_token_writes_one_record(participant, consents):
    pass_comprehension(participant)
    token = uuid.uuid4()
    first = sign(participant, consents["primary"], submission_token=token)
    second = sign(participant, consents["primary"], submission_token=token)
    assert first.pk == second.pk
    assert ConsentRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="consent.sign").count() == 1


def test_same_decision_from_two_tabs_writes_one_record(participant, consents):
    pass_comprehension(participant)
    first = sign(participant, consents["primary"])
    second = sign(participant, consents["primary"])  # another token: another tab
    assert first.pk == second.pk
    assert ConsentRecord.objects.count() == 1


# --- language actually shown -------------------------------------------------------------
def test_record_names_the_language_of_the_text_shown_not_the_interface(participant, consents):
    pass_comprehension(participant)
    version = consents["primary"]
    # The page was rendered in Spanish; the participant switched the site to
    # English in another tab before pressing "Firmar".
    with translation.override("en"):
        record = sign(participant, version, language="es", text_sha256=version.sha256_es)
    assert record.language == "es"
    assert record.text_sha256 == version.sha256_es != version.sha256_en


# --- journey and rules ----------------------------------------------------------------------
def test_primary_needs_the_comprehension_check(participant, consents):
    with pytest.raises(ConsentError) as exc:
        sign(participant, consents["primary"])
    assert exc.value.code == "comprehension"


def test_comprehension_attempt_stores_results(participant):
    questions = comprehension_questions("en")
    answers = {q.code: q.correct for q in questions}
    answers[questions[0].code] = next(
        o.code for o in questions[0].options if o.code != questions[0].correct
    )
    attempt = comprehension_record(participant=participant, answers=answers, language="en")
    assert attempt.passed is False
    assert attempt.results[questions[0].code] is False
    assert sum(attempt.results.values()) == len(questions) - 1
    answers = {q.code: q.correct for q in questions}
    assert comprehension_record(participant=participant, answers=answers, language="es").passed


def test_primary_agree_moves_the_journey_and_ehr_follows(consented, consents):
    assert consented.state == JourneyState.CONSENTED
    record = sign(consented, consents["ehr"])
    consented.refresh_from_db()
    assert consented.state == JourneyState.EHR_AUTHORIZED
    assert record.expires_at is not None
    assert record.expires_at.date() > (timezone.now() + dt.timedelta(days=365 * 4)).date()


def test_ehr_and_gror_need_the_primary_consent(participant, consents):
    for code in ("ehr", "gror"):
        with pytest.raises(ConsentError) as exc:
            sign(participant, consents[code])
        assert exc.value.code == "no_primary"


def test_primary_decline_does_not_move_the_journey(participant, consents):
    pass_comprehension(participant)
    sign(participant, consents["primary"], decision="decline")
    participant.refresh_from_db()
    assert participant.state == JourneyState.ELIGIBLE
    assert current_decision(participant, "primary") == Decision.DECLINE


def test_gror_choices_and_invalid_decision(consented, consents):
    with pytest.raises(ConsentError):
        sign(consented, consents["gror"], decision="agree")
    record = sign(consented, consents["gror"], decision="not_sure")
    assert record.decision == Decision.NOT_SURE
    assert not gror_allows_results(consented)


def test_withdrawn_participant_cannot_sign(consented, consents):
    from participants.enrollment import participant_withdraw

    participant_withdraw(participant=consented, actor=consented.user, tier=1)
    with pytest.raises(ConsentError) as exc:
        sign(consented, consents["ehr"])
    assert exc.value.code == "inactive"


# --- withdrawal -----------------------------------------------------------------------------
@pytest.fixture
def gror_hook_calls():
    calls = []

    def hook(*, participant, actor):
        calls.append(participant.pk)

    register_gror_withdrawn_hook(hook)
    yield calls
    _gror_withdrawn_hooks.remove(hook)


def _withdraw(participant, code, **kwargs):
    return consent_withdraw(
        participant=participant,
        form_code=code,
        typed_name=kwargs.pop("typed_name", "Ana García"),
        language="en",
        ip_address=None,
        user_agent="pytest",
        actor=participant.user,
        **kwargs,
    )


def test_withdrawing_gror_writes_a_new_record_and_calls_the_hooks(
    consented, consents, gror_hook_calls
):
    given = sign(consented, consents["gror"], decision="yes")
    assert gror_allows_results(consented)
    withdrawn = _withdraw(consented, "gror")
    assert withdrawn.decision == Decision.WITHDRAWN and withdrawn.pk != given.pk
    assert ConsentRecord.objects.filter(pk=given.pk, decision="yes").exists()  # evidence kept
    assert gror_hook_calls == [consented.pk]
    assert not gror_allows_results(consented)
    # Twice is once.
    assert _withdraw(consented, "gror").pk == withdrawn.pk
    assert gror_hook_calls == [consented.pk]


def test_changing_gror_from_yes_to_no_also_calls_the_hooks(consented, consents, gror_hook_calls):
    sign(consented, consents["gror"], decision="yes")
    sign(consented, consents["gror"], decision="no")
    assert gror_hook_calls == [consented.pk]


def test_withdrawing_ehr_keeps_the_journey_and_needs_the_name(consented, consents):
    sign(consented, consents["ehr"])
    with pytest.raises(ConsentError):
        _withdraw(consented, "ehr", typed_name="Someone Else")
    record = _withdraw(consented, "ehr")
    assert current_decision(consented, "ehr") == Decision.WITHDRAWN
    assert record.typed_name == "Ana García"


def test_nothing_to_withdraw(consented, consents):
    with pytest.raises(ConsentError) as exc:
        _withdraw(consented, "ehr")
    assert exc.value.code == "nothing"


def test_withdrawing_primary_is_leaving_the_program(consented, consents, gror_hook_calls):
    sign(consented, consents["ehr"])
    sign(consented, consents["gror"], decision="yes")
    withdrawal = _withdraw(consented, "primary", tier=2)
    consented.refresh_from_db()
    assert withdrawal.tier == 2
    assert consented.state == JourneyState.WITHDRAWN
    for code in ("primary", "ehr", "gror"):
        assert current_decision(consented, code) == Decision.WITHDRAWN
    assert gror_hook_calls == [consented.pk]


def test_leaving_with_no_contact_only_keeps_the_consents(consented, consents):
    from participants.enrollment import participant_withdraw

    participant_withdraw(participant=consented, actor=consented.user, tier=1)
    assert current_decision(consented, "primary") == Decision.AGREE


# --- re-consent ------------------------------------------------------------------------------
def test_new_version_asks_for_reconsent_and_the_old_decision_stands(consented, consents, staff):
    assert consents_needing_renewal(consented) == []
    new = _new_version(consents, "primary", staff)
    renewals = consents_needing_renewal(consented)
    assert [(r.form.code, r.reason, r.version.pk) for r in renewals] == [
        ("primary", "new_version", new.pk)
    ]
    assert current_decision(consented, "primary") == Decision.AGREE
    sign(consented, new)
    assert consents_needing_renewal(consented) == []


def test_declining_the_new_primary_version_is_refused(consented, consents, staff):
    new = _new_version(consents, "primary", staff)
    with pytest.raises(ConsentError) as exc:
        sign(consented, new, decision="decline")
    assert exc.value.code == "use_withdraw"


def test_expired_ehr_asks_to_sign_again(consented, consents):
    record = sign(consented, consents["ehr"])
    # Records are immutable: look a little into the future instead.
    later = record.expires_at + dt.timedelta(days=1)
    from unittest import mock

    with mock.patch("participants.consent.selectors.timezone.now", return_value=later):
        assert current_decision(consented, "ehr") is None
        assert [r.reason for r in consents_needing_renewal(consented)] == ["expired"]


def test_sign_writes_an_audit_row_without_the_name(consented, consents):
    sign(consented, consents["gror"], decision="yes")
    event = AuditEvent.objects.filter(action="consent.sign", data__form="gror").get()
    assert event.participant_id == consented.pk
    assert "García" not in str(event.data)

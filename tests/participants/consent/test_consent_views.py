import re
import uuid

import pytest
from django.core import mail
from django.core.management import call_command

from participants.consent.comprehension import comprehension_questions
from participants.consent.models import (
    ComprehensionAttempt,
    ConsentDocument,
    ConsentForm,
    ConsentRecord,
    ConsentVersion,
)
from participants.models import JourneyState
from tests.factories import UserFactory
from tests.participants.consent.helpers import make_staff, pass_comprehension, sign


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"hidden field {name} missing"
    return match.group(1)


def _sign_post(client, url, decision="agree", typed_name="Ana García", **override):
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    data = {
        "decision": decision,
        "typed_name": typed_name,
        "version_id": _hidden(html, "version_id"),
        "language": _hidden(html, "language"),
        "text_sha256": _hidden(html, "text_sha256"),
        "submission_token": _hidden(html, "submission_token"),
        **override,
    }
    return client.post(url, data), data


def test_load_default_consents_is_idempotent(db):
    call_command("load_default_consents", stdout=None)
    call_command("load_default_consents")
    assert ConsentForm.objects.count() == 3
    assert ConsentVersion.objects.filter(status="published").count() == 3


def test_consent_is_read_first_then_the_questions_then_signed(participant_client, consents):
    response = participant_client.get("/me/consent/")
    assert response.url == "/me/consent/primary/"
    reading = participant_client.get("/me/consent/primary/")
    html = reading.content.decode()
    assert reading.status_code == 200
    assert 'class="consent-text"' in html
    assert 'href="/me/consent/questions/"' in html  # the way on is the questions
    assert 'name="typed_name"' not in html  # no signature before the questions
    assert 'aria-current="step"' in html and "Read" in html


def test_a_wrong_answer_shows_the_explanation_and_allows_a_retry(
    participant_client, participant, consents
):
    questions = comprehension_questions("en")
    answers = {q.code: q.correct for q in questions}
    wrong = questions[1]
    answers[wrong.code] = next(o.code for o in wrong.options if o.code != wrong.correct)
    response = participant_client.post("/me/consent/questions/", answers)
    assert response.status_code == 200
    html = response.content.decode()
    assert wrong.explanation.replace("'", "&#x27;") in html
    assert f'id="why-{wrong.code}"' in html
    assert questions[0].explanation not in html  # right answers get no lecture
    response = participant_client.post(
        "/me/consent/questions/", {q.code: q.correct for q in questions}
    )
    assert response.url == "/me/consent/primary/#sign"
    assert 'name="typed_name"' in participant_client.get("/me/consent/primary/").content.decode()
    attempts = list(ComprehensionAttempt.objects.filter(participant=participant).order_by("id"))
    assert [a.passed for a in attempts] == [False, True]
    assert attempts[0].results[wrong.code] is False


def test_questions_in_spanish(participant_client, consents):
    html = participant_client.get("/es/me/consent/questions/").content.decode()
    assert comprehension_questions("es")[0].text.replace("'", "&#x27;") in html


def test_sign_primary_through_the_page(participant_client, participant, consents):
    pass_comprehension(participant)
    response, _ = _sign_post(participant_client, "/me/consent/primary/")
    assert response.status_code == 302
    assert response.url == "/me/consent/primary/signed/"
    # after each consent: the way on to the next step (share health records)
    signed = participant_client.get(response.url).content.decode()
    assert "Continue to the next step" in signed
    assert 'href="/me/consent/ehr/"' in signed
    assert 'href="/me/documents/"' in signed
    record = ConsentRecord.objects.get(participant=participant)
    assert record.language == "en"
    assert record.text_sha256 == consents["primary"].sha256_en
    assert record.ip_address == "127.0.0.1"
    participant.refresh_from_db()
    assert participant.state == JourneyState.CONSENTED


def test_double_post_of_the_same_page_writes_one_record(participant_client, participant, consents):
    pass_comprehension(participant)
    response, data = _sign_post(participant_client, "/me/consent/primary/")
    again = participant_client.post("/me/consent/primary/", data)
    assert response.status_code == again.status_code == 302
    assert ConsentRecord.objects.filter(participant=participant).count() == 1


def test_spanish_page_posted_after_switching_to_english(participant_client, participant, consents):
    pass_comprehension(participant)
    page = participant_client.get("/es/me/consent/primary/").content.decode()
    assert _hidden(page, "language") == "es"
    data = {
        "decision": "agree",
        "typed_name": "ana garcia",
        "version_id": _hidden(page, "version_id"),
        "language": "es",
        "text_sha256": _hidden(page, "text_sha256"),
        "submission_token": _hidden(page, "submission_token"),
    }
    response = participant_client.post("/me/consent/primary/", data)  # English URL now
    assert response.status_code == 302
    record = ConsentRecord.objects.get(participant=participant)
    assert record.language == "es"
    assert record.text_sha256 == consents["primary"].sha256_es


def test_tampered_post_is_a_400_and_writes_nothing(participant_client, participant, consents):
    pass_comprehension(participant)
    response, _ = _sign_post(participant_client, "/me/consent/primary/", text_sha256="f" * 64)
    assert response.status_code == 400
    response, _ = _sign_post(
        participant_client, "/me/consent/primary/", version_id=str(consents["gror"].pk)
    )
    assert response.status_code == 400
    assert not ConsentRecord.objects.exists()


def test_wrong_name_is_shown_next_to_the_field(participant_client, participant, consents):
    pass_comprehension(participant)
    response, _ = _sign_post(participant_client, "/me/consent/primary/", typed_name="Ana Lopez")
    assert response.status_code == 200
    html = response.content.decode()
    assert "does not match the legal name" in html
    assert 'aria-invalid="true"' in html
    # the summary at the top links to the field; the message also sits at the field
    summary = html.index("data-error-summary")
    assert summary < html.index('class="consent-text"')
    assert 'href="#id_typed_name"' in html
    assert html.index('id="id_typed_name_error"') > html.index('id="sign"')
    missing, _ = _sign_post(participant_client, "/me/consent/primary/", decision="")
    assert 'href="#id_decision_0"' in missing.content.decode()
    assert not ConsentRecord.objects.exists()


def test_ehr_page_shows_the_end_date_and_gror_has_three_choices(participant_client, consented):
    ehr = participant_client.get("/me/consent/ehr/").content.decode()
    assert "This permission ends on:" in ehr
    gror = participant_client.get("/me/consent/gror/").content.decode()
    for value in ("yes", "no", "not_sure"):
        assert f'value="{value}"' in gror


def test_signing_emails_a_pdf_copy(
    participant_client, participant, consents, django_capture_on_commit_callbacks
):
    pass_comprehension(participant)
    with django_capture_on_commit_callbacks(execute=True):
        _sign_post(participant_client, "/me/consent/primary/")
    document = ConsentDocument.objects.get(record__participant=participant)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.attachments[0][2] == "application/pdf"
    assert message.attachments[0][1][:5] == b"%PDF-"
    # Running the task again (a redelivery) neither makes a second file nor mails again.
    from participants.consent.tasks import make_consent_document

    assert make_consent_document(document.record_id) == document.pk
    assert ConsentDocument.objects.count() == 1
    assert len(mail.outbox) == 1

    listing = participant_client.get("/me/documents/").content.decode()
    url = f"/me/documents/{document.pk}/download/"
    assert url in listing
    response = participant_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_another_participants_document_is_a_404(
    client, participant, outsider, consents, django_capture_on_commit_callbacks
):
    pass_comprehension(participant)
    with django_capture_on_commit_callbacks(execute=True):
        record = sign(participant, consents["primary"])
    document = ConsentDocument.objects.get(record=record)
    client.force_login(outsider.user)
    assert client.get(f"/me/documents/{document.pk}/download/").status_code == 404
    assert client.get("/me/documents/999999/download/").status_code == 404
    assert f"/me/documents/{document.pk}/" not in client.get("/me/documents/").content.decode()
    client.logout()
    assert client.get(f"/me/documents/{document.pk}/download/").status_code == 302


def test_a_user_without_a_participant_record_gets_404(client, consents):
    client.force_login(UserFactory())
    assert client.get("/me/documents/").status_code == 404


def test_withdraw_gror_page(participant_client, consented, consents):
    sign(consented, consents["gror"], decision="yes")
    page = participant_client.get("/me/consent/gror/withdraw/")
    assert page.status_code == 200
    response = participant_client.post(
        "/me/consent/gror/withdraw/",
        {"typed_name": "Ana García", "language": "en", "confirm": "on"},
    )
    assert response.url == "/me/documents/"
    assert ConsentRecord.objects.filter(participant=consented).first().decision == "withdrawn"
    assert participant_client.get("/me/consent/primary/withdraw/").url == "/me/withdraw/"


def test_home_shows_the_reconsent_banner_until_signed_again(
    participant_client, consented, consents
):
    from participants.consent.services import consent_version_draft, consent_version_publish

    staff = UserFactory(is_staff=True)
    old = consents["primary"]
    draft = consent_version_draft(
        form=old.form,
        actor=staff,
        text_en=old.text_en + "\n\nNew.",
        text_es=old.text_es + "\n\nNuevo.",
        change_summary_en="We explain samples better.",
        change_summary_es="Explicamos mejor las muestras.",
        effective_date=old.effective_date,
        valid_months=None,
    )
    consent_version_publish(version=draft, actor=staff)
    home = participant_client.get("/me/").content.decode()
    assert "has changed" in home
    assert 'href="/me/consent/primary/"' in home
    page = participant_client.get("/me/consent/primary/").content.decode()
    assert "We explain samples better." in page
    assert "stands until you sign this new version" in page
    _sign_post(participant_client, "/me/consent/primary/")
    assert "has changed" not in participant_client.get("/me/").content.decode()


def test_home_shows_my_documents_section(participant_client, consented):
    home = participant_client.get("/me/").content.decode()
    assert 'href="/me/documents/"' in home
    assert 'href="/me/consent/gror/"' in home


def test_home_in_spanish_renders_the_consent_section(participant_client, consented):
    assert participant_client.get("/es/me/").status_code == 200


# --- staff ----------------------------------------------------------------------------------------
@pytest.fixture
def consent_admin(client, db):
    client.force_login(make_staff(perms=["manage_consent_versions"]))
    return client


def test_staff_pages_need_the_permission(client, consents):
    assert client.get("/staff/consent/").status_code == 302
    client.force_login(make_staff())
    assert client.get("/staff/consent/").status_code == 403
    # Not staff: refused whatever permission the account holds (the staff area
    # middleware answers 404 to non-staff, the view 403).
    client.force_login(make_staff(perms=["manage_consent_versions"], is_staff=False))
    assert client.get("/staff/consent/").status_code in {403, 404}


def test_staff_draft_preview_and_publish(consent_admin, consents):
    assert consent_admin.get("/staff/consent/").status_code == 200
    page = consent_admin.get("/staff/consent/gror/new/")
    assert page.status_code == 200
    old = consents["gror"]
    data = {
        "text_en": old.text_en + "\n\nA clearer paragraph <script>alert(1)</script>.",
        "text_es": old.text_es + "\n\nUn párrafo más claro.",
        "change_summary_en": "",
        "change_summary_es": "",
        "effective_date": old.effective_date.isoformat(),
        "valid_months": "",
    }
    response = consent_admin.post("/staff/consent/gror/new/", data)
    assert response.status_code == 200  # change summaries are required after version 1
    data |= {"change_summary_en": "Clearer.", "change_summary_es": "Más claro."}
    response = consent_admin.post("/staff/consent/gror/new/", data)
    draft = ConsentVersion.objects.get(form__code="gror", number=2)
    assert response.url == f"/staff/consent/versions/{draft.pk}/"
    preview = consent_admin.get(response.url).content.decode()
    assert "Un párrafo más claro." in preview and "A clearer paragraph" in preview
    assert "<script>" not in preview
    response = consent_admin.post(f"/staff/consent/versions/{draft.pk}/publish/")
    draft.refresh_from_db()
    old.refresh_from_db()
    assert (draft.status, old.status) == ("published", "retired")


def test_participant_form_for_an_unknown_code_is_404(participant_client, consents):
    assert participant_client.get("/me/consent/nothing-here/").status_code == 404
    assert (
        participant_client.get(f"/me/documents/{uuid.uuid4().int % 1000}/download/").status_code
        == 404
    )


def test_the_consent_pdf_names_the_ethics_approval(participant, consents, settings):
    import io

    from pypdf import PdfReader

    from participants.consent.consent_pdf import consent_pdf_bytes

    settings.PROGRAM = {**settings.PROGRAM, "ethics_approval": "IRB-TEST-9931"}
    pass_comprehension(participant)
    record = sign(participant, consents["primary"])
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(consent_pdf_bytes(record))).pages
    )
    assert "IRB-TEST-9931" in text
    assert settings.PROGRAM["ethics_board"] in text

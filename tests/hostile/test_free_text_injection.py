"""XSS and template injection in every free-text field (R20).

Fields, from the forms: the profile's address lines and city (and its names, which refuse
markup), the withdrawal reason, consent signatures (sign and withdraw), survey free-text
items, the log-in and password-reset forms and their `next`; for staff the support
look-up, dashboard filters and export form, travel and deactivation reasons, the
invitation e-mail, consent texts and change summaries, survey previews, review and contact
notes, manifest file names and cells, site names. (test_form_fuzz.py fills every field of
every page besides.)
Each value is stored exactly as typed (or refused with a message), then every page that
shows it back - participant pages, staff pages, the consent PDF's HTML, e-mails - is
rendered and must show it as escaped text: never markup, never a script URL, never
evaluated as template code.
"""

import datetime as dt
import html

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants.consent import consent_pdf
from participants.consent.models import ConsentRecord, ConsentVersion
from participants.models import Withdrawal
from participants.surveys.models import SurveyResponse
from portal.models import AccessEvent, AuditEvent, TravelException
from tests.hostile.payloads import ALL_XSS, XSS, assert_inert
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.participants.surveys.helpers import BASICS_PAGES, walk
from tests.participants.test_profile import VALID
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db


def _open_support_record(supporter, participant):
    client = staff_client(supporter)
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": "other", "detail": "t-1"},
    )
    return client.get(reverse("staff:participant", args=[participant.participant_id]))


# ------------------------------------------------------------------ participant fields
@pytest.mark.parametrize("payload", XSS)
def test_address_is_stored_as_typed_and_shown_escaped_to_participant_and_support(
    participant_client, participant, supporter, payload
):
    response = participant_client.post(
        "/me/profile/",
        {**VALID, "address_line1": payload, "address_line2": payload, "city": payload[:100]},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.address_line1, participant.address_line2) == (payload, payload)
    page = participant_client.get("/me/profile/").content.decode()
    assert_inert(page, payload)
    assert f'value="{html.escape(payload)}"' in page
    staff_page = _open_support_record(supporter, participant)
    assert staff_page.status_code == 200
    assert_inert(staff_page.content.decode(), payload)


@pytest.mark.parametrize("field", ["legal_first_name", "legal_last_name", "preferred_name"])
def test_markup_in_names_is_refused_and_echoed_escaped(participant_client, participant, field):
    for payload in XSS:
        response = participant_client.post("/me/profile/", {**VALID, field: payload})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Names can have letters" in body or "invisible or control" in body
        assert_inert(body, payload)
    participant.refresh_from_db()
    assert (participant.legal_first_name, participant.legal_last_name) == ("Ana", "García")
    assert not participant.preferred_name


def test_withdrawal_reason_is_kept_as_typed_and_never_shown_raw(
    participant_client, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = participant_client.post(
            "/me/withdraw/", {"tier": "1", "reason": ALL_XSS, "confirm": "on"}
        )
    assert response.status_code == 302
    assert Withdrawal.objects.get(participant=participant).reason == ALL_XSS
    assert_inert(participant_client.get("/me/").content.decode())
    assert mail.outbox, "the withdrawal e-mail was sent"
    for message in mail.outbox:
        assert_inert(message.alternatives[0][0])
        assert "<script>" not in message.body


def test_signature_with_markup_is_refused_and_nothing_is_signed(
    participant_client, participant, consents
):
    pass_comprehension(participant)
    version = consents["primary"]
    for payload in XSS:
        response = participant_client.post(
            "/me/consent/primary/",
            {
                "decision": "agree",
                "typed_name": payload,
                "version_id": version.pk,
                "language": "en",
                "text_sha256": version.sha256("en"),
                "submission_token": "6f1c0a5e-8d1b-4a43-9a3c-2b1f4c9d0e11",
            },
        )
        assert response.status_code == 200
        assert_inert(response.content.decode(), payload)
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    "typed", [*XSS, "'; DROP TABLE participants; --", "Robert\u202etxt.exe", "José Ñúñez — 😀"]
)
def test_survey_validation_keeps_free_text_exactly_as_typed(typed):
    """Escaping is the template's job: the stored answer is what was typed."""
    from participants.surveys.definition import load_definition
    from participants.surveys.validation import validate_page

    item = {"code": "note", "type": "free_text", "text": {"en": "Anything?"}}
    definition = load_definition(
        {
            "code": "one",
            "version": "1",
            "languages": ["en"],
            "title": {"en": "One"},
            "pages": [{"code": "p", "title": {"en": "P"}, "items": [item]}],
        }
    )
    cleaned, errors = validate_page(definition, "p", {"note": [typed]}, "en")
    assert errors == {} and cleaned == {"note": typed}


def test_consent_withdrawal_signature_with_markup_is_refused(
    participant_client, consented, consents
):
    sign(consented, consents["gror"], decision="yes")
    for payload in XSS:
        response = participant_client.post(
            "/me/consent/gror/withdraw/", {"typed_name": payload, "language": "en", "confirm": "on"}
        )
        assert response.status_code == 200
        assert_inert(response.content.decode(), payload)
    assert not ConsentRecord.objects.filter(decision="withdrawn").exists()


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/"])
def test_account_forms_echo_what_was_typed_escaped(client, path):
    for payload in XSS:
        response = client.post(path, {"login": payload, "email": payload, "password": "x"})
        assert response.status_code == 200
        assert_inert(response.content.decode())


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "https://evil.example/", "//evil.example/", "/\\evil.example"]
)
def test_next_parameter_never_leads_to_a_script_or_another_site(client, participant, target):
    from urllib.parse import quote

    page = client.get(f"/accounts/login/?next={quote(target)}")
    assert_inert(page.content.decode())
    response = client.post(
        f"/accounts/login/?next={quote(target)}",
        {"login": "participant@example.org", "password": "correct-horse-battery", "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil.example" not in location and "javascript" not in location


def _survey_page(response, page):
    return reverse("surveys:page", args=[response.public_id, page])


@pytest.mark.parametrize("payload", XSS)
def test_survey_free_text_is_stored_as_typed_and_rendered_escaped_everywhere(
    ready_client, ready, payload
):
    from participants.surveys.services import response_start_or_resume

    response = response_start_or_resume(
        participant=ready, survey_code="the_basics", actor=ready.user
    )
    ready_client.post(
        _survey_page(response, "about_you"), {**BASICS_PAGES["about_you"], "action": "continue"}
    )
    reply = ready_client.post(
        _survey_page(response, "origin"), {"birth_country": payload, "action": "continue"}
    )
    assert reply.status_code == 302
    assert SurveyResponse.objects.get().answers["birth_country"] == payload
    assert_inert(ready_client.get(_survey_page(response, "origin")).content.decode(), payload)
    walk(ready, response, {**BASICS_PAGES, "work_details": {"occupation": [payload]}})
    review = ready_client.get(reverse("surveys:review", args=[response.public_id]))
    assert_inert(review.content.decode(), payload)
    assert review.content.decode().count(html.escape(payload)) >= 2  # both answers
    # Validation errors echo the posted text escaped too.
    bad = ready_client.post(
        _survey_page(response, "origin"), {"birth_country": payload, "years_in_us": "abc"}
    )
    assert bad.status_code == 200
    assert_inert(bad.content.decode(), payload)


def test_survey_preview_echoes_staff_input_escaped(surveys, make_staff):
    client = staff_client(make_staff("survey_admin"))
    version = surveys["personal_family_history"].pk
    url = f"/staff/surveys/versions/{version}/preview/en/?page=other_conditions"
    typed = ALL_XSS * 10  # over the item's 1,000 characters: the page comes back with it
    response = client.post(url, {"other_conditions": typed})
    assert response.status_code == 200
    assert "Please shorten your answer" in response.content.decode()
    assert_inert(response.content.decode(), typed)
    assert not SurveyResponse.objects.exists()


# ------------------------------------------------------------------ staff fields
def test_support_lookup_detail_never_reaches_the_participant_raw(
    supporter, participant, participant_client
):
    client = staff_client(supporter)
    response = client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": "other", "detail": ALL_XSS},
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert AccessEvent.objects.get().reason == f"other: {ALL_XSS}"[:300]
    page = participant_client.get("/me/access/").content.decode()
    assert_inert(page)
    assert "for other work on your record" in page


def test_staff_filters_and_look_up_links_echo_input_escaped(supporter, recruiter):
    from urllib.parse import quote

    lookup = staff_client(supporter).get(reverse("staff:support_lookup") + "?id=" + quote(XSS[1]))
    assert lookup.status_code == 200
    assert_inert(lookup.content.decode(), XSS[1])
    dashboard = staff_client(recruiter).get(
        reverse("staff:dashboard") + "?date_from=" + quote(XSS[1]) + "&site=" + quote(XSS[0])
    )
    assert dashboard.status_code == 200
    assert_inert(dashboard.content.decode(), XSS[1])
    export = reauthenticated(staff_client(recruiter)).post(
        reverse("staff:export"), {"table": XSS[0], "rows": XSS[1], "date_from": XSS[3]}
    )
    assert export.status_code == 400
    assert not export["Content-Type"].startswith("text/csv")
    assert_inert(export.content.decode(), XSS[1])


def test_support_lookup_echoes_a_bad_id_escaped(supporter):
    response = staff_client(supporter).post(
        reverse("staff:support_lookup"),
        {"participant_id": XSS[1][:10], "reason": "other", "detail": XSS[0]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "not a valid participant id" in body
    assert_inert(body, XSS[0])
    assert not AccessEvent.objects.exists()


def test_travel_reason_is_shown_escaped_to_the_approver(recruiter, admin_user):
    today = dt.date.today()
    response = staff_client(recruiter).post(
        reverse("staff:travel"),
        {
            "country": "CA",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=3)).isoformat(),
            "reason": ALL_XSS,
        },
    )
    assert response.status_code == 302
    travel = TravelException.objects.get()
    assert travel.reason == ALL_XSS
    admin = reauthenticated(staff_client(admin_user))
    assert_inert(admin.get(reverse("staff:travel")).content.decode())
    page = admin.get(reverse("staff:travel_approve", args=[travel.pk]))
    assert page.status_code == 200
    assert_inert(page.content.decode(), ALL_XSS)


def test_deactivation_reason_and_invite_address(admin_user, recruiter):
    admin = reauthenticated(staff_client(admin_user))
    response = admin.post(
        reverse("staff:staff_deactivate", args=[recruiter.pk]), {"off-reason": ALL_XSS[:200]}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.deactivate")
    assert event.data["reason"] == ALL_XSS[:200]
    assert_inert(admin.get(reverse("staff:staff_list")).content.decode())
    assert_inert(admin.get(reverse("staff:staff_roles", args=[recruiter.pk])).content.decode())
    for payload in XSS:
        invite = admin.post(
            reverse("staff:staff_list"), {"email": payload, "roles": ["support"], "site": ""}
        )
        assert invite.status_code == 200
        assert "Enter a valid email address." in invite.content.decode()
        assert_inert(invite.content.decode(), payload)


HOSTILE_CONSENT = (
    "# Consent <script>alert(1)</script> {{ request }}\n\n"
    "Read this. <img src=x onerror=alert(1)> {% debug %} {{7*7}}\n\n"
    '[Click here](javascript:alert(1)) and <a href="javascript:alert(1)">here</a>.\n\n'
    '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>\n\n'
    "![x](file:///etc/passwd)\n"
)


def test_consent_text_and_change_summary_are_cleaned_everywhere_they_are_shown(
    make_staff, participant_client, consented, consents, monkeypatch
):
    """Staff write consent texts in Markdown: rendered through nh3 (no raw HTML, links or
    images); the title and change summaries are escaped text. Shown on the staff preview,
    to the participant asked to sign again, and in the signed PDF's HTML."""
    admin = staff_client(make_staff("consent_admin"))
    current = consents["primary"]
    data = {
        "text_en": HOSTILE_CONSENT,
        "text_es": HOSTILE_CONSENT,
        "change_summary_en": ALL_XSS,
        "change_summary_es": ALL_XSS,
        "effective_date": dt.date.today().isoformat(),
        "valid_months": "",
    }
    response = admin.post("/staff/consent/primary/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    draft = ConsentVersion.objects.get(form__code="primary", number=current.number + 1)
    assert draft.text_en == HOSTILE_CONSENT.strip() and draft.change_summary_en == ALL_XSS
    preview = admin.get(response["Location"]).content.decode()
    assert_inert(preview, ALL_XSS)
    assert "<iframe" not in preview and "<style>body" not in preview
    assert "file:///etc/passwd" not in preview
    assert html.escape("Consent <script>alert(1)</script> {{ request }}") in preview
    assert admin.post(f"/staff/consent/versions/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"

    page = participant_client.get("/me/consent/primary/").content.decode()
    assert_inert(page, ALL_XSS)  # the change summary, shown because they signed before
    assert "<iframe" not in page and "file:///etc/passwd" not in page
    assert html.escape("{{ request }}") in page  # the title, as typed

    captured = {}

    class CapturingHTML:
        def __init__(self, string):
            captured["html"] = string

        def write_pdf(self, **kwargs):
            return b"%PDF-1.7 captured"

    monkeypatch.setattr(consent_pdf, "HTML", CapturingHTML)

    record = sign(consented, draft)
    assert consent_pdf.consent_pdf_bytes(record).startswith(b"%PDF")
    assert_inert(captured["html"])
    assert "<iframe" not in captured["html"] and "file:///" not in captured["html"]
    assert html.escape("Consent <script>alert(1)</script>") in captured["html"]


def test_review_and_contact_notes_are_shown_escaped(
    participant, kb, counsellor, second_counsellor, data_manager
):
    import datetime as dt

    from results.models import CounsellingContact, Report
    from results.services.review import report_confirmation_record
    from tests.results.workflow.helpers import make_report

    report = make_report(
        participant, kb, state="needs_review", report_type="disease_risk", positive=True
    )
    # a positive is reviewed only after its orthogonal confirmation (issue 14)
    report_confirmation_record(
        report=report,
        actor=data_manager,
        lab="Clinical Lab",
        accession="ACC-1",
        confirmed_on=dt.date(2026, 11, 30),
    )
    first = staff_client(counsellor)
    url = reverse("staff_results:review_detail", args=[report.pk])
    contact = first.post(
        url, {"action": "contact", "contact-status": "completed", "contact-note": ALL_XSS}
    )
    assert contact.status_code == 302
    review = first.post(url, {"action": "review", "review-note": ALL_XSS})
    assert review.status_code == 302
    assert CounsellingContact.objects.get().note == ALL_XSS
    assert Report.objects.get(pk=report.pk).review_note == ALL_XSS
    page = staff_client(second_counsellor).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert_inert(body, ALL_XSS)
    assert body.count(html.escape(ALL_XSS)) == 2


def test_manifest_file_name_and_cells_are_shown_escaped(kb, data_manager):
    from tests.results.workflow.helpers import manifest_csv

    name = '"><img src=x onerror=alert(1)>.csv'
    rows = [
        ("<script>alert(1)</script>", "S-1", "a.vcf.gz", ""),
        ("R000", '"><img src=x onerror=alert(1)>', "a.vcf.gz", ""),
        ("R001", "S-3", "{{ request }}.vcf.gz", "{% debug %}"),
    ]
    client = staff_client(data_manager)
    response = client.post(
        reverse("staff_results:manifests"),
        {"manifest": SimpleUploadedFile(name, manifest_csv(rows), "text/csv")},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert_inert(detail, name)
    assert html.escape("<script>alert(1)</script>") in detail
    assert html.escape('"><img src=x onerror=alert(1)>') in detail
    listing = client.get(reverse("staff_results:manifests")).content.decode()
    assert_inert(listing, name)


def test_site_name_is_escaped_on_the_access_log_and_the_dashboard(
    participant, participant_client, supporter, recruiter, site_a
):
    from staff.dashboards.summaries import summaries_rebuild

    site_a.name = ALL_XSS[:100]
    site_a.save()
    assert _open_support_record(supporter, participant).status_code == 200
    assert_inert(participant_client.get("/me/access/").content.decode(), ALL_XSS[:100])
    summaries_rebuild()
    dashboard = staff_client(recruiter).get(reverse("staff:dashboard"))
    assert dashboard.status_code == 200
    assert_inert(dashboard.content.decode(), ALL_XSS[:100])


# ------------------------------------------------------------------ e-mails
@pytest.mark.parametrize(
    "template",
    [
        "reminder",
        "withdrawal_confirmed",
        "result_ready",
        "result_counselling_reminder",
        "consent_copy",
    ],
)
def test_emails_escape_names_and_titles_and_keep_the_subject_one_line(participant, template):
    """Names are validated on the way in; an e-mail must still be safe with one that got in
    some other way (an import, an older rule), and a title that breaks lines."""
    from participants.notifications import build_participant_email

    participant.preferred_name = "Ana <script>alert(1)</script> {{ request }}"
    participant.save(update_fields=["preferred_name"])
    message = build_participant_email(
        participant=participant,
        template=template,
        context={
            "tier": 1,
            "form_code": "primary",
            "form_title": 'Main consent\r\nBcc: x@evil.example "><img src=x onerror=alert(1)>',
            "version": 2,
            "decision": "agree",
        },
    )
    rendered = message.alternatives[0][0]
    assert_inert(rendered)
    assert "INVALID_TEMPLATE_VARIABLE" not in rendered + message.body
    assert "\n" not in message.subject and "\r" not in message.subject
    message.message()  # builds the MIME message: a header injection would raise here

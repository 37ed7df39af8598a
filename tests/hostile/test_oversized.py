"""Oversized bodies, field counts, files and URLs (R21): a clear 400 (or a form error),
never a 500, and nothing stored.

Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB), more than
DATA_UPLOAD_MAX_NUMBER_FIELDS fields (1,000) or more than DATA_UPLOAD_MAX_NUMBER_FILES files
(100); the portal answers with its own 400 page. Uploaded files are not held in memory:
the manifest (1 MiB) and each VCF (RESULTS_MAX_VCF_BYTES) have their own limits, reported
on the upload page.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants.consent.models import ComprehensionAttempt, ConsentRecord
from participants.models import Participant, User, Withdrawal
from participants.surveys.models import SurveyResponse
from portal.models import AuditEvent
from results.models import ResultsPreference, Sample, SampleManifest
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.participants.test_profile import VALID
from tests.results.workflow.helpers import NEGATIVE, manifest_csv, renamed_vcf
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db

TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
TOO_MANY = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10
STORED = (
    User, Participant, Withdrawal, ConsentRecord, ComprehensionAttempt, SurveyResponse,
    ResultsPreference, SampleManifest, Sample, AuditEvent,
)  # fmt: skip


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STORED}


def _assert_clear_400(response) -> None:
    assert response.status_code == 400
    body = response.content.decode()
    assert "Something was wrong with the request" in body and "too large" in body


# Every participant form, and the anonymous ones (screener, sign-up, log-in).
PARTICIPANT_POSTS = [
    "/me/profile/",
    "/me/withdraw/",
    "/me/consent/gror/",
    "/me/consent/gror/withdraw/",
    "/me/consent/questions/",
    "/me/results/choices/",
    "SURVEY_PAGE",
]
# One-button forms: the view acts without reading the body; the middleware measures it.
BUTTON_POSTS = [
    "/me/pause/",
    "/me/surveys/the_basics/",
]
ANONYMOUS_POSTS = ["/join/", "/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]


@pytest.fixture
def signed(ready, consents):
    """`ready` with everything a form might need: comprehension, primary and gror."""
    pass_comprehension(ready)
    sign(ready, consents["primary"])
    sign(ready, consents["gror"], decision="yes")
    return ready


def _url(path: str, participant) -> str:
    if path != "SURVEY_PAGE":
        return path
    from participants.surveys.services import response_start_or_resume

    response = response_start_or_resume(
        participant=participant, survey_code="the_basics", actor=participant.user
    )
    return reverse("surveys:page", args=[response.public_id, "about_you"])


@pytest.mark.parametrize("path", PARTICIPANT_POSTS + BUTTON_POSTS)
def test_participant_form_body_over_the_limit_is_a_clear_400(ready_client, signed, path):
    url = _url(path, signed)
    before = _counts()
    _assert_clear_400(ready_client.post(url, {**VALID, "address_line2": "x" * TOO_BIG}))
    assert _counts() == before


@pytest.mark.parametrize("path", PARTICIPANT_POSTS + BUTTON_POSTS)
def test_participant_form_with_too_many_fields_is_a_clear_400(ready_client, signed, path):
    url = _url(path, signed)
    before = _counts()
    _assert_clear_400(ready_client.post(url, {f"f{i}": "1" for i in range(TOO_MANY)}))
    assert _counts() == before


@pytest.mark.parametrize("path", ANONYMOUS_POSTS)
def test_anonymous_forms_refuse_oversized_bodies(client, path):
    # Sign-up is offered only after the screener: pass it, so the form is really there.
    client.post("/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    before = _counts()
    _assert_clear_400(client.post(path, {"email": "a@example.org", "x": "x" * TOO_BIG}))
    _assert_clear_400(client.post(path, {f"f{i}": "1" for i in range(TOO_MANY)}))
    assert _counts() == before


def test_profile_is_unchanged_after_an_oversized_post(participant_client, participant):
    response = participant_client.post("/me/profile/", {**VALID, "address_line2": "x" * TOO_BIG})
    _assert_clear_400(response)
    participant.refresh_from_db()
    assert participant.address_line2 in ("", None)
    assert participant.legal_first_name == "Ana"


def test_query_string_with_too_many_fields_is_a_clear_400(recruiter):
    query = "&".join(f"f{i}=1" for i in range(TOO_MANY))
    _assert_clear_400(staff_client(recruiter).get(f"/staff/?{query}"))


@pytest.mark.parametrize(
    "path",
    ["/me/results/" + "9" * 10_000 + "/", "/unsubscribe/" + "A" * 100_000 + "/",
     "/me/surveys/" + "a" * 10_000 + "/", "/" + "x/" * 5_000],
)  # fmt: skip
def test_huge_urls_are_not_found(participant_client, path):
    response = participant_client.get(path)
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode() or (
        "not valid" in response.content.decode()
    )


# ------------------------------------------------------------------ uploads
def _files_in_storage() -> list[str]:
    root = Path(storages["private"].location)
    # the knowledge base's ClinVar release (the `kb` fixture) is not an upload
    knowledge = root / "knowledge"
    return sorted(
        str(p) for p in root.rglob("*") if p.is_file() and not p.is_relative_to(knowledge)
    )


def test_more_files_than_allowed_is_a_clear_400(kb, data_manager, participant):
    files = [SimpleUploadedFile(f"s{i}.vcf", b"##fileformat=VCFv4.2\n") for i in range(101)]
    rows = [(participant.research_id, "S-1", "s0.vcf", "")]
    response = staff_client(data_manager).post(
        reverse("staff_results:manifests"),
        {"manifest": SimpleUploadedFile("m.csv", manifest_csv(rows)), "files": files},
    )
    _assert_clear_400(response)
    assert not SampleManifest.objects.exists() and _files_in_storage() == []


def test_manifest_over_its_limit_is_refused_on_the_page(kb, data_manager, participant):
    rows = [(participant.research_id, f"S-{i}", f"s{i}.vcf", "") for i in range(40_000)]
    big = manifest_csv(rows)
    assert len(big) > 1024 * 1024
    response = staff_client(data_manager).post(
        reverse("staff_results:manifests"), {"manifest": SimpleUploadedFile("m.csv", big)}
    )
    assert response.status_code == 200
    assert "The manifest is over 1024 KiB." in response.content.decode()
    assert not SampleManifest.objects.exists() and _files_in_storage() == []


def test_manifest_with_too_many_rows_is_refused_on_the_page(kb, data_manager, participant):
    rows = [(participant.research_id, f"S-{i}", "s.vcf", "") for i in range(5001)]
    response = staff_client(data_manager).post(
        reverse("staff_results:manifests"),
        {"manifest": SimpleUploadedFile("m.csv", manifest_csv(rows))},
    )
    assert response.status_code == 200
    assert "more than 5000 rows" in response.content.decode()
    assert not SampleManifest.objects.exists()


def test_vcf_over_its_limit_is_refused_and_not_kept(
    participant, kb, data_manager, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from results import manifests

    monkeypatch.setattr(manifests, "MAX_VCF_BYTES", 1000)
    path = renamed_vcf(NEGATIVE, "BIG-1", tmp_path / "src")
    client = staff_client(data_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_results:manifests"),
            {
                "manifest": SimpleUploadedFile(
                    "m.csv", manifest_csv([(participant.research_id, "BIG-1", path.name, "")])
                ),
                "files": [SimpleUploadedFile(path.name, path.read_bytes())],
            },
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The file BIG-1.vcf.gz is over the" in page
    assert not Sample.objects.exists()
    assert _files_in_storage() == []

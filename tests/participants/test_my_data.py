""" "My data": read-only answers, and the "Download my data" zip with a validated FHIR Bundle."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from participants.consent.models import ConsentDocument, ConsentRecord
from participants.data_export import data_exports_expire
from participants.enrollment import participant_withdraw
from participants.models import DataExport
from participants.surveys.models import ResponseStatus, SurveyResponse
from portal.models import AccessEvent
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

RESOURCE_TYPES = {
    "Patient",
    "Consent",
    "Questionnaire",
    "QuestionnaireResponse",
    "DiagnosticReport",
    "Observation",
    "DocumentReference",
}


@pytest.fixture(autouse=True)
def _uses_private_storage(_private_storage):
    """Private files go to a throwaway folder (tests/conftest.py)."""


@pytest.fixture(scope="module")
def kgp_result() -> dict:
    from results.engine.interpretation import interpret_vcf
    from tests.results.workflow.helpers import NEGATIVE, kgp_vcf

    return interpret_vcf(kgp_vcf(NEGATIVE), absent_is_reference=True, clinvar=("2025-11", []))


@pytest.fixture
def person(db, kgp_result):
    """A participant with signed consents (PDFs), a survey answered in Spanish, released reports."""
    from participants.surveys.services import core_surveys_load
    from results.releases import knowledge_base_release_register
    from results.services.preferences import results_preference_set
    from tests.results.workflow.helpers import give_gror, make_report

    core_surveys_load()
    kb, _ = knowledge_base_release_register()
    person = ParticipantFactory(user__email="mydata@example.org", sex_at_birth="FEMALE")
    give_gror(person)
    results_preference_set(
        participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
    )
    for record in ConsentRecord.objects.filter(participant=person):
        document = ConsentDocument(record=record, sha256="0" * 64, size=8)
        document.file.save(f"{record.pk}-copy.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        document.save()
    from participants.surveys.models import SurveyVersion

    version = SurveyVersion.objects.get(code="the_basics", status="published")
    SurveyResponse.objects.create(
        participant=person,
        version=version,
        survey_code="the_basics",
        status=ResponseStatus.COMPLETED,
        current_page="review",
        furthest_page="review",
        language="es",
        completed=timezone.now(),
        answers={"birth_year": 1956, "birth_place": "US", "sex_at_birth": "FEMALE"},
    )
    for report_type in ("pgx", "disease_risk", "traits"):
        make_report(person, kb, state="released", report_type=report_type, result=kgp_result)
    return person


def _request_and_build(client, person, django_capture_on_commit_callbacks, prefix=""):
    client.force_login(person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{prefix}/me/data/")
    assert response.status_code == 302
    export = DataExport.objects.get(participant=person)
    assert export.status == DataExport.Status.READY
    return export


def _zip(client, export) -> zipfile.ZipFile:
    response = client.get(f"/me/data/download/{export.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_bundle_validates_and_round_trips_every_resource_type(
    client, person, django_capture_on_commit_callbacks
):
    export = _request_and_build(client, person, django_capture_on_commit_callbacks)
    archive = _zip(client, export)
    bundle = json.loads(archive.read("fhir/bundle.json"))
    Bundle.model_validate(bundle)  # the whole Bundle is valid FHIR R4 (R4B models)
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert types == RESOURCE_TYPES
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model_class = get_fhir_model_class(resource["resourceType"])
        parsed = model_class.model_validate(resource)
        again = json.loads(parsed.model_dump_json(exclude_none=True))
        # round trip: what we wrote is what FHIR reads back, field for field
        assert model_class.model_validate(again).model_dump() == parsed.model_dump()
        assert set(again) == set(resource), resource["resourceType"]
        # every reference inside the Bundle points at an entry of the Bundle
        for reference in _references(resource):
            assert reference in full_urls, (resource["resourceType"], reference)
    # the PDFs the DocumentReferences name are in the zip
    names = set(archive.namelist())
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "DocumentReference":
            path = entry["resource"]["content"][0]["attachment"]["url"].removeprefix("../")
            assert path in names
            assert archive.read(path).startswith(b"%PDF")
    # survey answers travel in the language they were given in
    response = next(e["resource"] for e in bundle["entry"] if _is(e, "QuestionnaireResponse"))
    assert response["language"] == "es"
    assert "¿En qué año nació?" in json.dumps(response, ensure_ascii=False)
    # every released report is a DiagnosticReport listing its Observations
    reports = [e["resource"] for e in bundle["entry"] if _is(e, "DiagnosticReport")]
    assert len(reports) == 3
    assert all(r["code"]["coding"][0]["code"] == "51969-4" for r in reports)
    assert all(r.get("result") for r in reports)


def _is(entry, resource_type: str) -> bool:
    return entry["resource"]["resourceType"] == resource_type


def _references(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                yield inner
            else:
                yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


def test_the_copy_is_emailed_logged_and_explained_in_the_participants_language(
    client, person, django_capture_on_commit_callbacks
):
    export = _request_and_build(client, person, django_capture_on_commit_callbacks, prefix="/es")
    assert export.language == "es"
    readme = _zip(client, export).read("README.txt").decode()
    assert "Una copia de sus datos" in readme
    assert person.participant_id in readme
    # the e-mail says it is ready and where
    message = mail.outbox[-1]
    assert message.to == [person.user.email]
    assert "/me/data/" in message.body
    # written to the participant's own access log, and shown there in plain words
    event = AccessEvent.objects.get(participant=person)
    assert event.staff_id == person.user_id and event.what == "self.export"
    assert "You downloaded a copy of your data." in client.get("/me/access/").content.decode()


def test_the_link_is_for_the_logged_in_owner_only_and_expires(
    client, person, django_capture_on_commit_callbacks
):
    export = _request_and_build(client, person, django_capture_on_commit_callbacks)
    url = f"/me/data/download/{export.public_id}/"
    other = ParticipantFactory()
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(person.user)
    assert client.get(url).status_code == 200
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = client.get(url)
    assert expired.status_code == 404
    assert "This download has expired" in expired.content.decode()
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    from django.core.files.storage import storages

    assert not storages["private"].exists(export.file_name)
    assert data_exports_expire() == 0  # idempotent


def test_a_second_click_while_pending_makes_one_request(client, person):
    client.force_login(person.user)
    client.post("/me/data/")  # no on-commit run: stays pending
    client.post("/me/data/")
    assert DataExport.objects.filter(participant=person).count() == 1
    page = client.get("/me/data/").content.decode()
    assert "Your copy is being made" in page


@pytest.mark.parametrize(("tier", "left_out"), [(2, {"DiagnosticReport"}), (3, None)])
def test_a_withdrawn_participants_copy_holds_only_what_the_withdrawal_keeps(
    client, person, django_capture_on_commit_callbacks, tier, left_out
):
    with django_capture_on_commit_callbacks(execute=True):
        participant_withdraw(participant=person, actor=person.user, tier=tier)
    export = _request_and_build(client, person, django_capture_on_commit_callbacks)
    archive = _zip(client, export)
    bundle = json.loads(archive.read("fhir/bundle.json"))
    Bundle.model_validate(bundle)
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert "DiagnosticReport" not in types and "Observation" not in types
    assert not any(name.startswith("documents/report-") for name in archive.namelist())
    readme = archive.read("README.txt").decode()
    if tier == 2:
        assert "QuestionnaireResponse" in types
        assert "Your DNA results are no longer shown, so they are not in this copy." in readme
    else:
        assert "QuestionnaireResponse" not in types
        assert "This copy holds only what we must keep" in readme
        assert types <= {"Patient", "Consent", "DocumentReference"}
    assert "Consent" in types  # signed consents are always kept


def test_my_answers_are_read_only_in_the_language_answered(client, person):
    client.force_login(person.user)
    response = SurveyResponse.objects.get(participant=person)
    listing = client.get("/me/data/").content.decode()
    assert f"/me/data/answers/{response.public_id}/" in listing
    page = client.get(f"/me/data/answers/{response.public_id}/").content.decode()
    assert '<h1 lang="es">' in page
    assert "¿En qué año nació?" in page and "1956" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    # another participant's answers do not exist for them
    client.force_login(ParticipantFactory().user)
    assert client.get(f"/me/data/answers/{response.public_id}/").status_code == 404

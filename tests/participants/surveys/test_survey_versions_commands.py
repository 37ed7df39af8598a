"""Stored versions (immutable once published), management commands, FHIR export, staff pages."""

import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import InternalError, ProgrammingError, transaction
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from participants.surveys import services as survey_services
from participants.surveys.definition import load_core_definitions, load_definition
from participants.surveys.models import ResponseStatus, SurveyResponse, SurveyVersion, VersionStatus
from participants.surveys.redcap import import_redcap_file
from participants.surveys.selectors import completion_counts, suppressed
from participants.surveys.services import (
    SurveyError,
    response_complete,
    response_start_or_resume,
    survey_version_update_draft,
)
from portal.models import AuditEvent
from tests.factories import ParticipantFactory, UserFactory
from tests.participants.surveys.helpers import walk

REDCAP = Path(__file__).resolve().parents[2] / "data" / "redcap"


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_load_surveys_is_idempotent_and_publishes(db):
    first = _run("load_surveys")
    assert first.count(": created") == 4
    assert _run("load_surveys").count(": unchanged") == 4
    assert SurveyVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 4


def test_a_changed_file_becomes_a_new_version(db, monkeypatch):
    _run("load_surveys")
    core = load_core_definitions()
    changed = core["lifestyle"].to_dict()
    changed["title"]["en"] = "Your lifestyle"
    monkeypatch.setattr(
        survey_services,
        "load_core_definitions",
        lambda: {**core, "lifestyle": load_definition(changed)},
    )
    _run("load_surveys")
    versions = SurveyVersion.objects.filter(code="lifestyle").order_by("id")
    assert versions.count() == 2
    old, new = versions
    assert old.definition["title"]["en"] == "Lifestyle" and old.status == "published"
    assert new.version.startswith(f"{core['lifestyle'].version}-")
    assert new.definition["version"] == new.version
    assert new.status == "published"
    _run("load_surveys")  # still idempotent with the suffixed version
    assert SurveyVersion.objects.filter(code="lifestyle").count() == 2
    # New responses use the newest published version.
    from participants.surveys.selectors import published_versions

    assert published_versions()["lifestyle"].pk == new.pk


def test_a_published_version_is_frozen_by_the_database_and_the_service(surveys):
    version = surveys["the_basics"]
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).update(definition={})
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).update(status="draft")
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(SurveyError):
        survey_version_update_draft(version=version, definition=version.parsed(), actor=None)
    version.refresh_from_db()
    assert version.definition["code"] == "the_basics"


def test_import_redcap_json_accounts_for_every_row(db):
    for name, rows in (
        ("cohort_intake.csv", 46),
        ("redcapr_longitudinal.csv", 95),
        ("redcapr_validation_types.csv", 50),
    ):
        path = REDCAP / name
        out = json.loads(_run("import_redcap_dictionary", str(path), "--dry-run", "--json"))
        assert set(out) == {"surveys", "unconverted"}
        assert all(set(s) == {"code", "items", "pages"} for s in out["surveys"])
        assert all(set(u) == {"line", "field", "reason"} for u in out["unconverted"])
        assert sum(s["items"] for s in out["surveys"]) + len(out["unconverted"]) == rows
        assert not SurveyVersion.objects.exists()
    result = import_redcap_file(REDCAP / "cohort_intake.csv")
    assert len(result.surveys) == 2 and len(result.unconverted) == 8


def test_import_redcap_stores_drafts_idempotently_and_they_can_be_previewed(db, client, settings):
    _run("import_redcap_dictionary", str(REDCAP / "cohort_intake.csv"))
    drafts = SurveyVersion.objects.filter(status=VersionStatus.DRAFT)
    assert drafts.count() == 2 and all(d.source == "redcap:cohort_intake.csv" for d in drafts)
    _run("import_redcap_dictionary", str(REDCAP / "cohort_intake.csv"))
    assert SurveyVersion.objects.count() == 2
    staff = _staff(settings, client)
    for draft in drafts:
        for language in ("en", "es"):
            page = client.get(f"/staff/surveys/versions/{draft.pk}/preview/{language}/")
            assert page.status_code == 200
            assert "Preview: nothing you enter is saved." in page.content.decode()
    assert staff.pk


def _staff(settings, client, perms=("manage_surveys",)):
    # The /staff/ middleware (MFA, location) belongs to another area and has its own tests;
    # these check the survey permission itself.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "staff_security" not in m]
    user = UserFactory(is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


def test_staff_pages_need_the_permission(surveys, client, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "staff_security" not in m]
    assert client.get("/staff/surveys/").status_code == 302
    _staff(settings, client, perms=())
    assert client.get("/staff/surveys/").status_code == 403
    pk = surveys["the_basics"].pk
    assert client.get(f"/staff/surveys/versions/{pk}/preview/es/").status_code == 403


def test_staff_preview_in_both_languages_never_saves(surveys, client, settings):
    _staff(settings, client)
    pk = surveys["the_basics"].pk
    es = client.get(f"/staff/surveys/versions/{pk}/preview/es/").content.decode()
    assert "¿En qué año nació?" in es and 'lang="es"' in es
    en = client.get(
        f"/staff/surveys/versions/{pk}/preview/en/?page=race_ethnicity_detail"
    ).content.decode()
    assert "Hispanic" in en and "shown only" in en
    bad = client.post(
        f"/staff/surveys/versions/{pk}/preview/en/?page=about_you", {"birth_year": "1800"}
    )
    assert "Please enter a year from 1900 on." in bad.content.decode()
    good = client.post(
        f"/staff/surveys/versions/{pk}/preview/en/?page=about_you",
        {"birth_year": "1950", "birth_place": "US"},
    )
    assert good.status_code == 302 and "page=origin" in good["Location"]
    assert not SurveyResponse.objects.exists()
    assert client.get(f"/staff/surveys/versions/{pk}/preview/fr/").status_code == 404


def test_completion_counts_suppress_small_cells(surveys, client, settings):
    assert [suppressed(n) for n in (0, 1, 19, 20, 57)] == ["0", "<20", "<20", "20", "57"]
    version = surveys["lifestyle"]
    for _ in range(3):
        SurveyResponse.objects.create(
            participant=ParticipantFactory(),
            version=version,
            survey_code="lifestyle",
            status=ResponseStatus.COMPLETED,
        )
    assert completion_counts() == [{"code": "lifestyle", "completed": "<20", "in_progress": "0"}]
    _staff(settings, client)
    html = client.get("/staff/surveys/").content.decode()
    assert "&lt;20" in html and ">3<" not in html


def test_fhir_export_streams_completed_responses_only(ready, outsider):
    response = response_start_or_resume(participant=ready, survey_code="the_basics", actor=None)
    walk(ready, response)
    response_complete(participant=ready, response_id=response.public_id, actor=None)
    # Another participant's in-progress response is not exported.
    outsider.state = "ehr_authorized"
    outsider.save(update_fields=["state"])
    response_start_or_resume(participant=outsider, survey_code="the_basics", actor=None)
    out = _run("export_survey_responses_fhir")
    lines = out.strip().splitlines()
    assert len(lines) == 1
    resource = json.loads(lines[0])
    QuestionnaireResponse.model_validate(resource)
    assert resource["subject"]["reference"] == f"ResearchSubject/{ready.research_id}"
    assert resource["status"] == "completed"
    assert ready.participant_id not in out and "García" not in out
    assert AuditEvent.objects.filter(action="survey.fhir_export_bulk").exists()
    # Withdrawn with "no further use" (tier 2): left out.
    ready.withdrawal_tier = 2
    ready.save(update_fields=["withdrawal_tier"])
    assert _run("export_survey_responses_fhir").strip() == ""


def test_questionnaire_export_validates(surveys):
    lines = _run("export_questionnaires_fhir").strip().splitlines()
    assert len(lines) == 8  # four surveys, two languages
    ids = set()
    for line in lines:
        resource = json.loads(line)
        Questionnaire.model_validate(resource)
        ids.add(resource["id"])
    assert len(ids) == 8

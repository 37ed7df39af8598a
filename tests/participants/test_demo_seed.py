"""`seed_demo` (make run): surveys answered, results through the pipeline, idempotent."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from participants.demo import DEMO_PARTICIPANTS
from participants.models import JourneyState, Participant
from participants.surveys.definition import CORE_SURVEY_CODES
from participants.surveys.models import ResponseStatus, SurveyResponse
from portal.demo import seed_demo
from results.models import Report, ReportState

pytestmark = pytest.mark.django_db

# Who has completed which surveys after the seed (everyone else: none).
COMPLETED = {
    "basics@example.org": {"the_basics"},
    "core@example.org": set(CORE_SURVEY_CODES),
    "paused@example.org": {"the_basics"},
    "withdrawn@example.org": {"the_basics"},
}


@pytest.fixture(autouse=True)
def _uses_private_storage(_private_storage):
    """Private files go to a throwaway folder (tests/conftest.py)."""


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _seed(capture) -> None:
    # The seed's tasks are queued for after commit (the command runs it in one transaction);
    # the test's transaction never commits, so run them as a commit would.
    with capture(execute=True):
        seed_demo()


def test_seed_demo_answers_surveys_releases_results_and_is_idempotent(
    client, django_capture_on_commit_callbacks
):
    _seed(django_capture_on_commit_callbacks)
    first = _row_counts()
    _seed(django_capture_on_commit_callbacks)
    assert _row_counts() == first  # the second run wrote nothing at all

    participants = {p.user.email: p for p in Participant.objects.select_related("user")}
    assert {email: participants[email].state for email, _s, _o in DEMO_PARTICIPANTS} == {
        email: state for email, state, _o in DEMO_PARTICIPANTS
    }
    assert participants["paused@example.org"].state_before_pause == JourneyState.BASICS_DONE
    for email, _state, _overrides in DEMO_PARTICIPANTS:
        responses = SurveyResponse.objects.filter(participant=participants[email])
        assert {r.survey_code for r in responses} == COMPLETED.get(email, set()), email
        assert all(r.status == ResponseStatus.COMPLETED for r in responses)
    basics = SurveyResponse.objects.get(
        participant=participants["core@example.org"], survey_code="the_basics"
    )
    assert basics.answers["main_language"] == "ES" and basics.answers["birth_year"] == 1952

    states = {
        (r.participant.user.email, r.report_type): r.state
        for r in Report.objects.select_related("participant__user")
    }
    assert states == {
        ("core@example.org", "pgx"): ReportState.RELEASED,
        # no disease-risk report for core@: the demo loads no ClinVar release, so a negative
        # cannot be stated (docs/results.md); the tracker says the result can't be given yet
        ("core@example.org", "traits"): ReportState.RELEASED,
        # RYR1 (malignant hyperthermia): an actionable PGx result waits for review ...
        ("basics@example.org", "pgx"): ReportState.NEEDS_REVIEW,
        ("basics@example.org", "traits"): ReportState.RELEASED,
        # ... and the positive finding waits for its confirmation, then a review and a release
        ("basics@example.org", "disease_risk"): ReportState.NEEDS_REVIEW,
    }
    pgx_waiting = Report.objects.get(
        participant=participants["basics@example.org"], report_type="pgx"
    )
    assert pgx_waiting.review_reasons == ["RYR1: malignant hyperthermia susceptibility (RYR1)"]
    waiting = Report.objects.get(
        participant=participants["basics@example.org"], report_type="disease_risk"
    )
    assert waiting.positive and waiting.requires_confirmation and not waiting.confirmed
    sample = waiting.interpretation.sample
    assert sample.absent_is_reference and sample.lab_name.startswith("1000 Genomes")
    assert waiting.assigned_counsellor.email in {
        "counsellor@example.org",
        "counsellor2@example.org",
    }

    # core@ (Spanish) opens her PGx report at her own results pages, HTML and PDF.
    pgx = Report.objects.get(participant=participants["core@example.org"], report_type="pgx")
    client.force_login(participants["core@example.org"].user)
    with translation.override("es"):
        overview = client.get(reverse("results:overview"))
        page = client.get(reverse("results:report", args=[pgx.pk]))
        pdf = client.get(reverse("results:report_pdf", args=[pgx.pk]))
    assert overview.status_code == 200
    assert "Sus resultados de ADN" in overview.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert "Los medicamentos y su ADN" in html
    assert "CYP2D6" in html and "Metabolizador lento" in html
    # Called genes (the lab-attested flag), and the genes that need another test explained.
    assert "No analizados o que no se pudieron leer" in html
    assert "Este gen necesita otro tipo de prueba" in html
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    pgx.refresh_from_db()
    assert pgx.state == ReportState.VIEWED


def test_seed_demo_flags_only_the_one_duplicate_pair_it_means_to_show(
    django_capture_on_commit_callbacks,
):
    from participants.demo import DEMO_DUPLICATE_PAIR
    from participants.duplicates.models import BlindIndex, DuplicateFlag, FlagStatus

    _seed(django_capture_on_commit_callbacks)
    completed = Participant.objects.filter(profile_completed_at__isnull=False)
    profiled = {p.user.email for p in completed.select_related("user")}
    assert len(profiled) == 7  # everyone but registered@ completed a profile ...
    indexed = set(BlindIndex.objects.values_list("participant__user__email", flat=True))
    assert indexed == profiled  # ... so each was compared with all the others
    flags = list(DuplicateFlag.objects.select_related("first__user", "second__user", "site"))
    assert [(f.first.user.email, f.second.user.email) for f in flags] == [DEMO_DUPLICATE_PAIR]
    flag = flags[0]
    assert flag.status == FlagStatus.OPEN and flag.matched_on == ["name_dob_zip"]
    # Worked on where the demo's support account works.
    from portal.models import StaffProfile

    support_site = StaffProfile.objects.get(user__email="support@example.org").site
    assert flag.site == support_site
    _seed(django_capture_on_commit_callbacks)
    assert DuplicateFlag.objects.count() == 1  # a second seed flags nothing more

from collections.abc import Iterator

from django.core.management.base import BaseCommand

from participants.consent.campaigns.selectors import paused_participant_ids
from participants.models import WithdrawalTier
from participants.surveys.fhir import questionnaire_response, write_ndjson
from participants.surveys.models import ResponseStatus, SurveyResponse
from portal.audit import audit_record


def completed_responses(survey: str | None = None) -> Iterator[dict]:
    """Every completed response as a QuestionnaireResponse, streamed row by row.

    Keyed by the research id, never the participant id; identifying items are left out;
    participants who withdrew with "no further use of my data" (tier 2, 3) are left out, and
    so are those a "pause data use" re-consent campaign is still waiting for.
    """

    responses = (
        SurveyResponse.objects.filter(status=ResponseStatus.COMPLETED)
        .exclude(participant__withdrawal_tier__gte=WithdrawalTier.NO_FURTHER_USE)
        .exclude(participant__in=paused_participant_ids())
        .select_related("version", "participant")
        .only(
            "public_id",
            "answers",
            "completed",
            "language",
            "survey_code",
            "version__sha256",
            "version__definition",
            "participant__research_id",
        )
        .order_by("pk")
    )
    if survey:
        responses = responses.filter(survey_code=survey)
    for response in responses.iterator(chunk_size=500):
        yield questionnaire_response(
            response.version.parsed(),
            response.answers,
            response_id=str(response.public_id),
            subject_reference=f"ResearchSubject/{response.participant.research_id}",
            authored=response.completed,
            status="completed",
            language=response.language,
        )


class Command(BaseCommand):
    help = "Writes every completed survey response as a FHIR R4 QuestionnaireResponse (NDJSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--survey", help="Only this survey code.")

    def handle(self, *args, output: str | None = None, survey: str | None = None, **options):
        resources = completed_responses(survey)
        if output:
            with open(output, "w", encoding="utf-8") as out:
                count = write_ndjson(resources, out)
        else:
            self.stdout.ending = ""  # write_ndjson ends each line itself
            count = write_ndjson(resources, self.stdout)
        audit_record(
            action="survey.fhir_export_bulk", data={"count": count, "survey": survey or ""}
        )
        self.stderr.write(f"Exported {count} survey responses.")

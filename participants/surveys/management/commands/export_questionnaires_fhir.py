from django.core.management.base import BaseCommand

from participants.surveys.fhir import questionnaire_from_definition, write_ndjson
from participants.surveys.models import SurveyVersion, VersionStatus


class Command(BaseCommand):
    help = (
        "Writes every published survey version as a FHIR R4 Questionnaire (NDJSON), one per "
        "version and language."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--language", help="Only this language (default: every one).")

    def handle(self, *args, output: str | None = None, language: str | None = None, **options):
        def resources():
            versions = SurveyVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by(
                "code", "published_at", "id"
            )
            for version in versions.iterator(chunk_size=50):
                definition = version.parsed()
                for lang in definition.languages:
                    if language is None or lang == language:
                        resource = questionnaire_from_definition(definition, lang)
                        # One resource per language: ids must differ (the url|version is shared).
                        resource["id"] = f"{resource['id'][:60]}-{lang}"
                        yield resource

        if output:
            with open(output, "w", encoding="utf-8") as out:
                count = write_ndjson(resources(), out)
        else:
            self.stdout.ending = ""  # write_ndjson ends each line itself
            count = write_ndjson(resources(), self.stdout)
        self.stderr.write(f"Exported {count} questionnaires.")

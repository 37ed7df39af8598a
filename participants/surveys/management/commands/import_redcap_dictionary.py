import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from participants.surveys.redcap import import_redcap_file, import_summary
from participants.surveys.services import survey_version_store


class Command(BaseCommand):
    help = (
        "Converts a REDCap data dictionary (CSV) into survey definitions, one per form, and "
        "stores them as draft versions (preview them under /staff/surveys/). Every row "
        "becomes an item or is listed as unconverted with its line and reason."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Convert and report only.")
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"surveys": [{"code", "items", "pages"}], "unconverted": [...]} only.',
        )
        parser.add_argument(
            "--survey-version", default="1", help="Version given to every imported survey."
        )

    def handle(self, *args, path: Path, dry_run: bool, json: bool, survey_version: str, **opts):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        result = import_redcap_file(path, version=survey_version)
        summary = import_summary(result)
        stored = []
        if not dry_run:
            for definition in result.surveys:
                outcome = survey_version_store(
                    definition=definition,
                    source=f"redcap:{path.name}",
                    actor=None,
                    publish=False,
                )
                stored.append(outcome)
        if json:
            self.stdout.write(
                _dumps({"surveys": summary["surveys"], "unconverted": summary["unconverted"]})
            )
            return
        for survey in summary["surveys"]:
            self.stdout.write(
                f"{survey['code']}: {survey['items']} items on {survey['pages']} pages"
            )
        for outcome in stored:
            self.stdout.write(
                f"  stored {outcome.version.code} {outcome.version.version} as "
                f"{outcome.version.status} ({outcome.outcome})"
            )
        self.stdout.write(f"{summary['rows']} rows read")
        for row in summary["unconverted"]:
            self.stdout.write(f"  unconverted line {row['line']} {row['field']}: {row['reason']}")
        for row in summary["warnings"]:
            self.stdout.write(f"  warning line {row['line']} {row['field']}: {row['reason']}")
        if dry_run:
            self.stdout.write("Dry run: nothing stored.")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)

"""python manage.py load_knowledge_base [--clinvar RELEASE.json] [--reinterpret] [--not-current]"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from results.engine.clinvar import ClinVarFormatError
from results.releases import knowledge_base_release_register
from results.services.reinterpretation import reinterpretation_start


class Command(BaseCommand):
    help = (
        "Register the knowledge base in results/engine/knowledge/ (+ a ClinVar release file from "
        "load_clinvar) as the current release; --reinterpret queues every sample for it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinvar", default=None, help="a clinvar-YYYY-MM.json release file")
        parser.add_argument("--reinterpret", action="store_true")
        parser.add_argument("--not-current", action="store_true")
        parser.add_argument("--batch-size", type=int, default=25)

    def handle(self, *args: object, **options: object) -> None:
        try:
            release, created = knowledge_base_release_register(
                clinvar_path=options["clinvar"], make_current=not options["not_current"]
            )
        except (OSError, ValueError, KeyError, ClinVarFormatError) as error:
            raise CommandError(f"cannot read the ClinVar release: {error}") from error
        verb = "registered" if created else "already registered"
        self.stdout.write(
            f"{release.release} {verb} (ClinVar {release.clinvar_release or 'none'}, "
            f"{release.clinvar_records} records){'; current' if release.is_current else ''}"
        )
        if options["reinterpret"]:
            queued = reinterpretation_start(release=release, batch_size=int(options["batch_size"]))
            self.stdout.write(f"{queued} samples queued for re-interpretation")

"""python manage.py interpret_vcf PATH [--sample ID] [--sex SEX] [--clinvar FILE] [--json]"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from results.engine.interpretation import interpret_vcf
from results.engine.vcf_intake import VcfIntakeError


class Command(BaseCommand):
    help = "Interpret a GRCh38 VCF (PGx, disease risk, traits) and print the result as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--sample")
        parser.add_argument("--sex", choices=["male", "female"])
        parser.add_argument("--clinvar", help="ClinVar release file written by load_clinvar")
        parser.add_argument("--absent-is-reference", action="store_true")
        parser.add_argument("--json", action="store_true", help="compact JSON (default: indented)")

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = interpret_vcf(
                str(options["path"]),
                sample=options["sample"],  # type: ignore[arg-type]
                sex=options["sex"],  # type: ignore[arg-type]
                clinvar=options["clinvar"],  # type: ignore[arg-type]
                absent_is_reference=bool(options["absent_is_reference"]),
            )
        except (VcfIntakeError, OSError, ValueError) as error:
            raise CommandError(str(error).splitlines()[0] if str(error) else repr(error)) from error
        self.stdout.write(json.dumps(result, indent=None if options["json"] else 2))

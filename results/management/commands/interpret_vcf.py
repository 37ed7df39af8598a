"""python manage.py interpret_vcf PATH [--sample ID] [--sex male|female] [--outside-calls FILE]
[--clinvar FILE] [--lab-attested] [--wgs] [--array VCF] [--json]

Without --clinvar the newest loaded ClinVar release is used (the current knowledge-base release,
else the newest file `load_clinvar` wrote); with none loaded, disease risk is "not determined"
and the output says so. A wrong build or an unreadable file exits non-zero with one clear line.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from results.engine.interpretation import interpret_vcf
from results.engine.outside_calls import OutsideCallError
from results.engine.vcf_intake import VcfIntakeError
from results.releases import newest_clinvar


class Command(BaseCommand):
    help = "Interpret a GRCh38 VCF or gVCF (QC, PGx, disease risk, traits) and print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--sample")
        parser.add_argument("--sex", choices=["male", "female"])
        parser.add_argument(
            "--clinvar", help="ClinVar release file (default: the newest loaded release)"
        )
        parser.add_argument(
            "--outside-calls", help="PharmCAT outside-call TSV (CYP2D6, HLA-A, HLA-B, MT-RNR1...)"
        )
        parser.add_argument(
            "--lab-attested",
            "--absent-is-reference",
            dest="lab_attested",
            action="store_true",
            help="the lab attests absent positions are reference for its validated pipeline",
        )
        parser.add_argument("--wgs", action="store_true", help="declared a whole genome (QC)")
        parser.add_argument("--array", help="array genotype VCF of the same person (identity QC)")
        parser.add_argument("--json", action="store_true", help="compact JSON (default: indented)")

    def handle(self, *args: object, **options: object) -> None:
        clinvar = options["clinvar"] or newest_clinvar()
        try:
            result = interpret_vcf(
                str(options["path"]),
                sample=options["sample"],  # type: ignore[arg-type]
                sex=options["sex"],  # type: ignore[arg-type]
                clinvar=clinvar,  # type: ignore[arg-type]
                absent_is_reference=bool(options["lab_attested"]),
                outside_calls=options["outside_calls"],  # type: ignore[arg-type]
                declared_wgs=bool(options["wgs"]),
                array_genotypes=options["array"],  # type: ignore[arg-type]
            )
        except (VcfIntakeError, OutsideCallError, OSError, ValueError) as error:
            text = " ".join(str(error).split()) or repr(error)
            raise CommandError(text) from error
        if options["clinvar"] is None and clinvar is not None and isinstance(clinvar, Path):
            self.stderr.write(f"using the newest loaded ClinVar release ({clinvar.name})")
        self.stdout.write(json.dumps(result, indent=None if options["json"] else 2))

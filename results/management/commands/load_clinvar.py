"""python manage.py load_clinvar PATH --release YYYY-MM [--output-dir DIR] [--min-stars N]"""

import re
from pathlib import Path

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from results.engine.clinvar import ClinVarFormatError, load_clinvar, write_release
from results.releases import CLINVAR_FOLDER


class Command(BaseCommand):
    help = "Load ClinVar's GRCh38 VCF: keep P/LP in ACMG SF genes and write a release file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--release", required=True, help="YYYY-MM")
        parser.add_argument("--output-dir", default=None)
        parser.add_argument("--min-stars", type=int, default=1)
        parser.add_argument("--allow-conflicts", action="store_true")
        parser.add_argument("--acmg-version", default="3.2")

    def handle(self, *args: object, **options: object) -> None:
        release = str(options["release"])
        if not re.fullmatch(r"\d{4}-\d{2}", release):
            raise CommandError("--release must look like YYYY-MM")
        # Private storage, where `interpret_vcf` and the workflow look for the newest release
        # (it used to go under MEDIA_ROOT, where nothing read it).
        output = options["output_dir"] or Path(storages["private"].path(CLINVAR_FOLDER))
        try:
            records = load_clinvar(
                str(options["path"]),
                acmg_version=str(options["acmg_version"]),
                min_stars=int(options["min_stars"]),  # type: ignore[call-overload]
                allow_conflicts=bool(options["allow_conflicts"]),
            )
        except (ClinVarFormatError, OSError, ValueError, EOFError) as error:
            raise CommandError(" ".join(str(error).split()) or repr(error)) from error
        path = write_release(records, directory=Path(str(output)), release=release)
        self.stdout.write(
            f"{len(records)} ClinVar records kept; release {release} written to {path}"
        )

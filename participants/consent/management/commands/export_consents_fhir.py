from django.core.management.base import BaseCommand

from participants.consent.fhir import write_ndjson
from participants.consent.models import ConsentRecord
from portal.audit import audit_record


class Command(BaseCommand):
    help = "Writes every consent record as a FHIR R4 Consent, one JSON per line (NDJSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--form", help="Only this form code (primary, ehr, gror, ...).")

    def handle(self, *args, output: str | None = None, form: str | None = None, **options):
        records = ConsentRecord.objects.select_related("version__form", "participant").order_by(
            "pk"
        )
        if form:
            records = records.filter(version__form__code=form)
        records = records.iterator(chunk_size=2000)
        if output:
            with open(output, "w", encoding="utf-8") as out:
                count = write_ndjson(records, out)
        else:
            count = write_ndjson(records, self.stdout)
        # An export of participant-level data is itself an event worth keeping.
        audit_record(action="consent.fhir_export_bulk", data={"count": count, "form": form or ""})
        self.stderr.write(f"Exported {count} consent records.")

"""The signed copy of a consent record as a tagged PDF (PDF/UA-1), in the language signed."""

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from participants.consent.models import ConsentRecord
from participants.consent.rendering import render_consent_text
from portal.context_processors import program_info

# Called with (record) just before each PDF is rendered. Empty in production; the
# fault-injection test installs a sleep here to kill a worker mid-render.
before_render_hooks: list[Callable[..., None]] = []


def consent_pdf_bytes(record: ConsentRecord) -> bytes:
    for hook in before_render_hooks:
        hook(record=record)
    version = record.version
    with translation.override(record.language):
        rendered = render_consent_text(version.text(record.language))
        html = render_to_string(
            "participants/consent/pdf.html",
            {
                "record": record,
                "version": version,
                "form_title": rendered.title or version.form.title(record.language),
                "body": rendered.body,
                "decision_label": record.get_decision_display(),
                "participant_id": record.participant.participant_id,
                "language": record.language,
                "program": program_info(),
            },
        )
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")

"""PDFs made on demand and never stored (they carry an address): the participant's visit
letter and the biobank's packing slip with its label. One page each, rendered in the
request like the results letters; nothing is written to disk."""

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from participants.kits.barcodes import code128_svg
from participants.kits.models import Kit


def _pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def visit_letter_pdf(kit: Kit, *, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(
            "kits/visit_letter_pdf.html",
            {"kit": kit, "site": kit.partner_site, "language": language,
             "barcode_svg": code128_svg(kit.barcode),
             "hours": kit.partner_site.hours(language) if kit.partner_site else ""},
        )  # fmt: skip
    return _pdf(html)


def packing_slip_pdf(kit: Kit) -> bytes:
    participant = kit.participant
    html = render_to_string(
        "kits/packing_slip_pdf.html",
        {"kit": kit, "name": f"{participant.legal_first_name or ''} "
         f"{participant.legal_last_name or ''}".strip(),
         "barcode_svg": code128_svg(kit.barcode),
         "language": participant.preferred_language},
    )  # fmt: skip
    return _pdf(html)

"""What a report says: plain language first, then the details.

``build_report_context`` (here) turns one interpretation (see docs/interpretation.md) into a plain
dict of strings, lists and dates, already translated into the report's language, that the
HTML page, the PDF and the letters render. Nothing here touches the database.

The ``reference`` part of the context depends only on (report type, knowledge-base release,
language): the PDF renderer lays it out once and reuses it for every participant
(see pdf.py and docs/reports.md), so nothing participant-specific may go in it.


One module per report type (``pgx``, ``disease_risk``, ``traits``) fills the context with
what that type says; ``common`` holds the pieces they share (provenance, the knowledge
base, summaries); ``reference`` holds the participant-free reference part. A new report
type: a module with ``build(context, interpretation)`` (fills ``context`` in place), an
entry in ``BUILDERS`` and in ``REPORT_TYPES``, and its branches in ``reference``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.utils import formats, translation

from .. import genes as genes_module
from . import disease_risk, pgx, traits
from .common import _knowledge_base, _provenance, _sample_limitations
from .reference import build_reference_context

REPORT_TYPES = ("pgx", "disease_risk", "traits")

DEFAULT_COUNSELLING_CONTACT = {
    "name": "Genetic Counseling Service",
    "phone": "1-800-555-0142",
    "email": "genetic-counseling@example.org",
    "hours": "Monday to Friday, 9 am to 5 pm Eastern",
}


def counselling_contact() -> dict[str, str]:
    contact = dict(DEFAULT_COUNSELLING_CONTACT)
    contact.update(getattr(settings, "RESULTS_COUNSELLING_CONTACT", None) or {})
    return {key: str(value) for key, value in contact.items()}


def build_report_context(
    *,
    report_type: str,
    interpretation: dict[str, Any],
    language: str,
    participant_id: str,
    released_on: date | None,
    report_version: int,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a report shows, translated into ``language``.

    ``released_on`` None means the report is a draft (not yet released to the participant);
    the documents then say so. Only ``participant_id`` identifies the person: the sample id
    inside ``interpretation`` is never copied into the context. ``provenance`` is what the
    sample manifest said about the laboratory (`lab_name`, `clia_number`, `cap_number`,
    `absent_is_reference`, `sequencing`) and, for a confirmed positive, `confirmation`.
    """
    if report_type not in REPORT_TYPES:
        raise ValueError(f"unknown report type {report_type!r}")
    language = language.split("-")[0].lower()
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported report language {language!r}")
    interpretation = genes_module.harmonise(interpretation)
    knowledge = _knowledge_base(interpretation.get("knowledge_base") or {})
    with translation.override(language):
        context: dict[str, Any] = {
            "report_type": report_type,
            "language": language,
            "participant_id": str(participant_id),
            "report_version": int(report_version),
            "released_on": released_on,
            "released_on_display": (
                formats.date_format(released_on, "DATE_FORMAT") if released_on else ""
            ),
            "knowledge_base": knowledge,
            "counselling": counselling_contact(),
            "show_original_english": language != "en",
            "genes": [],
            "drugs": [],
            "findings": [],
            "traits": [],
            "is_positive": None,
            "guidance": [],
            "actionable_drugs": [],
            "usual_drugs": [],
        }
        builder = BUILDERS[report_type]
        builder(context, interpretation)
        context["provenance"] = _provenance(report_type, interpretation, provenance or {})
        context["sample_limitations"] = _sample_limitations(report_type, context, interpretation)
        context["reference"] = build_reference_context(
            report_type=report_type, knowledge_base=knowledge, language=language
        )
    return context


# What fills the context of each report type (one module each).
BUILDERS = {"pgx": pgx.build, "disease_risk": disease_risk.build, "traits": traits.build}

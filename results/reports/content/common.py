"""Pieces every report type shares: provenance, sample limitations, knowledge base, summaries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .. import labels


def _clinvar_release(interpretation: dict[str, Any]) -> str:
    scope = interpretation.get("disease_risk_scope") or {}
    kb_raw = interpretation.get("knowledge_base") or {}
    return str(scope.get("clinvar_release") or kb_raw.get("clinvar_release") or "")


def _provenance(
    report_type: str, interpretation: dict[str, Any], given: dict[str, Any]
) -> dict[str, Any]:
    """Who sequenced the sample and how it was read: printed on every report."""
    callability = interpretation.get("callability") or {}
    attested = bool(given.get("absent_is_reference") or callability.get("lab_attested"))
    sequencing = str(given.get("sequencing") or "")
    method = {
        "pgx": _(
            "Star alleles were found by a named-allele matcher following PharmCAT's published "
            "method and allele definitions (our own software, not PharmCAT itself). Medicine "
            "advice comes from CPIC guidelines."
        ),
        "disease_risk": _(
            "We looked for harmful changes listed in ClinVar (pathogenic or likely pathogenic, "
            "at least one review star) in the ACMG secondary-findings genes. Malignant "
            "hyperthermia changes come from CPIC's list of causative variants, not from "
            "ClinVar."
        ),
        "traits": _("We read a few single DNA positions linked to everyday traits."),
    }[report_type]
    confirmation = given.get("confirmation") or {}
    return {
        "lab_name": str(given.get("lab_name") or ""),
        "clia_number": str(given.get("clia_number") or ""),
        "cap_number": str(given.get("cap_number") or ""),
        "sequencing": {
            "wgs": _("whole genome"),
            "exome": _("exome"),
            "targeted": _("targeted panel"),
            "": _("not stated by the lab"),
        }.get(sequencing, sequencing),
        "callability": (
            _(
                "The lab confirmed that positions with no change listed in your data were read "
                "and match the reference."
            )
            if attested
            else (
                _("Reference was read from the lab's gVCF blocks, with their quality checked.")
                if callability.get("mode") == "gvcf"
                else _("A position counts as read only when your data shows it.")
            )
        ),
        "method": method,
        "clinvar_release": _clinvar_release(interpretation),
        "confirmation": {k: str(v) for k, v in confirmation.items() if v},
    }


def _sample_limitations(
    report_type: str, context: dict[str, Any], interpretation: dict[str, Any]
) -> list[str]:
    """Limits that apply to this sample (the reference pages hold the general ones)."""
    limits: list[str] = []
    if report_type == "pgx":
        for g in context["genes"]:
            if g["status"] == labels.NOT_DETERMINED:
                limits.append(f"{g['gene']}: {g['plain']}")
        pgx = interpretation.get("pgx") or {}
        if (pgx.get("CYP2D6") or {}).get("source") != "outside_call":
            limits.append(
                _(
                    "CYP2D6 was read from small changes only. Missing or extra copies of the "
                    "gene cannot be seen without a separate test."
                )
            )
        if (pgx.get("HLA-B") or {}).get("source") != "outside_call":
            limits.append(_("HLA genes were not tested. They need a separate test from the lab."))
    elif report_type == "traits":
        unread = [t["name"] for t in context["traits"] if t["status"] != labels.TYPICAL]
        if unread:
            limits.append(_("Could not be read: %(traits)s.") % {"traits": ", ".join(unread)})
    return limits


def _knowledge_base(raw: dict[str, Any]) -> dict[str, Any]:
    sources = [
        {
            "name": str(source.get("name") or ""),
            "version": str(source.get("version") or ""),
            "license": str(source.get("license") or ""),
        }
        for source in raw.get("sources") or []
    ]
    return {
        "name": str(raw.get("name") or ""),
        "date": str(raw.get("date") or ""),
        "release": str(raw.get("release") or ""),
        "sources": sources,
    }


def _label(mapping: dict[str, Any], value: str | None) -> str:
    if value is None:
        return ""
    return str(mapping.get(value, value))


def _summary(*, found, means, not_mean, next_steps) -> dict[str, list[str]]:
    return {"found": found, "means": means, "not_mean": not_mean, "next_steps": next_steps}


def _research_step() -> str:
    return _(
        "This is a research result. Before any medical decision, your doctor must confirm it "
        "with a clinical test."
    )

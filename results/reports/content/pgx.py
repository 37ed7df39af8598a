"""What a pharmacogenomics (PGx) report says."""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any

from django.utils.translation import gettext as _

from .. import genes as genes_module
from .. import labels, wording
from .common import _label, _research_step, _summary

# Genes whose reference call reads "*1/*1"-like but whose phenotype is "Indeterminate" only
# because CPIC assigns none (CYP4F2): a reference-only diplotype is then typical, not unknown.
_REFERENCE_ALLELE = re.compile(r"^(\*1|Reference|.* reference \(.\)|B \(reference\))$")


# Genes whose changed result the release policy treats as high-risk (listed first).
_POLICY_GENES = frozenset({"DPYD", "TPMT", "NUDT15", "G6PD", "RYR1", "CACNA1S", "CYP2C19", "HLA-B"})


def _gene_status(
    gene: str, diplotypes: list[str], phenotype: str | None, engine_status: str | None = None
) -> str:
    if engine_status == "not_determined" or (not diplotypes and engine_status != "outside_call"):
        return labels.NOT_DETERMINED
    if phenotype in (None, "", "Indeterminate", "G6PD Indeterminate"):
        alleles = [a for d in diplotypes for a in d.split("/")]
        if len(diplotypes) == 1 and all(_REFERENCE_ALLELE.match(a) for a in alleles):
            return labels.TYPICAL
        return labels.NOT_DETERMINED
    if gene == "CYP3A5":
        # Non-expressers (*3/*3) are the common, "usual dose" group for tacrolimus.
        return labels.TYPICAL if phenotype == "Poor Metabolizer" else labels.CHANGED
    if phenotype in labels.TYPICAL_PHENOTYPES or phenotype.endswith(" negative"):
        return labels.TYPICAL
    return labels.CHANGED


def _plain_class(phenotype: str | None) -> str:
    phenotype = phenotype or ""
    if phenotype.endswith(" positive"):
        return "hla_positive"
    if phenotype.endswith(" negative"):
        return "hla_negative"
    return wording.PHENOTYPE_CLASS.get(phenotype, "other")


def _hla_label(phenotype: str | None) -> str:
    """HLA results read "*57:01 positive" / "*57:01 negative": the allele stays, the word is
    translated."""
    allele, _sep, word = (phenotype or "").rpartition(" ")
    if not allele.startswith("*"):
        return ""
    if word == "positive":
        return _("%(allele)s present") % {"allele": allele}
    if word == "negative":
        return _("%(allele)s not present") % {"allele": allele}
    return ""


def _alternatives(diplotypes: list[str], limit: int = 8) -> tuple[list[str], int]:
    return diplotypes[:limit], max(0, len(diplotypes) - limit)


def _split_other_considerations(text: str) -> tuple[str, str]:
    text = html.unescape(text or "").strip()
    head, _sep, tail = text.partition(" Other Considerations ")
    return head.strip(), tail.strip()


def _drug_action(text: str, classification: str | None, any_changed: bool) -> str:
    lowered = text.lower()
    if classification == "No recommendation" or lowered.startswith(
        ("no recommendation", "insufficient evidence")
    ):
        return "none"
    usual = any(
        phrase in lowered
        for phrase in (
            "no need to avoid",
            "no indication to change",
            "label recommended",
            "label-recommended",
            "standard dosing",
            "standard of care dosing",
            "standard recommended dose",
            "standard starting daily dose",
            "normal starting dose",
            "desired starting dose",
        )
    )
    if not usual and ("avoid" in lowered or "alternative" in lowered):
        return "avoid"
    if re.search(r"reduc|lower|≤|50% of|decrease", lowered):
        return "lower"
    if usual or lowered.startswith("initiate therapy with recommended starting dose"):
        return "usual_despite" if any_changed else "usual"
    if re.search(r"increase|higher dose", lowered):
        return "higher"
    if "monitor" in lowered or "guide" in lowered:
        return "monitor"
    return "different"


def build(context: dict[str, Any], interpretation: dict[str, Any]) -> None:
    pgx = interpretation.get("pgx") or {}
    genes: list[dict[str, Any]] = []
    status_by_gene: dict[str, str] = {}
    for gene in sorted(pgx):
        call = pgx[gene] or {}
        diplotypes = [str(d) for d in call.get("diplotypes") or []]
        phenotype = call.get("phenotype")
        engine_status = call.get("status")
        status = _gene_status(gene, diplotypes, phenotype, engine_status)
        status_by_gene[gene] = status
        meaning = labels.PHENOTYPE_MEANINGS.get(phenotype or "")
        if status == labels.NOT_DETERMINED or meaning is None:
            meaning = labels.MEANING_UNKNOWN if status == labels.NOT_DETERMINED else ""
        activity = call.get("activity_score")
        shown, more = _alternatives(diplotypes)
        reason_code = call.get("reason_code")
        if status == labels.NOT_DETERMINED:
            plain = str(wording.REASONS.get(reason_code) or wording.REASONS[None])
            display = (
                _("not tested") if reason_code == "needs_outside_call" else _("could not be read")
            )
        else:
            plain = str(wording.PLAIN[_plain_class(phenotype)])
            if len(diplotypes) > 1:
                display = str(wording.MORE_THAN_ONE)
                plain = f"{plain} {wording.MORE_THAN_ONE_SAME}"
            else:
                display = (
                    diplotypes[0] if diplotypes else _label(labels.PHENOTYPE_LABELS, phenotype)
                )
        genes.append(
            {
                "gene": gene,
                "diplotypes": diplotypes,
                "diplotype_display": (
                    f" {_('or')} ".join(shown)
                    + (f" {_('(and %(n)d more)') % {'n': more}}" if more else "")
                )
                or _("not determined"),
                "display": display,
                "phenotype": phenotype or "",
                "phenotype_label": _hla_label(phenotype)
                or _label(labels.PHENOTYPE_LABELS, phenotype)
                or _("not determined"),
                "meaning": str(meaning),
                "plain": plain,
                "medicines": str(wording.MEDICINES.get(gene, "")),
                "activity_score": "" if activity in (None, "") else str(activity),
                "status": status,
                "status_label": str(labels.STATUS_LABELS[status]),
                "reason_code": str(reason_code or ""),
                "reason_en": str(call.get("reason") or ""),
                "notes": [str(n) for n in call.get("notes") or []],
                "missing_positions": [str(p) for p in call.get("missing_positions") or []],
                "match_score": "" if call.get("match_score") is None else str(call["match_score"]),
                "tested_alleles": [str(a) for a in call.get("tested_alleles") or []],
                "untested_alleles": [str(a) for a in call.get("untested_alleles") or []],
                "source": str(call.get("source") or "vcf"),
                "outside_call_tool": str(call.get("outside_call_tool") or ""),
                "todo": [],
                "description": _label(labels.GENE_DESCRIPTIONS, gene),
            }
        )
    context["genes"] = genes
    context["untested_any"] = any(g["untested_alleles"] for g in genes)

    drugs: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for gene in sorted(pgx):
        for rec in (pgx[gene] or {}).get("recommendations") or []:
            lookup = rec.get("lookup") or {}
            key = (
                rec.get("guideline"),
                tuple(rec.get("drugs") or ()),
                rec.get("population"),
                tuple(sorted(lookup.items())),
            )
            if key in seen:  # a two-gene guideline is attached to each of its genes
                continue
            seen.add(key)
            rec_genes = [str(g) for g in rec.get("genes") or [gene]]
            any_changed = any(status_by_gene.get(g) == labels.CHANGED for g in rec_genes)
            text, other = _split_other_considerations(str(rec.get("recommendation") or ""))
            classification = rec.get("classification")
            action = _drug_action(text, classification, any_changed)
            drugs.append(
                {
                    "drugs": [str(d) for d in rec.get("drugs") or []],
                    "drug_display": ", ".join(str(d) for d in rec.get("drugs") or []),
                    "genes": rec_genes,
                    "gene_display": ", ".join(rec_genes),
                    "lookup_display": "; ".join(
                        f"{g}: {_label(labels.PHENOTYPE_LABELS, v)}"
                        for g, v in sorted(lookup.items())
                    ),
                    "population": str(rec.get("population") or ""),
                    "classification": str(classification or ""),
                    "classification_label": _label(labels.CLASSIFICATION_LABELS, classification),
                    "action": action,
                    "action_text": str(labels.DRUG_ACTION_TEXT[action]),
                    "actionable": any_changed and action not in ("usual", "usual_despite", "none"),
                    "recommendation_en": text,
                    "other_considerations_en": other,
                    "implications_en": [
                        html.unescape(str(i)) for i in rec.get("implications") or []
                    ],
                    "guideline": str(rec.get("guideline") or ""),
                    "url": str(rec.get("url") or ""),
                }
            )
    drugs.sort(key=lambda d: (not d["actionable"], d["drug_display"], d["population"]))
    context["drugs"] = drugs
    context["actionable_drugs"] = [d for d in drugs if d["actionable"]]
    context["usual_drugs"] = sorted(
        {d["drug_display"] for d in drugs if not d["actionable"]}
        - {d["drug_display"] for d in drugs if d["actionable"]}
    )
    context["guidance"] = _guidance_sections(genes, drugs, context)

    changed = [g for g in genes if g["status"] == labels.CHANGED]
    typical = [g for g in genes if g["status"] == labels.TYPICAL]
    unknown = [g for g in genes if g["status"] == labels.NOT_DETERMINED]
    actionable_genes = {g for d in context["actionable_drugs"] for g in d["genes"]}
    for g in changed:
        if g["gene"] in genes_module.MHS_GENES:
            g["todo"] = [str(t) for t in wording.TODO_MHS]
        elif g["gene"] == "G6PD":
            g["todo"] = [str(wording.TODO_G6PD)]
        elif g["gene"] in actionable_genes or g["gene"] in _POLICY_GENES:
            g["todo"] = [str(wording.TODO_BEFORE) % {"medicines": g["medicines"]}]
        else:
            g["todo"] = [str(wording.TODO_KEEP)]
    # Results that may change a medicine: the high-risk ones first.
    changed.sort(key=lambda g: (g["gene"] not in _POLICY_GENES, g["gene"]))
    context["groups"] = [
        {"key": "action", "title": str(wording.GROUP_ACTION), "genes": changed},
        {"key": "typical", "title": str(wording.GROUP_TYPICAL), "genes": typical},
        {"key": "unread", "title": str(wording.GROUP_UNREAD), "genes": unknown},
    ]
    found = [
        _(
            "We looked at %(n)d genes that change how your body handles medicines. "
            "%(changed)d may change a medicine, %(typical)d are typical and %(unknown)d were "
            "not tested or could not be read."
        )
        % {
            "n": len(genes),
            "changed": len(changed),
            "typical": len(typical),
            "unknown": len(unknown),
        }
    ]
    means = [f"{g['gene']}: {g['plain']}" for g in changed]
    if not changed:
        means.append(_("None of your results suggests a change to a medicine."))
    context["summary"] = _summary(
        found=found,
        means=means,
        not_mean=[
            _("It does not mean that you are sick or that you will get sick."),
            _("Do not stop or change any medicine on your own."),
            _(
                "A typical result does not promise that a medicine is safe for you. Age, "
                "weight and other medicines matter too."
            ),
        ],
        next_steps=[
            _(
                "Keep this report. Show it to your doctor or pharmacist before you start a new "
                "medicine."
            ),
            _research_step(),
        ],
    )
    context["title"] = _("Medicines and your DNA")
    context["chart"] = {
        "title": _("Genes we checked and what we found"),
        "description": _(
            "One row per gene: a circle means typical, a triangle means changed, a square "
            "with a question mark means not determined."
        ),
        "rows": [
            {"label": g["gene"], "status": g["status"], "status_label": g["status_label"]}
            for g in genes
        ],
    }


def _guidance_sections(
    genes: list[dict[str, Any]], drugs: list[dict[str, Any]], context: dict[str, Any]
) -> list[dict[str, Any]]:
    """The CPIC texts, one section per changed gene.

    A section holds phenotype-level facts only (never the diplotype or the participant), so
    everyone with the same phenotypes gets an identical section: ``key`` is a hash of its
    content, and pdf.py lays each distinct section out once.
    """
    by_gene = {g["gene"]: g for g in genes}
    sections: dict[str, dict[str, Any]] = {}
    for drug in drugs:
        if not drug["actionable"]:
            continue
        owner = next(
            (
                g
                for g in sorted(drug["genes"])
                if by_gene.get(g, {}).get("status") == labels.CHANGED
            ),
            None,
        )
        if owner is None:
            continue
        gene = by_gene[owner]
        section = sections.setdefault(
            owner,
            {
                "gene": owner,
                "heading": _("Guidance for your %(gene)s result") % {"gene": owner},
                "phenotype_label": gene["phenotype_label"],
                "activity_score": gene["activity_score"],
                "meaning": gene["meaning"],
                "description": gene["description"],
                "drugs": [],
            },
        )
        section["drugs"].append(drug)
    result = []
    for owner in sorted(sections):
        section = sections[owner]
        digest = hashlib.sha256(
            json.dumps(
                [context["knowledge_base"]["release"], context["language"], section],
                sort_keys=True,
            ).encode()
        ).hexdigest()
        section["key"] = digest
        result.append(section)
    return result

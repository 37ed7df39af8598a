"""What a report says: plain language first, then the details.

``build_report_context`` turns one interpretation (see docs/interpretation.md) into a plain
dict of strings, lists and dates, already translated into the report's language, that the
HTML page, the PDF and the letters render. Nothing here touches the database.

The ``reference`` part of the context depends only on (report type, knowledge-base release,
language): the PDF renderer lays it out once and reuses it for every participant
(see pdf.py and docs/reports.md), so nothing participant-specific may go in it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from results.engine import knowledge_base as kb

from . import genes as genes_module
from . import labels, wording

REPORT_TYPES = ("pgx", "disease_risk", "traits")

DEFAULT_COUNSELLING_CONTACT = {
    "name": "Genetic Counseling Service",
    "phone": "1-800-555-0142",
    "email": "genetic-counseling@example.org",
    "hours": "Monday to Friday, 9 am to 5 pm Eastern",
}

# Genes whose reference call reads "*1/*1"-like but whose phenotype is "Indeterminate" only
# because CPIC assigns none (CYP4F2): a reference-only diplotype is then typical, not unknown.
_REFERENCE_ALLELE = re.compile(r"^(\*1|Reference|.* reference \(.\)|B \(reference\))$")


# Genes whose changed result the release policy treats as high-risk (listed first).
_POLICY_GENES = frozenset({"DPYD", "TPMT", "NUDT15", "G6PD", "RYR1", "CACNA1S", "CYP2C19", "HLA-B"})


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
        builder = {"pgx": _pgx, "disease_risk": _disease_risk, "traits": _traits}[report_type]
        builder(context, interpretation)
        context["provenance"] = _provenance(report_type, interpretation, provenance or {})
        context["sample_limitations"] = _sample_limitations(report_type, context, interpretation)
        context["reference"] = build_reference_context(
            report_type=report_type, knowledge_base=knowledge, language=language
        )
    return context


# --------------------------------------------------------------------------- shared pieces
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


# --------------------------------------------------------------------------- PGx
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


def _pgx(context: dict[str, Any], interpretation: dict[str, Any]) -> None:
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


# --------------------------------------------------------------------------- disease risk
def _disease_risk(context: dict[str, Any], interpretation: dict[str, Any]) -> None:
    findings = []
    for item in interpretation.get("disease_risk") or []:
        classification = str(item.get("classification") or "")
        base_class = classification.split(" (")[0]
        findings.append(
            {
                "gene": str(item.get("gene") or ""),
                "hgvs": str(item.get("hgvs") or ""),
                "variant": str(item.get("variant") or ""),
                "zygosity": str(item.get("zygosity") or ""),
                "zygosity_label": _label(labels.ZYGOSITY_LABELS, item.get("zygosity")),
                "classification": classification,
                "classification_label": _label(labels.VARIANT_CLASS_LABELS, base_class),
                "review_status": str(item.get("review_status") or ""),
                "stars": item.get("stars"),
                "condition": str(item.get("condition") or ""),
                "clinvar_id": str(item.get("clinvar_id") or ""),
                "rule": str(item.get("rule") or ""),
                "source": str(item.get("source") or "clinvar"),
                "source_label": (
                    _("CPIC list of malignant hyperthermia variants")
                    if item.get("source") == "cpic_mhs"
                    else _("ClinVar")
                ),
                "qc": str(item.get("qc") or "pass"),
            }
        )
    # A call that failed the site checks is never a positive by itself (it is held for QC).
    context["unconfirmed_findings"] = [f for f in findings if f["qc"] != "pass"]
    findings = [f for f in findings if f["qc"] == "pass"]
    context["findings"] = findings
    positive = bool(findings)
    context["is_positive"] = positive
    scope = interpretation.get("disease_risk_scope") or {}
    determined = scope.get("status", "determined") == "determined"
    context["scope_determined"] = determined
    if determined:
        examined = sorted(scope.get("genes_examined") or kb.acmg_genes())
    else:
        # No ClinVar release (or no callability): only the finding itself can be stated.
        examined = sorted({f["gene"] for f in findings})
    context["genes_examined"] = examined
    context["acmg_version"] = str(scope.get("acmg_version") or "3.2")
    gene_count = len(examined)
    context["title"] = _("Your hereditary disease risk result")
    if positive:
        genes = sorted({f["gene"] for f in findings})
        found = [
            _(
                "We found a DNA change in the %(gene)s gene that is known to raise the risk of: "
                "%(condition)s."
            )
            % {"gene": f["gene"], "condition": f["condition"] or _("a hereditary condition")}
            for f in findings
        ]
        means = [
            _(
                "Your risk of this condition is higher than average. It does not mean that you "
                "have it or that you will get it for sure."
            ),
        ]
        specific: list[str] = []
        for gene in genes:
            for step in wording.POSITIVE_STEPS.get(gene, wording.POSITIVE_STEPS_GENERAL):
                if str(step) not in specific:
                    specific.append(str(step))
        next_steps = [*specific, *(str(s) for s in wording.POSITIVE_COMMON)]
        not_mean = [_("It does not mean that you have the disease now.")]
        if not determined:
            not_mean.append(
                _(
                    "Only the gene named here was checked for this report. The other genes on "
                    "the list were not examined, so this report says nothing about them."
                )
            )
        chart_rows = [
            {"label": g, "status": labels.CHANGED, "status_label": _("variant found")}
            for g in genes
        ]
    else:
        found = [
            ngettext(
                "We found no harmful change in the %(n)d gene we looked at.",
                "We found no harmful change in the %(n)d genes we looked at.",
                gene_count,
            )
            % {"n": gene_count}
        ]
        means = [str(s) for s in wording.NEGATIVE_RESIDUAL]
        not_mean = [
            _("A negative result does not mean that you have no risk."),
            _("Your family history still matters."),
        ]
        next_steps = [
            _("Keep having the check-ups and screening tests your doctor recommends."),
            _(
                "Tell your doctor about your family history: if cancer or heart disease runs "
                "in your family, you may still need extra care."
            ),
        ]
        genes = []
        chart_rows = []
    others = gene_count - len(genes)
    if others > 0:
        chart_rows.append(
            {
                "label": ngettext("%(n)d other gene", "%(n)d other genes", others) % {"n": others},
                "status": labels.TYPICAL,
                "status_label": _("nothing found"),
            }
        )
    context["summary"] = _summary(
        found=found, means=means, not_mean=not_mean, next_steps=next_steps
    )
    context["chart"] = {
        "title": _("Genes we checked and what we found"),
        "description": _(
            "A triangle means a variant was found in that gene; a circle means nothing was found."
        ),
        "rows": chart_rows,
    }


def _disease_risk_limits(gene_count: int) -> list[str]:
    return [
        ngettext(
            "We looked at %(n)d gene only, not at all genes.",
            "We looked at %(n)d genes only, not at all genes.",
            gene_count,
        )
        % {"n": gene_count},
        _(
            "Our test does not find all types of DNA changes: for example, large deletions or "
            "duplications, repeats and changes in hard-to-read parts of genes can be missed."
        ),
        _(
            "A negative result does not mean that you have no risk. Most cancer and heart "
            "disease is not caused by a single gene change."
        ),
        _(
            "Your family history still matters: tell your doctor if close relatives had cancer, "
            "heart disease or another condition, especially at a young age."
        ),
    ]


# --------------------------------------------------------------------------- traits
def _traits(context: dict[str, Any], interpretation: dict[str, Any]) -> None:
    rows = []
    raw = interpretation.get("traits") or {}
    # A fixed order (the catalogue's), so two reports always list traits the same way.
    order = {rsid: n for n, rsid in enumerate(labels.TRAIT_NAMES)}
    for rsid in sorted(raw, key=lambda r: (order.get(r, len(order)), r)):
        trait = raw[rsid] or {}
        status_raw = trait.get("status")
        status = labels.TYPICAL if status_raw == "called" else labels.NOT_DETERMINED
        count = trait.get("effect_allele_count")
        if status == labels.TYPICAL and count is not None:
            plain = ngettext(
                "You carry %(n)d copy of the variant linked to this trait.",
                "You carry %(n)d copies of the variant linked to this trait.",
                int(count),
            ) % {"n": int(count)}
        else:
            # Never a result: no genotype, no interpretation, only that it was not read.
            plain = str(wording.TRAIT_UNREAD_WHY)
        called = status == labels.TYPICAL
        rows.append(
            {
                "rsid": str(rsid),
                "name": _label(labels.TRAIT_NAMES, rsid) or str(rsid),
                "gene": str(trait.get("gene") or ""),
                "genotype": str(trait.get("genotype") or "") if called else "",
                "effect_allele": str(trait.get("effect_allele") or ""),
                "effect_allele_count": "" if count is None or not called else str(count),
                "interpretation_en": str(trait.get("interpretation") or "") if called else "",
                "status": status,
                "status_label": str(_("read") if called else wording.TRAIT_UNREAD),
                "plain": plain,
            }
        )
    context["traits"] = rows
    read = [r for r in rows if r["status"] == labels.TYPICAL]
    context["summary"] = _summary(
        found=[
            ngettext(
                "We looked at %(n)d DNA position linked to everyday traits.",
                "We looked at %(n)d DNA positions linked to everyday traits.",
                len(rows),
            )
            % {"n": len(rows)},
            ngettext("We could read %(n)d of them.", "We could read %(n)d of them.", len(read))
            % {"n": len(read)},
        ],
        means=[
            _(
                "These results are for interest only. They can be fun to compare with what "
                "you know about yourself."
            )
        ],
        not_mean=[
            _(
                "They are not medical results. Traits depend on many genes and on your "
                "environment, so your DNA does not decide them."
            )
        ],
        next_steps=[_("No action is needed.")],
    )
    context["title"] = _("Your DNA and everyday traits")
    context["chart"] = {
        "title": _("Trait positions we checked"),
        "description": _(
            "One row per DNA position: a circle means we read it, a square with a question "
            "mark means not determined."
        ),
        "rows": [
            {"label": r["name"], "status": r["status"], "status_label": r["status_label"]}
            for r in rows
        ],
    }


# --------------------------------------------------------------------------- reference part
def build_reference_context(
    *, report_type: str, knowledge_base: dict[str, Any], language: str
) -> dict[str, Any]:
    """The participant-independent pages: methods, limitations, catalogue, sources.

    Must depend only on its arguments: pdf.py caches their layout under exactly this key.
    """
    with translation.override(language):
        reference: dict[str, Any] = {
            "key": f"{report_type}|{knowledge_base.get('release', '')}|{language}",
            "report_type": report_type,
            "language": language,
            "knowledge_base": knowledge_base,
            "heading": _("Reference information"),
            "methods": _methods(report_type, knowledge_base),
            "limitations": _limitations(report_type),
            "glossary": _glossary(report_type),
            "catalogue": _catalogue(report_type),
        }
    return reference


def _methods(report_type: str, knowledge: dict[str, Any]) -> list[str]:
    common = [
        _(
            "We compared your DNA data with the human reference genome (GRCh38) and looked only "
            "at the positions listed in our knowledge base."
        ),
        _("Knowledge-base release used for this report: %(release)s.")
        % {"release": knowledge.get("release") or _("not recorded")},
    ]
    specific = {
        "pgx": [
            _(
                "Star alleles and diplotypes were found by a named-allele matcher following "
                "PharmCAT's published method, with PharmCAT's allele definitions. It is our own "
                "software, not PharmCAT itself. Phenotypes and activity scores come from "
                "PharmCAT, CPIC and pypgx tables."
            ),
            _(
                "Medicine guidance is the text of the Clinical Pharmacogenetics Implementation "
                "Consortium (CPIC) guidelines that match your phenotypes."
            ),
        ],
        "disease_risk": [
            _(
                "We looked for variants classified in ClinVar as pathogenic or likely "
                "pathogenic, with at least one review star and no conflicting "
                "interpretations, in the genes of the ACMG secondary-findings list (v3.2), "
                "applying each gene's reporting rule."
            ),
            _(
                "Malignant hyperthermia variants in RYR1 and CACNA1S come from CPIC's list of "
                "causative variants, not from ClinVar."
            ),
        ],
        "traits": [
            _("We read a small number of well-studied single DNA positions (SNPs)."),
        ],
    }[report_type]
    return [*common, *specific]


def _limitations(report_type: str) -> list[str]:
    research = _(
        "This is a research result, not a clinical test. It should be confirmed in a "
        "CLIA-certified laboratory before it is used for medical care."
    )
    if report_type == "pgx":
        return [
            _(
                "CYP2D6 was read from small DNA changes only (single-letter changes and small "
                "insertions or deletions). We cannot see copy-number changes: a missing copy "
                "of the gene (*5), extra copies, or CYP2D6/CYP2D7 hybrids. A result of *1/*1 "
                "may hide a missing copy, and extra copies (ultrarapid metabolism) are missed."
            ),
            _(
                "HLA-A and HLA-B are reported only from a separate HLA test by the lab (an "
                "outside call); without one, guidance for medicines that depend on them (for "
                "example abacavir or carbamazepine) is not included."
            ),
            _(
                "Rare or new variants that are not in the allele definitions can be missed; "
                "a gene may then look typical when it is not."
            ),
            _("G6PD is on the X chromosome; the result assumes the sex recorded for the analysis."),
            research,
        ]
    if report_type == "disease_risk":
        # Shown on positive and negative reports alike: nothing here may read as negative.
        return [*_disease_risk_limits(len(kb.acmg_genes()))[:2], research]
    return [
        _(
            "Trait results come from single DNA positions and are often wrong for an "
            "individual person. They are not medical results."
        ),
        _(
            "Some trait associations were found mostly in people of European or East Asian "
            "ancestry and predict less well in others."
        ),
    ]


def _glossary(report_type: str) -> list[dict[str, str]]:
    terms = [
        (_("Gene"), _("A section of DNA with the instructions for making one protein.")),
        (_("Variant"), _("A difference in the DNA letters compared with most people.")),
    ]
    if report_type == "pgx":
        terms += [
            (
                _("Star allele (*1, *2…)"),
                _("A name for a version of a gene. *1 is usually the typical version."),
            ),
            (
                _("Diplotype"),
                _("The two versions of a gene you carry, one from each parent, such as *1/*2."),
            ),
            (
                _("Phenotype"),
                _("What your two versions mean for how the gene works, such as Poor Metabolizer."),
            ),
            (
                _("Activity score"),
                _("A number for how well the gene works: 2 is typical, 0 means no activity."),
            ),
            (
                _("CPIC"),
                _("An international group of experts who write guidelines on medicines and genes."),
            ),
        ]
    elif report_type == "disease_risk":
        terms += [
            (
                _("Pathogenic"),
                _("A variant known to cause disease or to raise the risk of disease."),
            ),
            (
                _("Heterozygous"),
                _("The variant is on one of your two copies of the gene."),
            ),
            (
                _("Cascade testing"),
                _("Testing blood relatives for a variant already found in the family."),
            ),
        ]
    return [{"term": term, "definition": definition} for term, definition in terms]


def _catalogue(report_type: str) -> dict[str, Any]:
    if report_type == "pgx":
        return {
            "title": _("About the genes we checked"),
            "columns": [_("Gene"), _("What it does")],
            "rows": [[gene, _label(labels.GENE_DESCRIPTIONS, gene)] for gene in kb.PGX_GENES],
        }
    if report_type == "disease_risk":
        rows = [
            [gene.gene, gene.disease, gene.inheritance]
            for gene in sorted(kb.acmg_genes().values(), key=lambda g: g.gene)
        ]
        return {
            "title": _("The genes we looked at"),
            "note": _("Condition names are from the ACMG list and are shown in English."),
            "columns": [_("Gene"), _("Condition"), _("Inheritance")],
            "rows": rows,
        }
    return {
        "title": _("The trait positions we looked at"),
        "columns": [_("Position"), _("Gene"), _("Trait")],
        "rows": [
            [site.rsid, site.gene, _label(labels.TRAIT_NAMES, site.rsid)]
            for site in kb.trait_sites()
        ],
    }

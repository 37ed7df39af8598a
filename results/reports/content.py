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

from . import labels

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
) -> dict[str, Any]:
    """Everything a report shows, translated into ``language``.

    ``released_on`` None means the report is a draft (not yet released to the participant);
    the documents then say so. Only ``participant_id`` identifies the person: the sample id
    inside ``interpretation`` is never copied into the context.
    """
    if report_type not in REPORT_TYPES:
        raise ValueError(f"unknown report type {report_type!r}")
    language = language.split("-")[0].lower()
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported report language {language!r}")
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
        context["reference"] = build_reference_context(
            report_type=report_type, knowledge_base=knowledge, language=language
        )
    return context


# --------------------------------------------------------------------------- shared pieces
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
        "This is a research result. Before any medical decision, your doctor may order a "
        "clinical test to confirm it."
    )


# --------------------------------------------------------------------------- PGx
def _gene_status(gene: str, diplotypes: list[str], phenotype: str | None) -> str:
    if not diplotypes:
        return labels.NOT_DETERMINED
    if phenotype in (None, "", "Indeterminate", "G6PD Indeterminate"):
        alleles = [a for d in diplotypes for a in d.split("/")]
        if len(diplotypes) == 1 and all(_REFERENCE_ALLELE.match(a) for a in alleles):
            return labels.TYPICAL
        return labels.NOT_DETERMINED
    if gene == "CYP3A5":
        # Non-expressers (*3/*3) are the common, "usual dose" group for tacrolimus.
        return labels.TYPICAL if phenotype == "Poor Metabolizer" else labels.CHANGED
    return labels.TYPICAL if phenotype in labels.TYPICAL_PHENOTYPES else labels.CHANGED


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
        status = _gene_status(gene, diplotypes, phenotype)
        status_by_gene[gene] = status
        meaning = labels.PHENOTYPE_MEANINGS.get(phenotype or "")
        if status == labels.NOT_DETERMINED or meaning is None:
            meaning = labels.MEANING_UNKNOWN if status == labels.NOT_DETERMINED else ""
        activity = call.get("activity_score")
        genes.append(
            {
                "gene": gene,
                "diplotypes": diplotypes,
                "diplotype_display": (f" {_('or')} ".join(diplotypes)) or _("not determined"),
                "phenotype": phenotype or "",
                "phenotype_label": _label(labels.PHENOTYPE_LABELS, phenotype)
                or _("not determined"),
                "meaning": str(meaning),
                "activity_score": "" if activity in (None, "") else str(activity),
                "status": status,
                "status_label": str(labels.STATUS_LABELS[status]),
                "notes": [str(n) for n in call.get("notes") or []],
                "missing_positions": [str(p) for p in call.get("missing_positions") or []],
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
    found = [
        ngettext(
            "We checked %(n)d gene that affects how your body handles medicines.",
            "We checked %(n)d genes that affect how your body handles medicines.",
            len(genes),
        )
        % {"n": len(genes)}
    ]
    if changed:
        found.append(
            ngettext(
                "In %(n)d gene your result is changed, which can change how some medicines "
                "work for you: %(genes)s.",
                "In %(n)d genes your result is changed, which can change how some medicines "
                "work for you: %(genes)s.",
                len(changed),
            )
            % {"n": len(changed), "genes": ", ".join(g["gene"] for g in changed)}
        )
    found.append(
        ngettext(
            "In %(n)d gene your result is typical.",
            "In %(n)d genes your result is typical.",
            len(typical),
        )
        % {"n": len(typical)}
    )
    if unknown:
        found.append(
            ngettext(
                "In %(n)d gene we could not tell your result: %(genes)s.",
                "In %(n)d genes we could not tell your result: %(genes)s.",
                len(unknown),
            )
            % {"n": len(unknown), "genes": ", ".join(g["gene"] for g in unknown)}
        )
    means = [f"{g['gene']} ({g['phenotype_label']}): {g['meaning']}" for g in changed]
    if context["actionable_drugs"]:
        means.append(
            ngettext(
                "For %(n)d medicine, the prescribing guideline suggests a change for people "
                "with your result.",
                "For %(n)d medicines, the prescribing guidelines suggest a change for people "
                "with your result.",
                len(context["actionable_drugs"]),
            )
            % {"n": len(context["actionable_drugs"])}
        )
    else:
        means.append(
            _("The prescribing guidelines suggest no change to any medicine for your result.")
        )
    context["summary"] = _summary(
        found=found,
        means=means,
        not_mean=[
            _("It does not mean that you are sick or that you will get sick."),
            _("It does not mean that you should stop or change any medicine on your own."),
            _(
                "A typical result does not promise that a medicine will work well or be safe "
                "for you: age, weight, other medicines, and liver and kidney health matter too."
            ),
        ],
        next_steps=[
            _(
                "Keep this report. Show it to your doctor or pharmacist before you start a new "
                "medicine."
            ),
            _("Do not stop or change any medicine without talking to your doctor first."),
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
            }
        )
    context["findings"] = findings
    positive = bool(findings)
    context["is_positive"] = positive
    gene_count = len(kb.acmg_genes())
    limits = _disease_risk_limits(gene_count)
    if positive:
        genes = sorted({f["gene"] for f in findings})
        found = [
            _(
                "We found a DNA change (variant) in the %(gene)s gene that is known to raise "
                "the risk of: %(condition)s."
            )
            % {"gene": f["gene"], "condition": f["condition"] or _("a hereditary condition")}
            for f in findings
        ]
        means = [
            _(
                "Your risk of this condition is higher than average. It does not mean that you "
                "have it or that you will get it for sure."
            ),
            _(
                "Your blood relatives (parents, brothers, sisters and children) may carry the "
                "same variant. They can be tested for this one variant."
            ),
            _(
                "There are steps that can lower the risk or find problems early, such as "
                "screening, check-ups or treatment."
            ),
        ]
        next_steps = [
            _(
                "A genetic counselor will call you to talk about this result. You can also "
                "call them first."
            ),
            _(
                "This is a research result. It must be confirmed by a clinical test in a "
                "CLIA-certified laboratory before medical decisions are made."
            ),
            _("Share the letter for your doctor, included with this report."),
            _("If you wish, share the letter for your family with your blood relatives."),
        ]
        not_mean = [
            _("It does not mean that you have the disease now."),
            *limits,
        ]
        context["title"] = _("Your hereditary disease risk result")
        chart_rows = [
            {"label": g, "status": labels.CHANGED, "status_label": _("variant found")}
            for g in genes
        ]
    else:
        found = [
            ngettext(
                "We found no disease-causing variants in the %(n)d gene we looked at.",
                "We found no disease-causing variants in the %(n)d genes we looked at.",
                gene_count,
            )
            % {"n": gene_count}
        ]
        means = [
            _("This is reassuring, but it has limits. Please read what this result does not mean.")
        ]
        not_mean = limits
        next_steps = [
            _("Keep having the check-ups and screening tests your doctor recommends."),
            _(
                "Tell your doctor about your family history: if cancer or heart disease runs "
                "in your family, you may still need extra care."
            ),
        ]
        genes = []
        context["title"] = _("Your hereditary disease risk result")
        chart_rows = []
    others = gene_count - len(genes)
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
    for rsid, trait in sorted((interpretation.get("traits") or {}).items()):
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
            plain = _("We could not read this position in your DNA.")
        rows.append(
            {
                "rsid": str(rsid),
                "name": _label(labels.TRAIT_NAMES, rsid) or str(rsid),
                "gene": str(trait.get("gene") or ""),
                "genotype": str(trait.get("genotype") or ""),
                "effect_allele": str(trait.get("effect_allele") or ""),
                "effect_allele_count": "" if count is None else str(count),
                "interpretation_en": str(trait.get("interpretation") or ""),
                "status": status,
                "status_label": str(
                    labels.STATUS_LABELS[status] if status != labels.TYPICAL else _("read")
                ),
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
            "Your DNA was read by whole-genome sequencing. We compared it with the human "
            "reference genome (GRCh38) and looked only at the positions listed in our "
            "knowledge base."
        ),
        _("Knowledge-base release used for this report: %(release)s.")
        % {"release": knowledge.get("release") or _("not recorded")},
    ]
    specific = {
        "pgx": [
            _(
                "Star alleles and diplotypes were called with the named-allele method of "
                "PharmCAT, using its allele definitions. Phenotypes and activity scores come "
                "from PharmCAT, CPIC and pypgx tables."
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
                "Only the genes listed in this report were checked. HLA-A, HLA-B, MT-RNR1, "
                "CFTR and NAT2 are not reported, so guidance for medicines that depend on "
                "them (for example abacavir, carbamazepine or some antibiotics) is not included."
            ),
            _(
                "Rare or new variants that are not in the allele definitions can be missed; "
                "a gene may then look typical when it is not."
            ),
            _("G6PD is on the X chromosome; the result assumes the sex recorded for the analysis."),
            research,
        ]
    if report_type == "disease_risk":
        return [*_disease_risk_limits(len(kb.acmg_genes())), research]
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

"""The reference part of a report: methods, limitations, glossary, catalogue.

It depends only on (report type, knowledge-base release, language), so the PDF renderer
lays it out once and reuses it for every participant: nothing participant-specific here.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from results.engine import knowledge_base as kb
from results.engine.pgx import reportable_alleles

from .. import labels
from .common import _label
from .disease_risk import _disease_risk_limits


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
            "alleles": _alleles_looked_for(report_type),
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


def _alleles_looked_for(report_type: str) -> list[dict[str, Any]]:
    """Per gene, the named alleles the test looks for: the same list for every participant.

    Kept here, laid out once, rather than in each participant's appendix: a participant's own
    pages list only the alleles that could not be tested in their sample.
    """
    if report_type != "pgx":
        return []
    rows = []
    # CYP2D6 is matched from the VCF for the appendix but reported only from an outside call:
    # listing its alleles as "looked for" would claim a test that was not done.
    read_from_vcf = [g for g in kb.PGX_GENES if g not in kb.OUTSIDE_CALL_GENES]
    for gene in (*read_from_vcf, "MT-RNR1"):
        names = reportable_alleles(gene)
        if names:
            rows.append({"gene": gene, "alleles": names})
    return rows


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

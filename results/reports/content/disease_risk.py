"""What a disease-risk report says."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from results.engine import knowledge_base as kb

from .. import labels, wording
from .common import _label, _summary


def build(context: dict[str, Any], interpretation: dict[str, Any]) -> None:
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

"""One gene, one statement: the engine's output made consistent across report types.

The PGx report and the disease-risk report both speak about RYR1 and CACNA1S (malignant
hyperthermia susceptibility, MHS). The engine may say it in only one place (an older engine
reports an MHS variant as a disease-risk finding and calls the PGx gene "Indeterminate").
`harmonise` is applied before any report is built *and* before the release policy reads the
result, so both reports, and the decision about review, see the same statement.
"""

from __future__ import annotations

import copy
from typing import Any

MHS_GENES = ("RYR1", "CACNA1S")
MHS = "Malignant Hyperthermia Susceptibility"
MHS_CONDITION = "Malignant hyperthermia susceptibility"

# Genes the report names even when the engine returned nothing for them (it needs an outside
# call or another test): they are listed as "not tested", never silently left out.
EXPECTED_PGX_GENES = (
    "ABCG2",
    "CACNA1S",
    "CFTR",
    "CYP2B6",
    "CYP2C19",
    "CYP2C9",
    "CYP2D6",
    "CYP3A4",
    "CYP3A5",
    "CYP4F2",
    "DPYD",
    "G6PD",
    "HLA-A",
    "HLA-B",
    "IFNL3",
    "MT-RNR1",
    "NAT2",
    "NUDT15",
    "RYR1",
    "SLCO1B1",
    "TPMT",
    "UGT1A1",
    "VKORC1",
)


def harmonise(result: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of the engine's result in which every gene says one thing.

    * An MHS variant found as a disease-risk finding makes the PGx call of that gene MHS.
    * A PGx MHS call with no disease-risk finding adds one (source "cpic_mhs").
    * Genes the report always names but the engine did not return become "not determined"
      with reason "needs_outside_call".
    Never edits its argument.
    """
    data = copy.deepcopy(result or {})
    pgx = data.setdefault("pgx", {})
    findings = data.setdefault("disease_risk", [])
    # Only a call that passed the site checks speaks for the PGx half: a filtered or
    # low-quality MHS call is never a susceptibility by itself (the sample is held for QC).
    found_mhs = {
        f.get("gene"): f
        for f in findings
        if f.get("gene") in MHS_GENES and f.get("qc", "pass") == "pass"
    }
    for gene in MHS_GENES:
        call = pgx.get(gene)
        if gene in found_mhs:
            finding = found_mhs[gene]
            finding.setdefault("source", "cpic_mhs" if not finding.get("clinvar_id") else "clinvar")
            if call is None:
                call = pgx[gene] = {"diplotypes": [], "recommendations": []}
            if call.get("phenotype") != MHS:
                # The variant itself is the result: a "Reference/Reference" diplotype next to
                # a susceptibility would say two things at once.
                variant = finding.get("hgvs") or finding.get("variant") or gene
                zygosity = finding.get("zygosity")
                call["diplotypes"] = [f"{variant} ({zygosity})" if zygosity else str(variant)]
                call["phenotype"] = MHS
                call["status"] = "called"
                call["reason"] = None
                call["reason_code"] = None
                call.setdefault("notes", [])
                call["notes"] = [
                    *call["notes"],
                    "MHS-causative variant reported as a disease-risk finding: "
                    f"{finding.get('hgvs') or finding.get('variant')}",
                ]
        elif call and call.get("phenotype") == MHS and call.get("status") != "not_determined":
            findings.append(
                {
                    "gene": gene,
                    "hgvs": " / ".join(call.get("diplotypes") or []),
                    "variant": " / ".join(call.get("diplotypes") or []) or gene,
                    "zygosity": "",
                    "classification": "Pathogenic (CPIC MHS-causative)",
                    "review_status": "CPIC guideline",
                    "stars": None,
                    "condition": MHS_CONDITION,
                    "clinvar_id": None,
                    "rule": "CPIC MHS",
                    "source": "cpic_mhs",
                    "qc": "pass",
                }
            )
    for gene in EXPECTED_PGX_GENES:
        if gene not in pgx:
            pgx[gene] = {
                "diplotypes": [],
                "phenotype": None,
                "activity_score": None,
                "missing_positions": [],
                "notes": [],
                "match_score": None,
                "recommendations": [],
                "status": "not_determined",
                "reason": None,
                "reason_code": "needs_outside_call",
                "tested_alleles": [],
                "untested_alleles": [],
                "source": "vcf",
            }
    return data

"""When a genetic result may reach the participant: the release policy, as data.

This module is the one place the thresholds live; `docs/results.md` has the same table for
the people who sign the policy off, and a test checks the two agree. The report state
machine (`results.services.report_transition`) enforces it:

* QC: an interpretation whose sample QC is `review` or `fail` releases nothing until a data
  manager clears it (or rejects it: its reports are withheld for good).
* PGx: a report with any result in `ACTIONABLE_PGX` goes to the counsellor review queue
  (review, then a second person releases); every other PGx report releases on opt-in.
* Disease risk: a positive report needs a recorded orthogonal confirmation (a CLIA
  laboratory's accession and date) before a counsellor can mark it reviewed. A negative
  report is issued only when the engine says its scope was determined (a ClinVar release
  loaded and callability shown); a finding that passed the site checks is reported even
  then, naming only its gene.
* Traits release on opt-in; a trait that could not be read is shown as such.

Changing anything here changes who sees what, and when: it needs a reviewer's sign-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Sample QC statuses (engine `qc.status`) that hold every report of the sample.
QC_HOLD_STATUSES = frozenset({"review", "fail"})


@dataclass(frozen=True)
class ActionableRule:
    """A PGx result that must be seen by a counsellor or pharmacist before release."""

    gene: str
    phenotypes: frozenset[str]
    why: str
    # Only results from this source count ("outside_call" for HLA-B: we never call HLA).
    source: str | None = None
    # Phenotypes ending with this text also count (HLA-B "*57:01 positive").
    phenotype_suffix: str | None = None

    def matches(self, call: dict[str, Any]) -> bool:
        if self.source is not None and call.get("source") != self.source:
            return False
        if call.get("status", "called") == "not_determined":
            return False
        phenotype = str(call.get("phenotype") or "")
        if phenotype in self.phenotypes:
            return True
        return bool(self.phenotype_suffix and phenotype.endswith(self.phenotype_suffix))


_BELOW_NORMAL = frozenset(
    {
        "Intermediate Metabolizer",
        "Possible Intermediate Metabolizer",
        "Likely Intermediate Metabolizer",
        "Poor Metabolizer",
        "Likely Poor Metabolizer",
    }
)
_MHS = frozenset({"Malignant Hyperthermia Susceptibility"})
_G6PD_LOW = frozenset(
    {
        "Deficient",
        "Deficient with CNSHA",
        "Variable",
        # The same phenotypes as older engine releases spelled them.
        "G6PD Deficient",
        "G6PD Deficient with CNSHA",
        "G6PD Variable",
    }
)

ACTIONABLE_PGX: tuple[ActionableRule, ...] = (
    ActionableRule("DPYD", _BELOW_NORMAL, "fluoropyrimidine toxicity (DPYD below normal)"),
    ActionableRule("TPMT", _BELOW_NORMAL, "thiopurine toxicity (TPMT below normal)"),
    ActionableRule("NUDT15", _BELOW_NORMAL, "thiopurine toxicity (NUDT15 below normal)"),
    ActionableRule("G6PD", _G6PD_LOW, "haemolysis risk (G6PD deficient or variable)"),
    ActionableRule("RYR1", _MHS, "malignant hyperthermia susceptibility (RYR1)"),
    ActionableRule("CACNA1S", _MHS, "malignant hyperthermia susceptibility (CACNA1S)"),
    ActionableRule(
        "CYP2C19",
        frozenset({"Poor Metabolizer", "Likely Poor Metabolizer"}),
        "clopidogrel and others (CYP2C19 poor metaboliser)",
    ),
    ActionableRule(
        "HLA-B",
        frozenset(),
        "severe drug hypersensitivity (HLA-B risk allele, outside call)",
        source="outside_call",
        phenotype_suffix=" positive",
    ),
)

# Report types that release on opt-in when nothing above applies.
AUTOMATIC = {"pgx": True, "traits": True, "disease_risk_negative": True}
# A positive disease-risk report needs these before a counsellor may mark it reviewed.
CONFIRMATION_FIELDS = ("confirmation_accession", "confirmation_date")


def qc_status(result: dict[str, Any] | None) -> str:
    """The engine's sample QC status; "" when the engine ran no QC."""
    qc = (result or {}).get("qc") or {}
    return str(qc.get("status") or "")


def qc_holds(status: str, decision: str) -> bool:
    """True while a sample's reports must not move towards the participant."""
    if decision == "rejected":
        return True
    return status in QC_HOLD_STATUSES and decision != "cleared"


def actionable_pgx(result: dict[str, Any] | None) -> list[str]:
    """Why this interpretation's PGx report needs review (empty: it releases on opt-in)."""
    pgx = (result or {}).get("pgx") or {}
    reasons = []
    for rule in ACTIONABLE_PGX:
        call = pgx.get(rule.gene)
        if call and rule.matches(call):
            reasons.append(f"{rule.gene}: {rule.why}")
    return reasons


def passing_findings(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Disease-risk findings whose call passed the site checks (a filtered or low-quality call
    is never a positive by itself: the sample's QC is then "review")."""
    return [f for f in (result or {}).get("disease_risk") or [] if f.get("qc", "pass") == "pass"]


def disease_risk_issued(result: dict[str, Any] | None) -> bool:
    """A disease-risk report exists when the engine determined its scope (a ClinVar release was
    loaded and callability was shown, so a negative can be stated), or when it found a positive
    that passed the site checks (a real finding is reported even where a negative could not be:
    the report then says which genes were not examined).

    Results stored before the engine gave `disease_risk_scope` are treated as determined, so
    their existing reports are kept.
    """
    scope = (result or {}).get("disease_risk_scope")
    if scope is None or scope.get("status") == "determined":
        return True
    return bool(passing_findings(result))


def review_reasons(report_type: str, result: dict[str, Any] | None) -> list[str]:
    """Why a new report of this type must be reviewed before release (empty: no review)."""
    if report_type == "pgx":
        return actionable_pgx(result)
    if report_type == "disease_risk":
        return [
            f"{f.get('gene')}: positive finding, needs confirmation"
            for f in passing_findings(result)
        ]
    return []


def policy_table() -> list[tuple[str, str]]:
    """(rule, effect) rows: the table in docs/results.md is checked against this."""
    rows = [
        (
            f"sample QC {' or '.join(sorted(QC_HOLD_STATUSES))}",
            "hold all reports until a data manager clears or rejects (with a reason)",
        )
    ]
    for rule in ACTIONABLE_PGX:
        shown = sorted(rule.phenotypes - {p for p in rule.phenotypes if p.startswith("G6PD ")})
        if rule.phenotype_suffix:
            shown.append(f"*…{rule.phenotype_suffix}")
        source = f" ({rule.source.replace('_', ' ')})" if rule.source else ""
        rows.append(
            (f"PGx {rule.gene}{source}: {', '.join(shown)}", "counsellor review + second person")
        )
    rows += [
        ("PGx, anything else", "released on opt-in"),
        (
            "disease risk positive",
            "orthogonal confirmation, then counsellor review + second person",
        ),
        ("disease risk negative", "released on opt-in"),
        (
            "disease risk scope not determined, no finding passing the site checks",
            "no report issued",
        ),
        (
            "disease risk scope not determined, a finding passing the site checks",
            "positive report naming only that gene",
        ),
        ("traits", "released on opt-in"),
    ]
    return rows

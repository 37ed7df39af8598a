"""The redesigned reports: lay groups, honest provenance, plain wording, one statement per gene.

Interpretations are built in the shape of the engine contract (docs/interpretation.md,
issue 10): `factory_result` below, so these tests do not depend on which engine is installed.
"""

import copy
import re
from html.parser import HTMLParser

import pytest

from results.reports import build_report_context, render_report_html, wording
from tests.participants.test_consent_texts import fk_grade

KB = {"name": "cohort-genomics-kb", "date": "2025-11-22", "release": "kb@test", "sources": []}


def _call(diplotypes, phenotype, *, status="called", reason_code=None, source="vcf", **extra):
    return {
        "diplotypes": diplotypes,
        "phenotype": phenotype,
        "activity_score": None,
        "missing_positions": extra.pop("missing_positions", []),
        "notes": [],
        "match_score": None,
        "recommendations": extra.pop("recommendations", []),
        "status": status,
        "reason": "plain engine reason" if status == "not_determined" else None,
        "reason_code": reason_code,
        "tested_alleles": ["*2", "*3"],
        "untested_alleles": [],
        "source": source,
        "outside_call_tool": None,
        **extra,
    }


MHS_FINDING = {
    "gene": "RYR1",
    "hgvs": "RYR1:c.6178G>T",
    "variant": "chr19:38492540:G>T",
    "zygosity": "heterozygous",
    "classification": "Pathogenic (CPIC MHS-causative, PharmCAT definition)",
    "review_status": "CPIC guideline",
    "stars": 4,
    "condition": "Malignant hyperthermia susceptibility",
    "clinvar_id": None,
    "rule": "All P and LP",
    "source": "cpic_mhs",
    "qc": "pass",
}


def factory_result(**changes):
    """A contract-shaped interpretation: typical PGx, no disease risk, traits partly read."""
    pgx = {
        "CYP2C19": _call(["*1/*1"], "Normal Metabolizer"),
        "CYP2C9": _call(["*1/*1"], "Normal Metabolizer"),
        "CYP2D6": _call([], None, status="not_determined", reason_code="needs_outside_call"),
        "DPYD": _call(["Reference/Reference"], "Normal Metabolizer"),
        "TPMT": _call(["*1/*1"], "Normal Metabolizer"),
        "NUDT15": _call(["*1/*1"], "Normal Metabolizer"),
        "G6PD": _call(["B (reference)/B (reference)"], "Normal"),
        "RYR1": _call(["Reference/Reference"], "Uncertain Susceptibility"),
        "CACNA1S": _call(["Reference/Reference"], "Uncertain Susceptibility"),
        "SLCO1B1": _call(["*1/*1", "*1/*37"], "Normal Function"),
        "CYP4F2": _call([], None, status="not_determined", reason_code="missing_core_positions"),
    }
    result = {
        "sample": "SAMPLE-SECRET",
        "build": "GRCh38",
        "knowledge_base": {**KB, "clinvar_release": "2025-06-01"},
        "callability": {"mode": "lab_attested", "lab_attested": True, "detail": "lab says"},
        "qc": {"status": "pass", "checks": []},
        "pgx": pgx,
        "disease_risk": [],
        "disease_risk_scope": {
            "status": "determined",
            "reason": None,
            "clinvar_release": "2025-06-01",
            "genes_examined": ["BRCA1", "BRCA2", "RYR1", "TTN"],
            "acmg_version": "3.2",
        },
        "traits": {
            "rs713598": {"gene": "TAS2R38", "status": "no_call", "reason": "not read"},
            "rs4988235": {
                "gene": "MCM6",
                "effect_allele": "A",
                "genotype": "GG",
                "effect_allele_count": 0,
                "interpretation": "likely non-persistent",
                "status": "called",
            },
            "rs17822931": {"gene": "ABCC11", "status": "no_call", "genotype": "CC"},
        },
    }
    for key, value in changes.items():
        if key == "pgx":
            result["pgx"].update(value)
        else:
            result[key] = value
    return result


@pytest.fixture(autouse=True)
def _english():
    # A Spanish request in an earlier test leaves Spanish active in this thread.
    from django.utils import translation

    with translation.override("en"):
        yield


PROVENANCE = {
    "lab_name": "Example Genome Center",
    "clia_number": "99D9999999",
    "cap_number": "7777777",
    "sequencing": "wgs",
    "absent_is_reference": True,
}


def context(report_type, result, language="en"):
    return build_report_context(
        report_type=report_type,
        interpretation=result,
        language=language,
        participant_id="P-1",
        released_on=None,
        report_version=1,
        provenance=PROVENANCE,
    )


class _Parts(HTMLParser):
    """Collects the text inside the element marked data-part="participant"."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif ("data-part", "participant") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def participant_text(html: str) -> str:
    parser = _Parts()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


# ------------------------------------------------------------------------------ PGx
def test_pgx_three_groups_single_result_and_reasons():
    result = factory_result(pgx={"DPYD": _call(["*1/c.1905+1G>A"], "Intermediate Metabolizer")})
    ctx = context("pgx", result)
    groups = {g["key"]: g for g in ctx["groups"]}
    assert [g["gene"] for g in groups["action"]["genes"]] == ["DPYD"]
    dpyd = groups["action"]["genes"][0]
    assert "fluorouracil" in dpyd["todo"][0] and "doctor or pharmacist" in dpyd["todo"][0]
    typical = {g["gene"]: g for g in groups["typical"]["genes"]}
    # Two diplotypes with one phenotype: "more than one possibility", never a list.
    assert typical["SLCO1B1"]["display"] == "more than one possibility"
    unread = {g["gene"]: g for g in groups["unread"]["genes"]}
    assert unread["CYP2D6"]["display"] == "not tested"
    assert unread["CYP4F2"]["plain"] == str(wording.REASONS["missing_core_positions"])
    assert {"HLA-A", "HLA-B", "MT-RNR1"} <= set(unread)  # named, not silently dropped


def test_hundreds_of_alternatives_stay_in_the_appendix():
    many = [f"*1/*{n}" for n in range(2, 300)]
    result = factory_result(pgx={"CYP2C9": _call(many, "Normal Metabolizer")})
    html = render_report_html(context("pgx", result))
    lay = participant_text(html)
    assert "*1/*150" not in lay and "more than one possibility" in lay
    assert "(and 290 more)" in html  # the appendix shows a few, then a count


def test_mhs_card_says_tell_every_anesthesiologist():
    result = factory_result(disease_risk=[dict(MHS_FINDING)])
    ctx = context("pgx", result)
    ryr1 = next(g for g in ctx["groups"][0]["genes"] if g["gene"] == "RYR1")
    todo = " ".join(ryr1["todo"])
    assert "tell every anesthesiologist" in todo and "alert bracelet" in todo


# ----------------------------------------------------------------------- consistency
def _statements(result, language="en") -> dict[str, dict[str, str]]:
    """What each report says about each gene it names."""
    pgx = context("pgx", result, language)
    risk = context("disease_risk", result, language)
    said: dict[str, dict[str, str]] = {}
    for g in pgx["genes"]:
        mhs = g["phenotype"] == "Malignant Hyperthermia Susceptibility"
        said.setdefault(g["gene"], {})["pgx"] = (
            "risk" if mhs else "no_risk" if g["status"] == "typical" else g["status"]
        )
    found = {f["gene"] for f in risk["findings"]}
    for gene in risk["genes_examined"]:
        said.setdefault(gene, {})["disease_risk"] = "risk" if gene in found else "no_risk"
    return said


@pytest.mark.parametrize(
    "result",
    [
        factory_result(),
        factory_result(disease_risk=[dict(MHS_FINDING)]),  # finding only in disease risk
        factory_result(  # MHS only in PGx
            pgx={"RYR1": _call(["Reference/c.6178G>T"], "Malignant Hyperthermia Susceptibility")}
        ),
    ],
)
def test_every_report_says_the_same_about_each_gene(result):
    for gene, says in _statements(result).items():
        said = {v for k, v in says.items() if v in ("risk", "no_risk")}
        assert len(said) <= 1, f"{gene}: {says}"
    assert _statements(result).get("RYR1", {}).get("pgx") in ("risk", "no_risk")


def test_harmonise_does_not_edit_the_stored_result():
    result = factory_result(disease_risk=[dict(MHS_FINDING)])
    before = copy.deepcopy(result)
    context("pgx", result)
    context("disease_risk", result)
    assert result == before


# ---------------------------------------------------------------------- disease risk
def test_positive_mhs_report_is_specific_and_has_no_negative_wording():
    result = factory_result(disease_risk=[dict(MHS_FINDING)])
    ctx = context("disease_risk", result)
    html = render_report_html(ctx)
    lay = participant_text(html)
    assert "tell every anesthesiologist" in lay and "alert bracelet" in lay
    for negative in ("does not mean that you have no risk", "no harmful change", "negative"):
        assert negative not in html
    # Provenance: the finding came from CPIC's MHS list, not ClinVar.
    assert ctx["findings"][0]["source_label"] == "CPIC list of malignant hyperthermia variants"


def test_negative_report_lists_the_genes_examined():
    ctx = context("disease_risk", factory_result())
    lay = participant_text(render_report_html(ctx))
    assert "BRCA1, BRCA2, RYR1, TTN" in lay
    assert "does not remove it" in lay


# ---------------------------------------------------------------------------- traits
def test_unread_traits_are_never_a_result_and_order_is_fixed():
    ctx = context("traits", factory_result())
    assert [t["rsid"] for t in ctx["traits"]] == ["rs4988235", "rs17822931", "rs713598"]
    earwax = ctx["traits"][1]
    assert earwax["status_label"] == "could not be read"
    assert earwax["genotype"] == "" and earwax["interpretation_en"] == ""


# ------------------------------------------------------------------------ provenance
@pytest.mark.parametrize("report_type", ["pgx", "disease_risk", "traits"])
def test_every_report_names_lab_method_and_releases(report_type):
    html = render_report_html(context(report_type, factory_result()))
    assert "Example Genome Center" in html and "99D9999999" in html and "7777777" in html
    assert "kb@test" in html
    assert "called with the named-allele method of PharmCAT" not in html
    assert "SAMPLE-SECRET" not in html
    if report_type == "disease_risk":
        assert "2025-06-01" in html
    if report_type == "pgx":
        assert "named-allele matcher following PharmCAT" in html


# ------------------------------------------------------------------- wording catalogue
def test_catalogue_reads_at_grade_eight_or_below():
    text = " ".join(wording.catalogue_english())
    assert fk_grade(text) <= 8.0
    for sentence in wording.catalogue_english():
        assert fk_grade(sentence) <= 12.0, sentence


@pytest.mark.parametrize("report_type", ["pgx", "disease_risk", "traits"])
def test_spanish_participant_part_has_no_english_catalogue_sentence(report_type):
    results = [
        factory_result(pgx={"DPYD": _call(["*1/*2A"], "Poor Metabolizer")}),
        factory_result(disease_risk=[dict(MHS_FINDING)]),
    ]
    english = wording.catalogue_english() + wording.medicine_lists_english()
    for result in results:
        lay = participant_text(render_report_html(context(report_type, result, "es")))
        assert lay
        for sentence in english:
            assert sentence not in lay, sentence


def test_cpic_text_is_only_in_the_clinician_part_and_marked_english():
    rec = {
        "drugs": ["fluorouracil"],
        "genes": ["DPYD"],
        "lookup": {"DPYD": "1.0"},
        "population": "general",
        "classification": "Strong",
        "recommendation": "Reduce starting dose by 50% followed by titration of dose.",
        "implications": [],
        "guideline": "CPIC fluoropyrimidines",
        "url": "https://example.org",
    }
    result = factory_result(
        pgx={"DPYD": _call(["*1/*2A"], "Intermediate Metabolizer", recommendations=[rec])}
    )
    html = render_report_html(context("pgx", result, "es"))
    assert "Reduce starting dose" not in participant_text(html)
    quote = re.search(r'<blockquote lang="en"><p>Reduce starting dose', html)
    assert quote is not None
    assert "Texto original de la guía (en inglés)" in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_typical_genome_pdf_participant_part_is_short(interpretation, language):
    """NA12878 (real engine output): the lay part fits in six pages, then the appendix."""
    import io

    import pypdf
    from django.utils import translation

    from results.reports import render_report_pdf

    pdf = render_report_pdf(context("pgx", interpretation, language))
    texts = [
        " ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]
    with translation.override(language):
        heading = translation.gettext("For your doctor: technical appendix")
    first_appendix_page = next(i for i, text in enumerate(texts) if heading in text)
    assert 1 <= first_appendix_page <= 6
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # still tagged (PDF/UA)


def test_hla_b_outside_call_is_an_actionable_card_in_plain_spanish():
    call = _call(["*57:01/*08:01"], "*57:01 positive", source="outside_call")
    result = factory_result(pgx={"HLA-B": call})
    ctx = context("pgx", result, "es")
    action = {g["gene"]: g for g in ctx["groups"][0]["genes"]}
    assert action["HLA-B"]["phenotype_label"] == "*57:01 presente"
    lay = participant_text(render_report_html(ctx))
    assert "De una prueba aparte hecha por el laboratorio." in lay
    assert "positive" not in lay
    # With an outside HLA call, the "HLA not tested" limitation is not claimed.
    assert "No analizamos los genes HLA" not in " ".join(ctx["sample_limitations"])
    without = context("pgx", factory_result(), "es")["sample_limitations"]
    assert "No analizamos los genes HLA" in " ".join(without)


def test_allele_lists_run_full_width_and_only_gaps_are_personal():
    """The tested alleles are the same for everyone: the reference pages list them once,
    full width. A participant's appendix names only what could not be tested in their
    sample. (In a table column the lists broke one name per line: 36-page PDFs.)"""
    from results.engine.pgx import reportable_alleles
    from results.reports.html import render_pdf_html

    gap = factory_result(
        pgx={"UGT1A1": _call(["*1/*1"], "Normal Metabolizer", untested_alleles=["*28", "*80"])}
    )
    report = context("pgx", gap)
    own = render_pdf_html(report, part="participant")
    assert "could not be tested in your sample" in own and "*28, *80" in own
    reference = {row["gene"]: row["alleles"] for row in report["reference"]["alleles"]}
    assert reference["RYR1"] == reportable_alleles("RYR1") and len(reference["RYR1"]) > 300
    assert "CYP2D6" not in reference  # reported only from an outside call: not "looked for"
    assert "c.6178G&gt;T" in render_pdf_html(report, part="reference")
    assert "c.6178G&gt;T" not in own

    nothing_missing = context("pgx", factory_result())
    assert "every allele the test looks for could be tested" in render_pdf_html(
        nothing_missing, part="participant"
    )


def test_appendix_lines_are_not_crushed_into_a_column(interpretation):
    """NA12878's whole PDF: lines a reader can read, not one allele name per line."""
    import io

    import pypdf

    from results.reports import render_report_pdf

    pdf = render_report_pdf(context("pgx", interpretation))
    lines = [
        line.strip()
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
        for line in (page.extract_text() or "").splitlines()
        if any(c.isalnum() for c in line)  # list bullets come out as lines of their own
    ]
    # A crushed column reads as a long run of consecutive scraps ("c.", "1129-5923C>", ...).
    longest, run = [], []
    for line in lines:
        run = [*run, line] if len(line) <= 12 else []
        longest = max(longest, run, key=len)
    assert len(longest) <= 12, longest

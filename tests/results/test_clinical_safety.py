"""Issue 13: every call is one a lab could defend. One regression test per wrong answer found
(numbered as in the issue), then the callability, indel, outside-call and QC paths."""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest

from results.engine import core_alleles, pgx
from results.engine import knowledge_base as kb
from results.engine.clinvar import ClinVarRecord, clnsig_reportable, load_clinvar
from results.engine.interpretation import interpret_vcf
from results.engine.outside_calls import OutsideCallError, parse_outside_text
from results.engine.vcf_intake import VcfIntakeError
from tests.results.clinical_vcfs import allele_sites, gene_lines, write_vcf


def _drugs(call: dict) -> set[str]:
    return {drug for rec in call["recommendations"] for drug in rec["drugs"]}


def _het(gene: str, name: str, gt: str = "0/1") -> dict:
    return {(c, p): (alt, gt) for c, p, _ref, alt in allele_sites(gene, name)}


def _record(chrom, pos, ref, alt, gene, **extra) -> ClinVarRecord:
    values = {
        "clinvar_id": "1",
        "allele_id": "1",
        "hgvs": f"{gene}:test",
        "condition": f"{gene}-related disorder",
        "classification": "Pathogenic",
        "review_status": "criteria provided, multiple submitters, no conflicts",
        "stars": 2,
        "molecular_consequence": ("frameshift_variant",),
    }
    values.update(extra)
    return ClinVarRecord(chrom=chrom, pos=pos, ref=ref, alt=alt, gene=gene, **values)


# ------------------------------------------------------------------ 1. CPIC lookup terms


def test_1_g6pd_deficient_gets_cpic_advice(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path / "g6pd.vcf", gene_lines(["G6PD"], _het("G6PD", "A- 202A_376G", "1/1"))
    )
    g6pd = interpret_vcf(path, sex="female")["pgx"]["G6PD"]
    assert g6pd["status"] == "called"
    assert g6pd["phenotype"] == "Deficient"  # CPIC's term, not pypgx's "G6PD Deficient"
    assert {"rasburicase", "primaquine", "nitrofurantoin"} <= _drugs(g6pd)


def test_1_ryr1_mhs_gets_anaesthetic_advice_with_cacna1s_called(tmp_path: Path) -> None:
    name = core_alleles.core_alleles("RYR1")[0]
    path = write_vcf(tmp_path / "ryr1.vcf", gene_lines(["RYR1", "CACNA1S"], _het("RYR1", name)))
    ryr1 = interpret_vcf(path)["pgx"]["RYR1"]
    assert ryr1["phenotype"] == "Malignant Hyperthermia Susceptibility"
    assert {"sevoflurane", "succinylcholine"} <= _drugs(ryr1)


def test_1_every_phenotype_the_engine_can_give_is_a_cpic_lookup_value() -> None:
    cpic: dict[str, set[str]] = defaultdict(set)
    for rec in kb.cpic_recommendations():
        for gene, value in rec.lookup.items():
            cpic[gene].add(value)
    for gene in kb.PGX_GENES:
        if gene not in cpic or gene == "CYP2D6":
            continue
        table = kb.gene_phenotypes()[gene]
        if gene in pgx.ACTIVITY_SCORE_GENES:
            ours = {a for _p, a in table.diplotypes.values() if a}
        elif gene in ("RYR1", "CACNA1S"):
            ours = {"Malignant Hyperthermia Susceptibility", "Uncertain Susceptibility"}
        else:
            ours = {pgx.cpic_term(gene, p) for p, _a in table.diplotypes.values()}
        # "Indeterminate" has no advice to give where CPIC has no row for it
        assert ours - cpic[gene] <= {"Indeterminate", "n/a"}, (gene, ours - cpic[gene])


def test_1_vkorc1_and_cyp4f2_say_warfarin_is_an_algorithm(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "w.vcf", gene_lines(["VKORC1", "CYP4F2", "CYP2C9"]))
    result = interpret_vcf(path)["pgx"]
    for gene in ("VKORC1", "CYP4F2", "CYP2C9"):
        kinds = {r.get("kind") for r in result[gene]["recommendations"] if "warfarin" in r["drugs"]}
        assert kinds == {"algorithm"}, gene


# --------------------------------------------------------------- 2. missing is not reference


def test_2_cyp2c19_star2_positions_absent_is_not_determined(tmp_path: Path) -> None:
    star2 = [(c, p) for c, p, _r, _a in allele_sites("CYP2C19", "*2")]
    path = write_vcf(tmp_path / "c19.vcf", gene_lines(["CYP2C19"], drop=star2))
    call = interpret_vcf(path)["pgx"]["CYP2C19"]
    assert call["status"] == "not_determined"
    assert call["reason_code"] == "missing_core_positions" and "*2" in call["reason"]
    assert call["diplotypes"] == [] and call["phenotype"] is None
    assert call["recommendations"] == []  # no "standard clopidogrel" advice
    assert "*2" in call["untested_alleles"] and "*2" not in call["tested_alleles"]


def test_2_dpyd_key_positions_absent_gives_no_fluoropyrimidine_advice(tmp_path: Path) -> None:
    key = [(c, p) for c, p, _r, _a in allele_sites("DPYD", "c.1905+1G>A (*2A)")]
    path = write_vcf(tmp_path / "dpyd.vcf", gene_lines(["DPYD"], drop=key))
    call = interpret_vcf(path)["pgx"]["DPYD"]
    assert call["status"] == "not_determined"
    assert not {"fluorouracil", "capecitabine"} & _drugs(call)


def test_2_no_call_and_half_call_never_become_reference(tmp_path: Path) -> None:
    c, p, _r, alt = allele_sites("CYP2C19", "*17")[0]
    for gt, code in (("./.", "missing_core_positions"), ("./1", "half_call")):
        path = write_vcf(tmp_path / f"h{code}.vcf", gene_lines(["CYP2C19"], {(c, p): (alt, gt)}))
        call = interpret_vcf(path)["pgx"]["CYP2C19"]
        assert call["status"] == "not_determined", gt
        assert call["reason_code"] == code, gt


def test_2_the_full_reference_sample_is_called(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "ref.vcf", gene_lines(["CYP2C19"]))
    call = interpret_vcf(path)["pgx"]["CYP2C19"]
    assert call["status"] == "called" and call["diplotypes"] == ["*38/*38"]
    assert set(core_alleles.core_alleles("CYP2C19")) <= set(call["tested_alleles"])


# -------------------------------------------------------------------------- 3. DPYD phase


def _dpyd_two(tmp_path: Path, gt_a: str, gt_b: str) -> dict:
    (c1, p1, _r1, a1) = allele_sites("DPYD", "c.1905+1G>A (*2A)")[0]
    (c2, p2, _r2, a2) = allele_sites("DPYD", "c.2846A>T")[0]
    lines = gene_lines(
        ["DPYD"], {(c1, p1): (a1, gt_a), (c2, p2): (a2, gt_b)}, fmt="GT:PS", extra="7"
    )
    return interpret_vcf(
        write_vcf(
            tmp_path / ("d" + (gt_a + gt_b).replace("|", "p").replace("/", "u") + ".vcf"), lines
        )
    )["pgx"]["DPYD"]


def test_3_dpyd_variants_in_cis_leave_one_intact_copy(tmp_path: Path) -> None:
    cis = _dpyd_two(tmp_path, "0|1", "0|1")
    assert cis["activity_score"] == "1.0" and cis["phenotype"] == "Intermediate Metabolizer"
    trans = _dpyd_two(tmp_path, "0|1", "1|0")
    assert trans["activity_score"] == "0.5" and trans["phenotype"] == "Poor Metabolizer"
    unphased = _dpyd_two(tmp_path, "0/1", "0/1")
    assert unphased["activity_score"] == "0.5"
    assert any("same strand" in n for n in unphased["notes"])


# ------------------------------------------------------------------------ 4. CYP2D6 alone


def test_4_cyp2d6_from_a_vcf_is_not_determined_and_gets_no_codeine_advice(
    tmp_path: Path,
) -> None:
    path = write_vcf(tmp_path / "2d6.vcf", gene_lines(["CYP2D6"]))
    call = interpret_vcf(path)["pgx"]["CYP2D6"]
    assert call["status"] == "not_determined" and call["reason_code"] == "needs_outside_call"
    assert call["phenotype"] is None and not {"codeine", "tramadol"} & _drugs(call)
    assert call["matcher_diplotypes"] == ["*1/*1"]  # kept for the appendix only


def test_4_cyp2d6_outside_call_with_duplication(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "2d6.vcf", gene_lines(["CYP2D6"]))
    calls = parse_outside_text("#tool=Cyrius 1.1.1\nCYP2D6\tCYP2D6*1/CYP2D6*2x2\n")
    call = interpret_vcf(path, outside_calls=calls)["pgx"]["CYP2D6"]
    assert call["status"] == "outside_call" and call["outside_call_tool"] == "Cyrius 1.1.1"
    assert call["diplotypes"] == ["*1/*2x2"] and call["activity_score"] == "3.0"
    assert call["phenotype"] == "Ultrarapid Metabolizer"
    assert "codeine" in _drugs(call)


# ------------------------------------------------------------- 5. No Result rows and ties


def test_5_phenytoin_advice_with_hla_b_untyped(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "c9.vcf", gene_lines(["CYP2C9"], _het("CYP2C9", "*3")))
    call = interpret_vcf(path)["pgx"]["CYP2C9"]
    phenytoin = [r for r in call["recommendations"] if "phenytoin" in r["drugs"]]
    assert phenytoin and all(r["lookup"]["HLA-B"] == "No Result" for r in phenytoin)


def test_5_tied_diplotypes_with_one_phenotype_still_get_advice() -> None:
    call = pgx.GeneCall("CYP2C19", ["*1/*2", "*1/*2A"], "Intermediate Metabolizer", None, [])
    advice = pgx.recommendations_for({"CYP2C19": call})
    assert "clopidogrel" in {d for r in advice["CYP2C19"] for d in r["drugs"]}


# ------------------------------------------------------------------------- 6. RYR1 scope


def test_6_uncertain_ryr1_allele_is_no_finding_and_both_halves_agree(tmp_path: Path) -> None:
    definition = kb.gene_definitions()["RYR1"]
    uncertain = next(
        a.name
        for a in definition.named_alleles
        if not a.reference and not core_alleles.mhs_associated("RYR1", a.name)
    )
    path = write_vcf(tmp_path / "r.vcf", gene_lines(["RYR1", "CACNA1S"], _het("RYR1", uncertain)))
    result = interpret_vcf(path)
    assert result["pgx"]["RYR1"]["phenotype"] == "Uncertain Susceptibility"
    assert result["disease_risk"] == []
    mhs = core_alleles.core_alleles("RYR1")[0]
    path = write_vcf(tmp_path / "m.vcf", gene_lines(["RYR1", "CACNA1S"], _het("RYR1", mhs)))
    result = interpret_vcf(path)
    assert result["pgx"]["RYR1"]["phenotype"] == "Malignant Hyperthermia Susceptibility"
    (finding,) = result["disease_risk"]
    assert finding["gene"] == "RYR1" and finding["source"] == "cpic_mhs"
    assert finding["stars"] is None and "ClinVar" not in finding["review_status"]
    assert len(core_alleles.core_alleles("RYR1")) < 60  # CPIC's list, not all 338 alleles


# ------------------------------------------------------------------- 7. indels exactly


def test_7_an_inframe_deletion_does_not_match_a_frameshift(tmp_path: Path) -> None:
    frameshift = _record("chr13", 32340300, "GC", "G", "BRCA2")
    inframe = "chr13\t32340300\t.\tGCTG\tG\t.\tPASS\t.\tGT\t0/1"
    path = write_vcf(tmp_path / "i.vcf", [inframe])
    assert interpret_vcf(path, clinvar=("2025-11", [frameshift]))["disease_risk"] == []
    same = "chr13\t32340300\t.\tGCT\tGT\t.\tPASS\t.\tGT\t0/1"  # GC>G spelled with context
    path = write_vcf(tmp_path / "s.vcf", [same])
    assert len(interpret_vcf(path, clinvar=("2025-11", [frameshift]))["disease_risk"]) == 1


# ------------------------------------------------------------------------ 8. FILTER, GQ/DP


def test_8_lowqual_and_low_gq_findings_are_flagged(tmp_path: Path) -> None:
    record = _record("chr13", 32340300, "G", "A", "BRCA2")
    for line, expected in (
        ("chr13\t32340300\t.\tG\tA\t.\tLowQual\t.\tGT:GQ:DP\t0/1:99:40", "filtered"),
        ("chr13\t32340300\t.\tG\tA\t.\tPASS\t.\tGT:GQ:DP\t0/1:7:40", "review"),
        ("chr13\t32340300\t.\tG\tA\t.\tPASS\t.\tGT:GQ:DP\t0/1:99:3", "review"),
        ("chr13\t32340300\t.\tG\tA\t.\tPASS\t.\tGT:GQ:DP\t0/1:99:40", "pass"),
    ):
        path = write_vcf(tmp_path / f"q{expected}.vcf", [line])
        result = interpret_vcf(path, clinvar=("2025-11", [record]))
        (finding,) = result["disease_risk"]
        assert finding["qc"] == expected, line
        site = next(c for c in result["qc"]["checks"] if c["name"] == "site_quality")
        assert (site["status"] == "pass") == (expected == "pass")


def test_8_a_filtered_pgx_position_is_not_read(tmp_path: Path) -> None:
    c, p, _r, alt = allele_sites("CYP2C19", "*17")[0]
    path = write_vcf(
        tmp_path / "f.vcf",
        gene_lines(["CYP2C19"], {(c, p): (alt, "0/1")}, filters={(c, p): "LowQual"}),
    )
    call = interpret_vcf(path)["pgx"]["CYP2C19"]
    assert call["status"] == "not_determined"
    assert "filter" in " ".join(call["unassessed_positions"].values())


# ---------------------------------------------------- 9. contigs named "1", no ##contig


def test_9_bare_contig_names_without_contig_lines_are_read(tmp_path: Path) -> None:
    record = _record("chr13", 32340300, "G", "A", "BRCA2")
    path = write_vcf(
        tmp_path / "bare.vcf",
        ["chr13\t32340300\t.\tG\tA\t.\tPASS\t.\tGT\t0/1"],
        contigs=False,
        chr_prefix=False,
    )
    assert "##contig" not in path.read_text() and "\n13\t" in path.read_text()
    (finding,) = interpret_vcf(path, clinvar=("2025-11", [record]))["disease_risk"]
    assert finding["gene"] == "BRCA2" and finding["zygosity"] == "heterozygous"


# ------------------------------------------------------------ 10. GRCh37 without hints


def test_10_grch37_without_header_hints_is_refused(tmp_path: Path) -> None:
    probes = list(_grch37_probes().items())[:40]
    lines = [f"{c}\t{p}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0/1" for (c, p), (ref, alt, _) in probes]
    path = write_vcf(tmp_path / "b37.vcf", lines, contigs=False)
    with pytest.raises(VcfIntakeError, match="GRCh37"):
        interpret_vcf(path)


def _grch37_probes():
    from results.engine.interpretation import _grch37_probes as probes

    return probes()


# ----------------------------------------------------------------------------- 11. ClinVar


def test_11_clnsig_terms_are_parsed() -> None:
    assert clnsig_reportable("Pathogenic|risk_factor")
    assert clnsig_reportable("Pathogenic/Likely_pathogenic")
    assert clnsig_reportable("Pathogenic/Likely_pathogenic/Pathogenic,_low_penetrance")
    assert not clnsig_reportable("Uncertain_significance|risk_factor")
    assert not clnsig_reportable("Conflicting_classifications_of_pathogenicity")
    assert not clnsig_reportable("Likely_pathogenic,_low_penetrance")


@pytest.mark.django_db
def test_11_interpret_vcf_uses_the_newest_loaded_clinvar(tmp_path: Path, settings) -> None:
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    vcf = write_vcf(tmp_path / "b.vcf", ["chr13\t32340300\t.\tG\tA\t.\tPASS\t.\tGT\t0/1"])
    out = StringIO()
    call_command("interpret_vcf", str(vcf), "--json", stdout=out, stderr=StringIO())
    before = json.loads(out.getvalue())
    assert before["disease_risk"] == []
    assert before["disease_risk_scope"]["status"] == "not_determined"
    source = tmp_path / "clinvar.vcf.gz"
    with gzip.open(source, "wt") as handle:
        handle.write(
            "##fileformat=VCFv4.1\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            "13\t32340300\t51000\tG\tA\t.\t.\tCLNSIG=Pathogenic|risk_factor;"
            "CLNREVSTAT=criteria_provided,_multiple_submitters,_no_conflicts;GENEINFO=BRCA2:675;"
            "CLNDN=Hereditary_breast_cancer\n"
        )
    call_command("load_clinvar", str(source), "--release", "2025-11", stdout=StringIO())
    out = StringIO()
    call_command("interpret_vcf", str(vcf), "--json", stdout=out, stderr=StringIO())
    after = json.loads(out.getvalue())
    (finding,) = after["disease_risk"]
    assert finding["gene"] == "BRCA2" and finding["source"] == "clinvar"
    assert after["knowledge_base"]["clinvar_release"] == "2025-11"
    assert len(load_clinvar(source)) == 1


# --------------------------------------------------------------------- 12. AR genes


def test_12_a_single_het_in_a_recessive_gene_is_not_reported(tmp_path: Path) -> None:
    for gene, rule in ((g, kb.acmg_genes()[g]) for g in ("TRDN", "ATP7B", "MUTYH")):
        assert rule.variants_to_report == "P and LP (2 variants)", gene
    one = _record("chr6", 123500000, "C", "T", "TRDN")
    two = _record("chr6", 123500100, "G", "A", "TRDN")
    single = write_vcf(tmp_path / "t1.vcf", ["chr6\t123500000\t.\tC\tT\t.\tPASS\t.\tGT\t0/1"])
    assert interpret_vcf(single, clinvar=("2025-11", [one, two]))["disease_risk"] == []
    both = write_vcf(
        tmp_path / "t2.vcf",
        [
            "chr6\t123500000\t.\tC\tT\t.\tPASS\t.\tGT\t0/1",
            "chr6\t123500100\t.\tG\tA\t.\tPASS\t.\tGT\t0/1",
        ],
    )
    findings = interpret_vcf(both, clinvar=("2025-11", [one, two]))["disease_risk"]
    assert {f["zygosity"] for f in findings} == {"compound heterozygous (phase unknown)"}


# -------------------------------------------------------------- 13. male het on chrX


def test_13_male_het_on_chrx_is_flagged(tmp_path: Path) -> None:
    record = _record("chrX", 101398000, "C", "T", "GLA")
    path = write_vcf(tmp_path / "x.vcf", ["chrX\t101398000\t.\tC\tT\t.\tPASS\t.\tGT\t0/1"])
    result = interpret_vcf(path, sex="male", clinvar=("2025-11", [record]))
    (finding,) = result["disease_risk"]
    assert "conflicts with recorded sex" in finding["zygosity"] and finding["qc"] == "review"
    sex = next(c for c in result["qc"]["checks"] if c["name"] == "sex")
    assert sex["status"] == "review" and result["qc"]["status"] == "review"


def test_13_male_het_g6pd_is_not_determined(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "g.vcf", gene_lines(["G6PD"], _het("G6PD", "A- 202A_376G")))
    call = interpret_vcf(path, sex="male")["pgx"]["G6PD"]
    assert call["status"] == "not_determined" and call["reason_code"] == "sex_conflict"


# ------------------------------------------------------------------ 14. wobble scoring


def test_14_the_second_alleles_wobble_is_penalised_when_reference() -> None:
    """*2 carries an IUPAC wobble; on a *1/*2 sample whose strands are both reference there,
    the wobble must not score for *2 (it scored before: `alleles` was passed for `refs`)."""
    definition = kb.gene_definitions()["CYP2C19"]
    sample = {}
    star2 = {(c, p): a for c, p, _r, a in allele_sites("CYP2C19", "*2")}
    star1 = {(c, p): a for c, p, _r, a in allele_sites("CYP2C19", "*1")}
    for index, locus in enumerate(definition.loci):
        key = (locus.chrom, locus.position)
        first = star1.get(key, locus.ref)
        second = star2.get(key, locus.ref)
        sample[index] = pgx.SampleAllele(first, second, False, None)
    matches, _ = pgx.match_diplotypes("CYP2C19", sample, top_candidate_only=False)
    scores = {m.name: m.score for m in matches}
    by_name = {a.name: a for a in definition.named_alleles}
    wobbles = sum(1 for v in by_name["*2"].alleles if kb.is_wobble(v))
    assert wobbles == 1
    # "*1" sorts first, so *2 is the second allele of the pair: the path that had the bug
    assert scores["*1/*2"] == by_name["*1"].score + by_name["*2"].score - wobbles


# -------------------------------------------------------------------- gVCF callability


def _block(chrom: str, start: int, end: int, gq: int = 50, dp: int = 30) -> str:
    return f"{chrom}\t{start}\t.\tN\t<NON_REF>\t.\tPASS\tEND={end}\tGT:GQ:MIN_DP\t0/0:{gq}:{dp}"


def _gvcf(tmp_path: Path, name: str, gene: str, *, gq: int = 50, variants=()) -> Path:
    """A gVCF over one gene: reference blocks everywhere but at ``variants`` (c, p, ref, alt, gt).

    Each block's REF is a real base: the definitions give the base at their own positions, so
    blocks are cut to start at definition positions."""
    loci = sorted(kb.gene_definitions()[gene].loci, key=lambda lc: lc.position)
    chrom = loci[0].chrom
    variant_at = {v[1]: v for v in variants}
    lines = []
    starts = list(loci)
    for i, locus in enumerate(starts):
        end = starts[i + 1].position - 1 if i + 1 < len(starts) else locus.position + 100
        if locus.position in variant_at:
            c, p, r, a, gt = variant_at[locus.position]
            lines.append(f"{c}\t{p}\t.\t{r}\t{a},<NON_REF>\t50\tPASS\t.\tGT:GQ:DP\t{gt}:60:35")
            if end >= p + len(r):
                lines.append(_block(chrom, p + len(r), end, gq).replace("\tN\t", "\tA\t"))
            continue
        if end < locus.position:
            continue
        lines.append(_block(chrom, locus.position, end, gq).replace("\tN\t", f"\t{locus.ref[0]}\t"))
    return write_vcf(tmp_path / name, lines)


def test_gvcf_blocks_establish_reference(tmp_path: Path) -> None:
    result = interpret_vcf(_gvcf(tmp_path, "b.g.vcf", "CYP2C19"))
    assert result["callability"]["mode"] == "gvcf"
    call = result["pgx"]["CYP2C19"]
    assert call["status"] == "called" and call["phenotype"] == "Normal Metabolizer"


def test_gvcf_variant_inside_blocks(tmp_path: Path) -> None:
    (c, p, r, a), (c2, p2, r2, a2) = allele_sites("CYP2C19", "*17")
    variants = [(c, p, r, a, "0/1"), (c2, p2, r2, a2, "1/1")]
    path = _gvcf(tmp_path, "v.g.vcf", "CYP2C19", variants=variants)
    call = interpret_vcf(path)["pgx"]["CYP2C19"]
    assert call["status"] == "called" and call["diplotypes"] == ["*1/*17"]


def test_gvcf_low_gq_block_is_not_reference(tmp_path: Path) -> None:
    call = interpret_vcf(_gvcf(tmp_path, "l.g.vcf", "CYP2C19", gq=5))["pgx"]["CYP2C19"]
    assert call["status"] == "not_determined"
    assert "quality" in " ".join(call["unassessed_positions"].values())


def test_gvcf_block_does_not_prove_an_indel_absent(tmp_path: Path) -> None:
    call = interpret_vcf(_gvcf(tmp_path, "u.g.vcf", "UGT1A1"))["pgx"]["UGT1A1"]
    assert call["status"] == "not_determined" and "*28" in call["untested_alleles"]
    assert "indel" in " ".join(call["unassessed_positions"].values())


def test_lab_attestation_reads_absent_as_reference(tmp_path: Path) -> None:
    # *1/*17: the *17 SNV het, and 94842866 G (which *1 and *17 share) homozygous
    (c, p, _r, a), (c2, p2, r2, a2) = allele_sites("CYP2C19", "*17")
    lines = [
        f"{c}\t{p}\t.\tC\t{a}\t.\tPASS\t.\tGT\t0/1",
        f"{c2}\t{p2}\t.\t{r2}\t{a2}\t.\tPASS\t.\tGT\t1/1",
    ]
    path = write_vcf(tmp_path / "a.vcf", lines)
    assert interpret_vcf(path)["pgx"]["CYP2C19"]["status"] == "not_determined"
    attested = interpret_vcf(path, absent_is_reference=True)
    assert attested["callability"]["mode"] == "lab_attested"
    assert attested["pgx"]["CYP2C19"]["diplotypes"] == ["*1/*17"]


# ---------------------------------------------------------------- indel representation


def test_ugt1a1_ta_insertion_shifted_inside_the_span_is_recognised(tmp_path: Path) -> None:
    lines = [line for line in gene_lines(["UGT1A1"]) if not line.startswith("chr2\t233760233\t")]
    lines.append("chr2\t233760235\t.\tT\tTAT\t.\tPASS\t.\tGT\t0/1")  # same *28, right-shifted
    lines.append("chr2\t233760233\t.\tC\tA\t.\tPASS\t.\tGT\t0/0")
    call = interpret_vcf(write_vcf(tmp_path / "u.vcf", lines))["pgx"]["UGT1A1"]
    assert call["status"] == "called" and call["diplotypes"] == ["*1/*28"]


def test_unnormalised_ugt1a1_insertion_never_reads_star1(tmp_path: Path) -> None:
    lines = gene_lines(["UGT1A1"])
    lines.append("chr2\t233760245\t.\tT\tTAT\t.\tPASS\t.\tGT\t0/1")  # outside what we can place
    call = interpret_vcf(write_vcf(tmp_path / "n.vcf", lines))["pgx"]["UGT1A1"]
    assert call["status"] == "not_determined" and call["reason_code"] == "unnormalised_indel"
    assert "bcftools norm" in call["reason"]
    assert call["diplotypes"] == []


# --------------------------------------------------------------------------- outside calls


def test_hla_b_outside_call_gives_abacavir_advice(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "h.vcf", gene_lines(["CYP2C9"]))
    calls = parse_outside_text("#tool=OptiType\nHLA-B\tHLA-B*57:01:01/HLA-B*08:01\n")
    result = interpret_vcf(path, outside_calls=calls)["pgx"]
    hla = result["HLA-B"]
    assert hla["status"] == "outside_call" and hla["allele_status"]["*57:01"] == "positive"
    abacavir = [r for r in hla["recommendations"] if "abacavir" in r["drugs"]]
    assert abacavir and abacavir[0]["lookup"]["HLA-B"] == "*57:01 positive"
    assert result["HLA-A"]["status"] == "not_determined"


def test_outside_call_file_errors_are_one_clear_line(tmp_path: Path) -> None:
    for text, message in (
        ("FOO1\t*1/*2\n", "not one this portal reports"),
        ("CYP2D6\t*1/*2\nCYP2D6\t*1/*1\n", "given twice"),
        ("CYP2D6\t\t\t\n", "no diplotype"),
        ("HLA-B\tB27\n", "is not *NN:NN"),
        ("CYP2D6\t*1/*2/*3\n", "more than two"),
        ("# only a comment\n", "names no gene"),
        ("CYP2D6\t*1/*2\t\tseven\n", "not a number"),
    ):
        with pytest.raises(OutsideCallError, match=re.escape(message)):
            parse_outside_text(text)
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(OutsideCallError, match="UTF-8"):
        interpret_vcf(write_vcf(tmp_path / "v.vcf", gene_lines(["CYP2C9"])), outside_calls=bad)


def test_outside_phenotype_for_an_activity_gene(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "o.vcf", gene_lines(["CYP2C9"]))
    calls = parse_outside_text("CYP2D6\t\tPM\n")
    call = interpret_vcf(path, outside_calls=calls)["pgx"]["CYP2D6"]
    assert call["phenotype"] == "Poor Metabolizer" and call["status"] == "outside_call"


# ------------------------------------------------------------------------------- MT-RNR1


def test_mt_rnr1_from_chrm(tmp_path: Path) -> None:
    lines = ["chrM\t1555\t.\tA\tG\t.\tPASS\t.\tGT\t1"]
    result = interpret_vcf(write_vcf(tmp_path / "m.vcf", lines), absent_is_reference=True)
    mito = result["pgx"]["MT-RNR1"]
    assert mito["phenotype"] == "increased risk of aminoglycoside-induced hearing loss"
    assert {"gentamicin", "amikacin"} & _drugs(mito)
    no_chrm = write_vcf(tmp_path / "n.vcf", gene_lines(["CYP2C9"]))
    assert interpret_vcf(no_chrm, absent_is_reference=True)["pgx"]["MT-RNR1"]["status"] == (
        "not_determined"
    )


# --------------------------------------------------------------------------- NAT2, CFTR


def test_nat2_and_cftr_are_called(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "nc.vcf", gene_lines(["NAT2", "CFTR"]))
    result = interpret_vcf(path)["pgx"]
    assert result["NAT2"]["status"] == "called"
    assert result["NAT2"]["phenotype"] == "Rapid Metabolizer"
    assert result["CFTR"]["status"] == "called"


# ------------------------------------------------------------------------------------ QC


def test_declared_wgs_that_is_not_a_genome_fails_plausibility(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "small.vcf", gene_lines(["CYP2C19"]))
    result = interpret_vcf(path, declared_wgs=True)
    check = next(c for c in result["qc"]["checks"] if c["name"] == "genome_plausibility")
    assert check["status"] == "fail" and result["qc"]["status"] == "fail"
    # the per-gene calls are still there for staff to see
    assert result["pgx"]["CYP2C19"]["status"] == "called"


def test_identity_check_catches_a_swap(tmp_path: Path) -> None:
    lines = [
        f"chr1\t{1_000_000 + i * 100}\t.\tA\tG\t.\tPASS\t.\tGT\t{'0/1' if i % 2 else '1/1'}"
        for i in range(40)
    ]
    sample = write_vcf(tmp_path / "s.vcf", lines)
    same = write_vcf(tmp_path / "a.vcf", lines, sample="ARRAY")
    swapped = write_vcf(
        tmp_path / "w.vcf", [line.replace("0/1", "1/1") for line in lines], sample="ARRAY"
    )
    ok = interpret_vcf(sample, array_genotypes=same)["qc"]["checks"]
    bad = interpret_vcf(sample, array_genotypes=swapped)["qc"]["checks"]
    assert next(c for c in ok if c["name"] == "identity")["status"] == "pass"
    identity = next(c for c in bad if c["name"] == "identity")
    assert identity["status"] == "fail" and "swap" in identity["detail"]


def test_identity_check_reads_an_array_text_export(tmp_path: Path) -> None:
    lines = [
        f"chr1\t{1_000_000 + i * 100}\t.\tA\tG\t.\tPASS\t.\tGT\t{'0/1' if i % 2 else '1/1'}"
        for i in range(40)
    ]
    sample = write_vcf(tmp_path / "s.vcf", lines)
    table = tmp_path / "array.txt"
    rows = ["# rsid\tchromosome\tposition\tgenotype"] + [
        f"rs{i}\t1\t{1_000_000 + i * 100}\t{'AG' if i % 2 else 'GG'}" for i in range(40)
    ]
    table.write_text("\n".join(rows) + "\n")
    checks = interpret_vcf(sample, array_genotypes=table)["qc"]["checks"]
    identity = next(c for c in checks if c["name"] == "identity")
    assert identity["status"] == "pass" and identity["value"] == 1.0


def test_a_filtered_mhs_call_never_becomes_a_pgx_susceptibility() -> None:
    from results.reports.genes import harmonise

    name = core_alleles.core_alleles("RYR1")[0]
    (chrom, pos, ref, alt), *_ = allele_sites("RYR1", name)
    finding = {
        "gene": "RYR1",
        "variant": f"{chrom}:{pos}:{ref}>{alt}",
        "hgvs": f"RYR1:{name}",
        "zygosity": "heterozygous",
        "source": "cpic_mhs",
        "qc": "filtered",
    }
    result = {
        "pgx": {"RYR1": {"diplotypes": [], "phenotype": None, "status": "not_determined"}},
        "disease_risk": [finding],
    }
    harmonised = harmonise(result)
    assert harmonised["pgx"]["RYR1"]["status"] == "not_determined"
    assert harmonised["pgx"]["RYR1"]["phenotype"] != "Malignant Hyperthermia Susceptibility"

"""Benchmark the interpretation engine on a synthetic whole-genome-sized VCF.

``run()`` returns ``{"<name>": {"value": number, "unit": str, "detail": str}}``;
``python bench/bench_interpret.py`` prints a table. The synthetic VCFs (4.5M and 0.5M records over
chr1-22, with a few PGx and disease-risk variants planted) are generated once into bench/.cache/.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pysam  # noqa: E402

from results.engine import knowledge_base as kb  # noqa: E402
from results.engine.clinvar import ClinVarRecord  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
KGP_3202 = kb.KNOWLEDGE_DIR / "1kgp" / "1kgp3202_at_pharmcat_positions.vcf.gz"
GVCF_RECORDS = 3_000_000
BIG_RECORDS = 4_500_000
SMALL_RECORDS = 500_000
# planted (het): CYP2C19*2 (rs12769205 + rs4244285), CYP2C19*17, a synthetic BRCA2 P/LP
# record
PLANTED = {
    ("chr10", 94775367): ("A", "G", "0/1"),
    ("chr10", 94781859): ("G", "A", "0/1"),
    ("chr10", 94842866): ("A", "G", "1/1"),  # rs3758581: *1-lineage background
    ("chr10", 94761900): ("C", "T", "0/1"),
    ("chr13", 32340300): ("G", "A", "0/1"),
}
BENCH_CLINVAR = [
    ClinVarRecord(
        "chr13", 32340300, "G", "A", "BRCA2", "900001", "1", "NC_000013.11:g.32340300G>A",
        "Hereditary breast ovarian cancer", "Pathogenic", "reviewed by expert panel", 3,
        ("missense_variant",),
    )
]  # fmt: skip


def _generate(path: Path, records: int) -> Path:
    if path.exists() and Path(f"{path}.tbi").exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(records)
    lengths = {c: kb_len for c, kb_len in _grch38().items() if c not in ("X", "Y")}
    total = sum(lengths.values())
    plain = path.with_suffix("")
    definition_refs = {(x.chrom, x.position): x.ref for x in _all_loci()}
    bases = "ACGT"
    with plain.open("w") as handle:
        handle.write("##fileformat=VCFv4.2\n")
        for chrom, length in lengths.items():
            handle.write(f"##contig=<ID=chr{chrom},length={length}>\n")
        handle.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        handle.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSYNTH\n")
        for chrom, length in lengths.items():
            count = max(1, records * length // total)
            positions = sorted(set(rng.sample(range(1, length), count)))
            name = f"chr{chrom}"
            planted = sorted(p for (c, p) in PLANTED if c == name)
            positions = sorted(set(positions) | set(planted))
            chunk: list[str] = []
            for pos in positions:
                if (name, pos) in PLANTED:
                    ref, alt, gt = PLANTED[(name, pos)]
                else:
                    if (name, pos) in definition_refs:
                        continue  # keep the PGx calls predictable: only planted variants there
                    ref = rng.choice(bases)
                    alt = bases[(bases.index(ref) + 1) % 4]
                    gt = "0/1" if pos % 3 else "1/1"
                chunk.append(f"{name}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT\t{gt}\n")
                if len(chunk) >= 200_000:
                    handle.write("".join(chunk))
                    chunk.clear()
            handle.write("".join(chunk))
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    plain.unlink()
    return path


def _grch38() -> dict[str, int]:
    from results.engine.vcf_intake import GRCH38_LENGTHS

    return GRCH38_LENGTHS


def _all_loci() -> list[kb.Locus]:
    from results.engine.pgx import target_loci

    return target_loci()


def _child(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict; add its peak RSS (MiB)."""
    script = (
        "import json, resource, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"{code}\n"
        # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak over exec
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "out['peak_rss_mib'] = int(hwm[0].split()[1]) / 1024 if hwm else "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _interpret_times(path: Path, repeats: int = 5) -> dict[str, float]:
    return _child(
        "from results.engine.interpretation import interpret_vcf\n"
        "from bench.bench_interpret import BENCH_CLINVAR\n"
        f"args = ({str(path)!r},)\n"
        "kwargs = {'clinvar': ('bench', BENCH_CLINVAR), 'absent_is_reference': True,\n"
        "          'declared_wgs': True}\n"
        "interpret_vcf(*args, **kwargs)  # warm caches\n"
        "times = []\n"
        f"for _ in range({repeats}):\n"
        "    t = time.perf_counter()\n"
        "    r = interpret_vcf(*args, **kwargs)\n"
        "    times.append(time.perf_counter() - t)\n"
        "assert r['pgx']['CYP2C19']['diplotypes'] == ['*2/*17'], r['pgx']['CYP2C19']\n"
        "assert [f['gene'] for f in r['disease_risk']] == ['BRCA2'], r['disease_risk']\n"
        "times.sort()\n"
        "out = {'median_s': times[len(times) // 2]}\n"
    )


def _generate_gvcf(path: Path, records: int) -> Path:
    """A single-sample gVCF whose hom-ref blocks (GQ 40, MIN_DP 20) cover all of GRCh38's
    chromosomes (3.1 Gb), with variant records between them, the planted PGx and BRCA2
    variants, and force-genotyped 0/0 records at every defined indel (as HaplotypeCaller
    ``--alleles`` gives them)."""
    if path.exists() and Path(f"{path}.tbi").exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(records)
    lengths = _grch38()
    total = sum(lengths.values())
    loci = {(x.chrom, x.position): x for x in _all_loci()}
    indels = {key: x for key, x in loci.items() if any(len(a) != len(x.ref) for a in x.alts)}
    bases = "ACGT"
    plain = path.with_suffix("")
    with plain.open("w") as handle:
        handle.write("##fileformat=VCFv4.2\n##reference=GRCh38\n")
        for chrom, length in lengths.items():
            handle.write(f"##contig=<ID=chr{chrom},length={length}>\n")
        handle.write(
            '##INFO=<ID=END,Number=1,Type=Integer,Description="End of the block">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">\n'
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
            '##FORMAT=<ID=MIN_DP,Number=1,Type=Integer,Description="Minimum depth">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSYNTH\n"
        )
        for chrom, length in lengths.items():
            name = f"chr{chrom}"
            count = max(2, records * length // total)
            special = {p for (c, p) in PLANTED if c == name} | {p for (c, p) in indels if c == name}
            cuts = sorted(set(rng.sample(range(2, length), count // 2)) - special)
            variants = set(cuts[::2]) | special
            chunk: list[str] = []
            start = 1
            for pos in sorted(set(cuts) | special):
                if pos <= start:
                    continue
                locus = loci.get((name, pos))
                ref_base = locus.ref[0] if locus else rng.choice(bases)
                chunk.append(
                    f"{name}\t{start}\t.\t{rng.choice(bases)}\t<NON_REF>\t.\tPASS\t"
                    f"END={pos - 1}\tGT:GQ:MIN_DP\t0/0:40:20\n"
                )
                if pos in variants:
                    if (name, pos) in PLANTED:
                        ref, alt, gt = PLANTED[(name, pos)]
                    elif (name, pos) in indels:
                        ref, alt, gt = locus.ref, locus.alts[0], "0/0"
                    else:
                        ref = ref_base
                        alt = bases[(bases.index(ref) + 2) % 4]  # a transition
                        gt = "0/1" if pos % 3 else "1/1"
                    chunk.append(
                        f"{name}\t{pos}\t.\t{ref}\t{alt},<NON_REF>\t50\tPASS\t.\t"
                        f"GT:GQ:DP\t{gt}:60:35\n"
                    )
                    start = pos + len(ref)
                else:
                    start = pos
                if len(chunk) >= 200_000:
                    handle.write("".join(chunk))
                    chunk.clear()
            chunk.append(
                f"{name}\t{start}\t.\tN\t<NON_REF>\t.\tPASS\tEND={length}\t"
                "GT:GQ:MIN_DP\t0/0:40:20\n"
            )
            handle.write("".join(chunk))
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    plain.unlink()
    return path


def _gvcf_times(path: Path, repeats: int = 5) -> dict[str, float]:
    return _child(
        "from results.engine.interpretation import interpret_vcf\n"
        "from bench.bench_interpret import BENCH_CLINVAR\n"
        f"args = ({str(path)!r},)\n"
        "kwargs = {'clinvar': ('bench', BENCH_CLINVAR), 'declared_wgs': True}\n"
        "interpret_vcf(*args, **kwargs)  # warm caches\n"
        "times = []\n"
        f"for _ in range({repeats}):\n"
        "    t = time.perf_counter()\n"
        "    r = interpret_vcf(*args, **kwargs)\n"
        "    times.append(time.perf_counter() - t)\n"
        "assert r['callability']['mode'] == 'gvcf', r['callability']\n"
        "c19 = r['pgx']['CYP2C19']\n"
        "assert c19['status'] == 'called' and c19['diplotypes'] == ['*2/*17'], c19\n"
        "assert r['disease_risk_scope']['status'] == 'determined'\n"
        "assert [f['gene'] for f in r['disease_risk']] == ['BRCA2'], r['disease_risk']\n"
        "called = sum(1 for g in r['pgx'].values() if g['status'] == 'called')\n"
        "times.sort()\n"
        "out = {'median_s': times[len(times) // 2], 'called': called}\n"
    )


def _full_scan(path: Path) -> dict[str, float]:
    return _child(
        "import pysam\n"
        "t = time.perf_counter()\n"
        f"n = sum(1 for _ in pysam.VariantFile({str(path)!r}))\n"
        "out = {'seconds': time.perf_counter() - t, 'records': n}\n"
    )


def _batch() -> dict[str, float]:
    return _child(
        "from results.engine.interpretation import interpret_vcf_batch\n"
        "t = time.perf_counter()\n"
        f"r = interpret_vcf_batch({str(KGP_3202)!r}, absent_is_reference=True, "
        "with_recommendations=False)\n"
        "out = {'seconds': time.perf_counter() - t, 'samples': len(r)}\n"
    )


def run() -> dict[str, dict[str, object]]:
    started = time.perf_counter()
    big = _generate(CACHE / f"synthetic_{BIG_RECORDS}.vcf.gz", BIG_RECORDS)
    small = _generate(CACHE / f"synthetic_{SMALL_RECORDS}.vcf.gz", SMALL_RECORDS)
    gvcf = _generate_gvcf(CACHE / f"synthetic_{GVCF_RECORDS}.g.vcf.gz", GVCF_RECORDS)
    generated = time.perf_counter() - started
    gvcf_run = _gvcf_times(gvcf)
    big_run = _interpret_times(big)
    small_run = _interpret_times(small)
    scan = _full_scan(big)
    figures: dict[str, dict[str, object]] = {
        "interpret_wgs_s": {
            "value": round(big_run["median_s"], 3),
            "unit": "s",
            "detail": f"median of 5 interpret_vcf runs on {BIG_RECORDS:,} records (target <= 1 s)",
        },
        "interpret_wgs_peak_rss": {
            "value": round(big_run["peak_rss_mib"], 1),
            "unit": "MiB",
            "detail": "peak RSS of the interpreting process (fresh interpreter)",
        },
        "full_scan_s": {
            "value": round(scan["seconds"], 3),
            "unit": "s",
            "detail": f"pysam.VariantFile full scan of the same file ({int(scan['records']):,} "
            "records)",
        },
        "full_scan_peak_rss": {
            "value": round(scan["peak_rss_mib"], 1),
            "unit": "MiB",
            "detail": "peak RSS of the scan",
        },
        "interpret_vs_full_scan_speedup": {
            "value": round(scan["seconds"] / big_run["median_s"], 1),
            "unit": "x",
            "detail": "full scan time / interpret_wgs_s (target >= 20)",
        },
        "interpret_scaling_ratio": {
            "value": round(big_run["median_s"] / small_run["median_s"], 2),
            "unit": "ratio",
            "detail": f"{BIG_RECORDS:,}-record time / {SMALL_RECORDS:,}-record time, "
            "same targets (target <= 1.5)",
        },
        "gvcf_interpret_s": {
            "value": round(gvcf_run["median_s"], 3),
            "unit": "s",
            "detail": f"median of 5 interpret_vcf runs on a {GVCF_RECORDS:,}-record gVCF whose "
            f"reference blocks cover all 3.1 Gb of GRCh38 ({int(gvcf_run['called'])} genes "
            "called from blocks, no attestation)",
        },
        "synthetic_generation_s": {
            "value": round(generated, 1),
            "unit": "s",
            "detail": "0 when both files were already cached in bench/.cache/",
        },
    }
    if KGP_3202.exists():
        batch = _batch()
        figures["pgx_samples_per_s"] = {
            "value": round(batch["samples"] / batch["seconds"], 1),
            "unit": "samples/s",
            "detail": f"interpret_vcf_batch, 3,202 1000 Genomes samples ({batch['seconds']:.1f} s)",
        }
        figures["pgx_batch_peak_rss"] = {
            "value": round(batch["peak_rss_mib"], 1),
            "unit": "MiB",
            "detail": "peak RSS of the batch process",
        }
    figures["bench_peak_rss_parent"] = {
        "value": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "unit": "MiB",
        "detail": "this process (generation only)",
    }
    return figures


if __name__ == "__main__":
    results = run()
    width = max(len(name) for name in results)
    for name, figure in results.items():
        print(f"{name:<{width}}  {figure['value']:>10} {figure['unit']:<10} {figure['detail']}")

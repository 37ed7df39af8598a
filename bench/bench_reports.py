"""Benchmark report PDFs: our renderer against the simplest WeasyPrint use, same run.

``run()`` returns ``{"<name>": {"value": number, "unit": str, "detail": str}}``;
``python bench/bench_reports.py`` prints a table. Inputs are real: the eight 1000 Genomes
samples in /work/shared/data/genetics/1kgp/samples/ interpreted by the engine, as PGx
reports alternating English and Spanish, each with its own participant id. One process, one
thread (one core).

* ours, warm: a worker that has already rendered these phenotypes once (its layout cache
  holds the shared sections). In a cohort the shared sections are keyed by phenotype-level
  content, so a long-running worker is in this state almost always: see
  ``report_guidance_cache_hit_rate`` for the rate measured over 1000 Genomes.
* ours, cold: the layout cache is emptied before every report (every section laid out).
* simple: one HTML document with the stylesheet inline, parsed and laid out each time.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

import pypdf  # noqa: E402

from bench.harness import figure, peak_rss_mb  # noqa: E402
from results.engine.interpretation import interpret_vcf, interpret_vcf_batch  # noqa: E402
from results.reports import build_report_context  # noqa: E402
from results.reports import pdf as report_pdf  # noqa: E402

SAMPLES = Path("/work/shared/data/genetics/1kgp/samples")
KGP_3202 = Path("/work/shared/data/genetics/1kgp/1kgp3202_at_pharmcat_positions.vcf.gz")
CACHE = ROOT / "bench" / ".cache"
ROUNDS = int(os.environ.get("BENCH_REPORT_ROUNDS", "2"))


def _interpretations() -> list[dict]:
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / "report_inputs.json"
    if cached.exists():
        return json.loads(cached.read_text())
    results = [
        interpret_vcf(path, absent_is_reference=True)
        for path in sorted(SAMPLES.glob("*.pgx_genes.vcf.gz"))
    ]
    cached.write_text(json.dumps(results))
    return results


def _contexts(interpretations: list[dict]) -> list[dict]:
    return [
        build_report_context(
            report_type="pgx",
            interpretation=item,
            language=("en", "es")[index % 2],
            participant_id=f"P-{100000 + index}",
            released_on=date(2026, 11, 2),
            report_version=1,
        )
        for index, item in enumerate(interpretations)
    ]


def _interleaved(renderers: dict, contexts: list[dict], rounds: int) -> dict:
    """Reports per CPU-second and per wall-second for each renderer, measured interleaved.

    CPU time is the figure: the machine is shared, and one thread's CPU time is what one
    core spends. The renderers take turns report by report, so a burst of load from other
    processes hits all of them alike and the ratio stays meaningful.
    """
    spent = {name: [0.0, 0.0, 0] for name in renderers}
    for _ in range(rounds):
        for context in contexts:
            for name, (render, before) in renderers.items():
                if before:
                    before()
                cpu, wall = time.process_time(), time.perf_counter()
                render(context)
                spent[name][0] += time.process_time() - cpu
                spent[name][1] += time.perf_counter() - wall
                spent[name][2] += 1
    return {name: (n / cpu, n / wall) for name, (cpu, wall, n) in spent.items()}


def _population_hit_rate(limit: int = 1000) -> tuple[float, int, int]:
    """Guidance-section cache hits over real genomes, in cohort order (no render needed)."""
    cached = CACHE / "report_population_inputs.json"
    if cached.exists():
        batch = json.loads(cached.read_text())
    else:
        everyone = interpret_vcf_batch(KGP_3202, absent_is_reference=True)
        batch = {sample: everyone[sample] for sample in sorted(everyone)[:limit]}
        cached.write_text(json.dumps(batch))
    seen: set[str] = set()
    hits = total = 0
    for index, sample in enumerate(sorted(batch)):
        context = build_report_context(
            report_type="pgx",
            interpretation=batch[sample],
            language="en",
            participant_id=f"P-{index}",
            released_on=None,
            report_version=1,
        )
        for section in context["guidance"]:
            total += 1
            hits += section["key"] in seen
            seen.add(section["key"])
    return (hits / total if total else 1.0), len(seen), len(batch)


def _lay_pages(pdf: bytes, language: str) -> int:
    """Pages of the participant (lay) part: those before the clinician appendix starts."""
    from django.utils import translation

    with translation.override(language):
        heading = " ".join(translation.gettext("For your doctor: technical appendix").split())
    texts = [
        " ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]
    return next((i for i, text in enumerate(texts) if heading in text), len(texts))


def run() -> dict:
    contexts = _contexts(_interpretations())
    pdfs = [report_pdf.render_report_pdf(c) for c in contexts]
    pages = [len(pypdf.PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs]
    lay = sorted(_lay_pages(pdf, c["language"]) for pdf, c in zip(pdfs, contexts, strict=True))
    report_pdf.render_report_pdf_simple(contexts[0])  # warm the simple path's imports too

    rates = _interleaved(
        {
            "ours": (report_pdf.render_report_pdf, None),
            "simple": (report_pdf.render_report_pdf_simple, None),
        },
        contexts,
        ROUNDS,
    )
    (ours, ours_wall), (simple, simple_wall) = rates["ours"], rates["simple"]
    cold, cold_wall = _interleaved(
        {"cold": (report_pdf.render_report_pdf, report_pdf.shared_layouts.clear)}, contexts, 1
    )["cold"]
    hit_rate, distinct, reports = _population_hit_rate()
    detail = (
        f"{len(contexts)} real 1KGP PGx reports (EN/ES), {min(pages)}-{max(pages)} pages "
        f"(mean {sum(pages) / len(pages):.1f}): lay cards, then the clinician appendix (gene "
        f"table, CPIC texts) and reference pages, PDF/UA-1"
    )
    return {
        "report_pdf_per_s": figure(
            ours, "reports/s", f"ours, warm, per CPU-second ({ours_wall:.2f}/s wall); {detail}"
        ),
        "report_pdf_simple_per_s": figure(
            simple,
            "reports/s",
            f"one HTML document, CSS parsed each time, same content ({simple_wall:.2f}/s wall)",
        ),
        "report_pdf_speedup": figure(
            ours / simple, "x", "ours / simple, CPU time, interleaved report by report"
        ),
        "report_pdf_cold_per_s": figure(
            cold,
            "reports/s",
            f"ours, layout cache emptied before every report ({cold_wall:.2f}/s wall)",
        ),
        "report_guidance_cache_hit_rate": figure(
            hit_rate * 100,
            "%",
            f"CPIC guidance sections reused over {reports} 1KGP genomes in order "
            f"({distinct} distinct sections)",
        ),
        "report_pdf_pages_typical": figure(
            lay[len(lay) // 2],
            "pages",
            f"participant (lay) part before the clinician appendix, median of {len(lay)} real "
            f"1KGP PGx reports (range {lay[0]}-{lay[-1]}); target <= 6",
        ),
        "report_pdf_peak_rss": figure(peak_rss_mb(), "MB", "peak RSS of this process"),
    }


if __name__ == "__main__":
    results = run()
    width = max(len(name) for name in results)
    for name, item in results.items():
        print(f"{name:<{width}}  {item['value']:>10} {item['unit']:<10} {item['detail']}")

"""Time to render one signed consent PDF (PDF/UA-1) in a warm worker process.

The record is built in memory from the shipped default texts (no database), exactly
as the Celery task renders it. Baseline in the same run: the same HTML rendered to a
plain (untagged) PDF, to show what the accessible variant costs.
"""

import datetime as dt
import statistics
import time

import django

from bench.harness import figure, peak_rss_mb

RUNS = 15


def _record(language: str):
    from participants.consent.defaults import _text
    from participants.consent.models import ConsentForm, ConsentRecord, ConsentVersion
    from participants.consent.rendering import split_title
    from participants.models import Participant

    text_en, text_es = _text("primary", "en"), _text("primary", "es")
    form = ConsentForm(
        code="primary", title_en=split_title(text_en)[0], title_es=split_title(text_es)[0]
    )
    version = ConsentVersion(
        form=form,
        number=1,
        status="published",
        effective_date=dt.date(2026, 1, 1),
        text_en=text_en,
        text_es=text_es,
    )
    return ConsentRecord(
        participant=Participant(participant_id="P123456782"),
        version=version,
        language=language,
        decision="agree",
        typed_name="María José Pérez",
        signed_at=dt.datetime.now(dt.UTC),
        text_sha256=version.sha256(language),
    )


def run() -> dict:
    django.setup()
    from weasyprint import HTML

    from participants.consent import consent_pdf

    records = [_record("en"), _record("es")]
    consent_pdf.consent_pdf_bytes(records[0])  # warm: imports, fonts, templates
    ours = []
    for i in range(RUNS):
        started = time.perf_counter()
        pdf = consent_pdf.consent_pdf_bytes(records[i % 2])
        ours.append(time.perf_counter() - started)
    assert pdf.startswith(b"%PDF")
    original = HTML.write_pdf
    HTML.write_pdf = lambda self, *a, **k: original(self)  # same HTML, untagged
    try:
        plain = []
        for i in range(RUNS):
            started = time.perf_counter()
            consent_pdf.consent_pdf_bytes(records[i % 2])
            plain.append(time.perf_counter() - started)
    finally:
        HTML.write_pdf = original
    median = statistics.median(ours) * 1000
    detail = (
        f"median of {RUNS} renders (English and Spanish alternating) in one warm process; "
        f"baseline: the same HTML without the PDF/UA variant, same run"
    )
    return {
        "consent_pdf_ms": figure(median, "ms", detail),
        "consent_pdf_vs_untagged_ratio": figure(
            median / (statistics.median(plain) * 1000), "x", detail
        ),
        "consent_pdf_peak_rss_mb": figure(
            peak_rss_mb(), "MiB", "peak RSS of the benchmark process after rendering"
        ),
    }

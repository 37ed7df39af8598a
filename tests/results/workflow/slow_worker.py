"""A real Celery worker that can be made to stall while it makes a report's PDFs.

Used by `test_results_worker.py` (arguments and behaviour: tests/killable_worker_main.py).
Stages, each written as "STAGE REPORT_PK KIND LANGUAGE PID":

- `render`: just before a PDF is rendered (nothing of it stored yet), through
  `results.documents.before_render_hooks` (empty in production);
- `stored`: after a PDF's file and its ReportDocument row are committed, before the task
  goes on to the report's next document (or returns and is acknowledged). Reached again,
  without rendering, when a redelivered task finds the document already there.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.killable_worker_main import reached, serve  # first: it sets Django up

# isort: split
from results import documents

_document_render = documents.document_render


def _render_then_mark(*, report, kind, language):
    # documents_render calls document_render (looked up in the module) once per PDF; the
    # document row is committed when it returns.
    document = _document_render(report=report, kind=kind, language=language)
    reached("stored", report.pk, kind, language)
    return document


documents.before_render_hooks.append(
    lambda *, report, kind, language: reached("render", report.pk, kind, language)
)
documents.document_render = _render_then_mark
serve("results-slow")

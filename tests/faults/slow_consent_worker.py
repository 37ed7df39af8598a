"""A real Celery worker that can be made to stall while it makes a signed consent's PDF.

Used by `test_consent_pdf_worker_kill.py` (arguments and behaviour: tests/killable_worker_main.py).
Stages, each written as "STAGE RECORD_PK PID":

- `render`: just before the PDF is rendered (nothing stored yet), through
  `participants.consent.consent_pdf.before_render_hooks` (empty in production);
- `stored`: after the document row and its file are committed, before the e-mail copy.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.killable_worker_main import reached, serve  # first: it sets Django up

# isort: split
from participants.consent import consent_pdf, tasks

_email_document = tasks._email_document


def _after_store(document) -> None:
    # make_consent_document calls _email_document once the document row is committed.
    reached("stored", document.record_id)
    _email_document(document)


consent_pdf.before_render_hooks.append(lambda *, record: reached("render", record.pk))
tasks._email_document = _after_store
serve("consent-slow")

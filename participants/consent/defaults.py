"""The program's default consents (texts/), loaded by `load_default_consents` and the demo seed."""

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from participants.consent.models import (
    ConsentForm,
    ConsentVersion,
    DecisionKind,
    VersionStatus,
)
from participants.consent.rendering import split_title

TEXTS_DIR = Path(__file__).resolve().parent / "texts"

# code: (kind, withdrawable on its own, months a signature stays valid)
DEFAULT_FORMS = {
    "primary": (DecisionKind.AGREE_DECLINE, False, None),
    # The HIPAA authorization must name an end date; the program chose five years.
    "ehr": (DecisionKind.AGREE_DECLINE, True, 60),
    "gror": (DecisionKind.YES_NO_NOT_SURE, True, None),
}


def _text(code: str, language: str) -> str:
    return (TEXTS_DIR / f"{code}.{language}.md").read_text(encoding="utf-8")


@transaction.atomic
def load_default_consents() -> list[str]:
    """Creates each default form with version 1 published. Idempotent: returns what it created."""
    created: list[str] = []
    for position, (code, (kind, withdrawable, months)) in enumerate(DEFAULT_FORMS.items()):
        text_en, text_es = _text(code, "en"), _text(code, "es")
        form, _ = ConsentForm.objects.get_or_create(
            code=code,
            defaults={
                "title_en": split_title(text_en)[0],
                "title_es": split_title(text_es)[0],
                "kind": kind,
                "withdrawable": withdrawable,
                "position": position,
            },
        )
        if form.versions.exists():
            continue
        version = ConsentVersion(
            form=form,
            number=1,
            status=VersionStatus.PUBLISHED,
            effective_date=timezone.localdate(),
            text_en=text_en,
            text_es=text_es,
            valid_months=months,
            published_at=timezone.now(),
        )
        version.refresh_hashes()
        version.save()
        created.append(str(version))
    return created

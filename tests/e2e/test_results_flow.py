"""A participant opts in, reads their report and downloads the PDF, on a 360 px phone."""

import io
import re
from pathlib import Path

import pytest
from django.test import Client
from pypdf import PdfReader

from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "prefix": "",
        "results": "Your DNA results",
        "choose": "Choose which results you want to see",
        "pgx": "Medicines and your genes",
        "dr": "Health risks you can act on",
        "traits": "Traits",
        "yes": "Yes, show me",
        "no": "No, do not show me",
        "save": "Save my choices",
        "ready": "Ready to read.",
        "pdf": "Download this report as a PDF",
        "phenotype": "Intermediate Metabolizer",
    },
    "es": {
        "prefix": "/es",
        "results": "Sus resultados de ADN",
        "choose": "Elija qué resultados quiere ver",
        "pgx": "Los medicamentos y sus genes",
        "dr": "Riesgos para la salud que se pueden atender",
        "traits": "Rasgos",
        "yes": "Sí, quiero verlo",
        "no": "No, no quiero verlo",
        "save": "Guardar mis opciones",
        "ready": "Listo para leer.",
        "pdf": "Descargar este informe en PDF",
        "phenotype": "Metabolizador intermedio",
    },
}


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


def _participant_with_a_sample(language: str, tmp_path):
    from results.manifests import UploadedFiles, sample_manifest_ingest
    from results.releases import knowledge_base_release_register
    from tests.factories import ParticipantFactory, UserFactory
    from tests.results.workflow.helpers import give_gror, manifest_csv, renamed_vcf, upload

    knowledge_base_release_register()
    participant = ParticipantFactory(preferred_language=language)
    give_gror(participant)
    manager = UserFactory(is_staff=True)
    path = renamed_vcf("NA12878", f"E2E-{language}", tmp_path / "vcfs")
    outcome = sample_manifest_ingest(
        actor=manager,
        manifest_bytes=manifest_csv([(participant.research_id, f"E2E-{language}", path.name, "")]),
        manifest_name="e2e.csv",
        files=UploadedFiles([upload(path)]),
    )
    assert outcome.errors == []
    return participant


@pytest.mark.parametrize("language", ["en", "es"])
def test_opt_in_read_and_download(live_server, phone_page, language, tmp_path):
    t = TEXT[language]
    page = phone_page
    participant = _participant_with_a_sample(language, tmp_path)
    client = Client()
    client.force_login(participant.user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    base = live_server.url + t["prefix"]

    page.goto(base + "/me/")
    assert page.get_by_role("heading", name=t["results"]).is_visible()
    assert_accessible(page)
    page.get_by_role("link", name=t["choose"]).first.click()

    page.wait_for_url(re.compile(r".*/me/results/choices/$"))
    assert page.get_attribute("html", "lang") == language
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    page.get_by_role("group", name=t["pgx"]).get_by_label(t["yes"]).check()
    page.get_by_role("group", name=t["dr"]).get_by_label(t["yes"]).check()
    page.get_by_role("group", name=t["traits"]).get_by_label(t["no"]).check()
    screenshot(page, f"results-choices-{language}-360")
    page.get_by_role("button", name=t["save"]).click()

    page.wait_for_url(re.compile(r".*/me/results/$"))
    assert_accessible(page)
    page.get_by_role("link", name=t["ready"]).first.click()

    page.wait_for_url(re.compile(r".*/me/results/\d+/$"))
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    assert "CYP2C19" in page.content()
    screenshot(page, f"results-report-{language}-360")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t["pdf"]).click()
    pdf = download_info.value
    data = Path(pdf.path()).read_bytes()
    text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages
    )
    assert "*1/*2" in text and t["phenotype"] in text

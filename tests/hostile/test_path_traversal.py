"""Path traversal in file names, folders and URLs (R21: stored outside the web root).

Uploaded VCFs are stored in the private storage under a name the server makes
(`samples/<manifest>/<sample id>-<safe name>`); a name with a folder in it, a parent
reference, an absolute path or a NUL is refused (the manifest must name the file it means)
or reduced to its last part by Django before the portal sees it. Server folders are
accepted only inside the configured import roots, symlinks included. Stored names read
back from the database are still confined to the storage root.
"""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from results.manifests import FolderFiles, ManifestError, sanitize_filename
from results.models import Sample, SampleManifest
from tests.results.workflow.helpers import manifest_csv
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db

VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("a.vcf.gz", "a.vcf.gz"),
        ("my sample (1).vcf.gz", "my_sample_1_.vcf.gz"),
        ("../a.vcf.gz", None),
        ("..\\a.vcf.gz", None),
        ("/etc/a.vcf", None),
        ("C:\\data\\a.vcf", None),
        ("a/../../b.vcf", None),
        ("..", None),
        (".hidden.vcf", None),
        ("a.txt", None),
        ("a.vcf.gz.exe", None),
        ("a\x00.vcf", None),
        ("\uff0e\uff0e\uff0fa.vcf", None),  # full-width "../": NFKC makes it a real one
        ("a\u2215b.vcf", "a_b.vcf"),  # division slash is not a separator, but is not kept
        ("", None),
    ],
)
def test_file_names_are_sanitised(name, safe):
    assert sanitize_filename(name) == safe


def test_folder_import_refuses_folders_outside_the_roots(tmp_path):
    root = tmp_path / "incoming"
    (root / "batch").mkdir(parents=True)
    with pytest.raises(ManifestError):
        FolderFiles(tmp_path, roots=[root])
    with pytest.raises(ManifestError):
        FolderFiles(root / "batch" / ".." / "..", roots=[root])
    files = FolderFiles(root / "batch", roots=[root])
    outside = tmp_path / "secret.vcf"
    outside.write_text("##fileformat=VCFv4.2\n")
    (root / "batch" / "link.vcf").symlink_to(outside)
    assert files.open("link.vcf") is None


def _multipart(fields: dict[str, str], files: list[tuple[str, bytes, bytes]]):
    """A multipart body written by hand: the test client would strip folders from names."""
    boundary = "hostile-boundary-7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for field, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
            + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


HOSTILE_NAMES = [
    b"../../etc/passwd.vcf",
    b"..\\..\\x.vcf.gz",
    b"/etc/abs.vcf",
    b"C:\\Windows\\win.vcf",
    b"nul\x00.vcf",
    b"%2e%2e%2fenc.vcf",
    b"....//dots.vcf",
]


def test_uploaded_names_with_folders_are_stored_under_a_generated_name(
    participant, kb, data_manager, tmp_path
):
    rows = []
    for number, raw in enumerate(HOSTILE_NAMES):
        # The row names the file as the attacker did, and as its last part.
        typed = raw.replace(b"\x00", b"").decode()
        rows.append((participant.research_id, f"AS-TYPED-{number}", typed, ""))
        last = re.split(r"[/\\]", typed)[-1]
        rows.append((participant.research_id, f"LAST-PART-{number}", last, ""))
    body, content_type = _multipart(
        {"folder": ""},
        [("manifest", b"../../m.csv", manifest_csv(rows))]
        + [("files", raw, VCF) for raw in HOSTILE_NAMES],
    )
    client = staff_client(data_manager)
    response = client.post(reverse("staff_results:manifests"), body, content_type=content_type)
    assert response.status_code == 302, response.content.decode()[:3000]
    manifest = SampleManifest.objects.get()
    assert "/" not in manifest.filename and "\\" not in manifest.filename

    refused = {e["sample_id"]: e["error"] for e in manifest.row_errors}
    for number, raw in enumerate(HOSTILE_NAMES):
        if re.search(rb"[/\\]|\.\.", raw):
            assert "not allowed" in refused[f"AS-TYPED-{number}"], raw

    root = Path(storages["private"].location).resolve()
    stored = list(Sample.objects.values_list("vcf_name", flat=True))
    assert stored, "the plain last parts were accepted"
    for name in stored:
        assert re.fullmatch(r"samples/\d+/[A-Za-z0-9._-]+", name), name
        assert (root / name).resolve().is_relative_to(root)
    # the knowledge base's ClinVar release (the `kb` fixture) is not an upload
    every_file = [
        p.resolve()
        for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(root / "knowledge")
    ]
    assert every_file and all(p.is_relative_to(root / "samples") for p in every_file)
    for escaped in ("etc", "x.vcf.gz", "abs.vcf", "m.csv"):
        assert not (root.parent / escaped).exists() and not (tmp_path / escaped).exists()


@pytest.mark.parametrize(
    "folder",
    ["../../etc", "/etc", "/", "{root}/../..", "{root}/link-to-etc", "{root}/nowhere/../../.."],
)
def test_server_folders_outside_the_import_roots_are_refused(
    participant, kb, data_manager, tmp_path, settings, folder
):
    root = tmp_path / "incoming"
    root.mkdir()
    (root / "link-to-etc").symlink_to("/etc")
    settings.RESULTS_IMPORT_ROOTS = [root]
    response = staff_client(data_manager).post(
        reverse("staff_results:manifests"),
        {
            "manifest": SimpleUploadedFile(
                "m.csv", manifest_csv([(participant.research_id, "F-1", "passwd.vcf", "")])
            ),
            "folder": folder.format(root=root),
        },
    )
    assert response.status_code == 200
    assert "outside the import folders" in response.content.decode()
    assert not SampleManifest.objects.exists() and not Sample.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/me/../../etc/passwd",
        "/static/../manage.py",
        "/static/..%2f..%2fmanage.py",
        "/static/%2e%2e/%2e%2e/portal/settings/base.py",
        "/static/css/..%5c..%5c..%5cmanage.py",
        "/unsubscribe/..%2f..%2fetc%2fpasswd/",
        "/staff/surveys/versions/1/preview/..%2f..%2fetc/",
    ],
)
def test_traversal_in_urls_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code in (404, 302, 403)
    body = response.content.decode(errors="replace")
    assert "DJANGO_SETTINGS_MODULE" not in body and "root:" not in body


def test_unknown_pages_get_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_a_stored_document_name_pointing_outside_storage_is_never_served(
    participant_client, consented, consents, django_capture_on_commit_callbacks
):
    """Defence in depth: even a database row naming ../../etc/passwd stays inside storage."""
    from participants.consent.models import ConsentDocument, ConsentRecord

    record = ConsentRecord.objects.get(participant=consented)
    document = ConsentDocument(record=record, sha256="0" * 64, size=3)
    document.file.save("copy.pdf", ContentFile(b"%PDF"), save=False)
    document.save()
    assert participant_client.get(f"/me/documents/{document.pk}/download/").status_code == 200
    for name in ("../../../../etc/passwd", "/etc/passwd"):
        ConsentDocument.objects.filter(pk=document.pk).update(file=name)
        response = participant_client.get(f"/me/documents/{document.pk}/download/")
        assert response.status_code in (400, 404)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"root:" not in body

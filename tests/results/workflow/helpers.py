"""Helpers for the results workflow tests: VCF copies, consents, staff, manifests."""

import gzip
import io
from pathlib import Path

import pysam
from django.core.files.uploadedfile import SimpleUploadedFile

KGP = Path("/work/shared/data/genetics/1kgp/samples")
KGP_SAMPLES = sorted(p.name.split(".")[0] for p in KGP.glob("*.pgx_genes.vcf.gz"))
# No 1000 Genomes sample carries a CPIC malignant-hyperthermia-associated RYR1 variant (the RYR1
# variants of NA10851 and NA19785 are of uncertain function). The positive sample is NA10851's
# real genome with one real MHS-associated variant, RYR1 c.103T>C, added heterozygous.
POSITIVE = "NA10851"
NEGATIVE = "NA12878"
MHS_VARIANT = ("chr19", 38440802, "T", "C")  # RYR1 c.103T>C (CPIC: MHS-associated)


def _source_lines(source_sample: str) -> list[str]:
    with gzip.open(KGP / f"{source_sample}.pgx_genes.vcf.gz", "rt") as handle:
        lines = handle.read().splitlines(keepends=True)
    if source_sample != POSITIVE:
        return lines
    chrom, pos, ref, alt = MHS_VARIANT
    extra = f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0|1\n"
    body = [line for line in lines if not line.startswith("#")]
    body.append(extra)
    body.sort(key=lambda line: (line.split("\t")[0], int(line.split("\t")[1])))
    return [line for line in lines if line.startswith("#")] + body


def kgp_vcf(source_sample: str, directory: Path | None = None) -> Path:
    """A 1000 Genomes sample as the tests use it (POSITIVE gains its MHS variant)."""
    if source_sample != POSITIVE:
        return KGP / f"{source_sample}.pgx_genes.vcf.gz"
    import tempfile

    folder = directory or Path(tempfile.gettempdir()) / "portal-test-vcfs"
    return renamed_vcf(source_sample, source_sample, folder)


def renamed_vcf(source_sample: str, new_id: str, directory: Path) -> Path:
    """A bgzipped, indexed copy of a 1000 Genomes sample whose column is `new_id`."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{new_id}.vcf.gz"
    if target.exists():
        return target
    lines = _source_lines(source_sample)
    out = io.StringIO()
    for line in lines:
        if line.startswith("#CHROM"):
            fields = line.rstrip("\n").split("\t")
            fields[9] = new_id
            line = "\t".join(fields) + "\n"
        out.write(line)
    plain = directory / f"{new_id}.vcf"
    plain.write_text(out.getvalue())
    pysam.tabix_compress(str(plain), str(target), force=True)
    pysam.tabix_index(str(target), preset="vcf", force=True)
    plain.unlink()
    return target


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), "application/gzip")


def manifest_csv(rows: list[tuple[str, ...]], *, attested: bool = True) -> bytes:
    """A manifest; `attested`: the lab attests absent positions are reference (the 1000
    Genomes files list variant sites only, so without it most genes are not determined)."""
    if not attested:
        lines = ["research_id,sample_id,vcf,sex"] + [",".join(r) for r in rows]
    else:
        lines = ["research_id,sample_id,vcf,sex,absent_is_reference"] + [
            ",".join(r) + ",yes" for r in rows
        ]
    return ("\n".join(lines) + "\n").encode()


def give_gror(participant, decision: str = "yes") -> None:
    # portal.outbox publishes tasks by name (app.tasks[name]): make sure the consent tasks
    # are registered in this process even when no test imported them yet.
    import participants.consent.tasks  # noqa: F401
    from participants.consent.defaults import load_default_consents
    from participants.consent.models import ConsentRecord, ConsentVersion, VersionStatus
    from tests.participants.consent.helpers import pass_comprehension, sign

    if not ConsentVersion.objects.filter(status=VersionStatus.PUBLISHED).exists():
        load_default_consents()
    versions = {
        v.form.code: v
        for v in ConsentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
            "form"
        )
    }
    if not ConsentRecord.objects.filter(
        participant=participant, version__form__code="primary"
    ).exists():
        pass_comprehension(participant)
        sign(participant, versions["primary"], typed_name=_legal(participant))
        participant.refresh_from_db()
    sign(participant, versions["gror"], decision=decision, typed_name=_legal(participant))


def _legal(participant) -> str:
    return f"{participant.legal_first_name} {participant.legal_last_name}"


def withdraw_gror(participant) -> None:
    from participants.consent.services import consent_withdraw

    consent_withdraw(
        participant=participant,
        form_code="gror",
        typed_name=_legal(participant),
        language="en",
        ip_address=None,
        user_agent="pytest",
        actor=participant.user,
    )


def make_staff(email: str, *roles: str):
    """An active staff member with MFA set up and the given roles (group names)."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group

    from participants.models import User
    from staff.roles import roles_setup

    roles_setup()
    user = User.objects.create_user(
        email=email, password="a-very-long-staff-password", is_staff=True
    )
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return User.objects.get(pk=user.pk)  # fresh permission cache


def ingest(actor, entries, vcf_dir, *, capture):
    """Uploads a manifest of (participant, source 1kGP sample, new sample id) and runs the
    queued work (eager Celery) to the end. `capture` is django_capture_on_commit_callbacks."""
    from results.manifests import UploadedFiles, sample_manifest_ingest

    rows, files = [], []
    for participant, source, sample_id in entries:
        path = renamed_vcf(source, sample_id, vcf_dir)
        rows.append((participant.research_id, sample_id, path.name, ""))
        files.append(upload(path))
    with capture(execute=True):
        return sample_manifest_ingest(
            actor=actor,
            manifest_bytes=manifest_csv(rows),
            manifest_name="m.csv",
            files=UploadedFiles(files),
        )


def make_report(
    participant,
    release,
    *,
    state="pending",
    report_type="pgx",
    positive=False,
    actor=None,
    version=1,
    result=None,
):
    """A report row in `state` without running the pipeline (for state-machine tests)."""
    import uuid

    from results.models import Interpretation, Report, Sample, SampleManifest

    manifest = SampleManifest.objects.create(
        uploaded_by=actor or participant.user, source="upload", filename="m.csv"
    )
    sample = Sample.objects.create(
        manifest=manifest,
        participant=participant,
        sample_id=f"X-{uuid.uuid4().hex[:8]}",
        manifest_row=2,
        vcf_name="none.vcf.gz",
        vcf_sha256="0" * 64,
        vcf_bytes=1,
        state="interpreted",
    )
    interpretation = Interpretation.objects.create(
        sample=sample,
        release=release,
        state="done",
        result=result or {"pgx": {}, "disease_risk": [], "traits": {}},
    )
    return Report.objects.create(
        participant=participant,
        report_type=report_type,
        version=version,
        state=state,
        interpretation=interpretation,
        release=release,
        fingerprint=uuid.uuid4().hex,
        positive=positive,
    )


def confirm(report, *, accession: str = "CLIA-ACC-0001") -> None:
    """Marks a positive report's finding as confirmed by a CLIA lab (fields only; the
    service `report_confirmation_record` is tested on its own)."""
    import datetime as dt

    report.confirmation_lab = "Example Clinical Laboratory"
    report.confirmation_accession = accession
    report.confirmation_date = dt.date(2026, 1, 5)
    report.save(update_fields=["confirmation_lab", "confirmation_accession", "confirmation_date"])

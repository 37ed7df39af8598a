"""Demo genetic results for `make run`: real 1000 Genomes samples through the real pipeline.

The demo participants opt in (`results_preference_set`), then the demo data manager
ingests one manifest with their samples (`sample_manifest_ingest`), exactly as from the
staff intake page. The queued tasks interpret, build and release the reports after the
caller's transaction commits (eager Celery in `make run` runs them right there). A
positive disease-risk report is not released: it waits for a demo counsellor's review
and a second counsellor's release. Idempotent: nothing is done twice for a participant.
"""

import contextlib
from pathlib import Path

from django.core.files import File

from participants.models import Participant, User
from results.models import ResultsPreference, Sample

DEMO_DATA = Path(__file__).with_name("demo_data")
DEMO_INGESTED_BY = "datamanager@example.org"  # participants/dashboards/demo.py
YES_TO_ALL = {"pgx": "yes", "disease_risk": "yes", "traits": "yes"}
# (participant e-mail, 1000 Genomes sample = VCF column = sample id, sex, log-in note).
# The VCFs and where they come from: demo_data/README.md.
DEMO_RESULTS = [
    (
        "core@example.org",
        "NA12878",
        "female",
        "results released (PGx, traits; disease risk: none found)",
    ),
    (
        "basics@example.org",
        "NA19785",
        "female",
        "PGx released; positive disease risk (RYR1) waits for a counsellor",
    ),
]


def _vcf(sample_id: str) -> Path:
    return DEMO_DATA / f"{sample_id}.pgx_genes.vcf.gz"


def seed_demo_results() -> list[Sample]:
    """Opt-ins and one intake of the demo samples; returns the samples it accepted.

    Call inside the seed's transaction: the pipeline runs when it commits.
    """
    from results.intake import UploadedFiles, sample_manifest_ingest
    from results.releases import current_release, knowledge_base_release_register
    from results.services import results_allowed, results_preference_set

    if current_release() is None:
        # Never re-register over a release an operator loaded (with ClinVar, say).
        knowledge_base_release_register()
    rows, files = [], []
    taken = set(
        Sample.objects.values_list("sample_id", flat=True).filter(
            sample_id__in=[sample_id for _e, sample_id, _s, _w in DEMO_RESULTS]
        )
    )
    for email, sample_id, sex, _what in DEMO_RESULTS:
        participant = Participant.objects.filter(user__email=email).first()
        if participant is None or not results_allowed(participant):
            continue
        if not ResultsPreference.objects.filter(participant=participant).exists():
            results_preference_set(participant=participant, actor=participant.user, **YES_TO_ALL)
        if sample_id in taken or Sample.objects.filter(participant=participant).exists():
            continue
        rows.append(f"{participant.research_id},{sample_id},{_vcf(sample_id).name},{sex}")
        files.append(_vcf(sample_id))
    if not rows:
        return []
    manifest = "research_id,sample_id,vcf,sex\n" + "\n".join(rows) + "\n"
    with contextlib.ExitStack() as stack:
        uploads = [File(stack.enter_context(path.open("rb")), name=path.name) for path in files]
        outcome = sample_manifest_ingest(
            actor=User.objects.get(email=DEMO_INGESTED_BY),
            manifest_bytes=manifest.encode(),
            manifest_name="demo-manifest.csv",
            files=UploadedFiles(uploads),
        )
    if outcome.errors:
        raise RuntimeError(f"demo samples refused: {outcome.errors}")
    return outcome.accepted

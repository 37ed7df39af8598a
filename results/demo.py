"""Demo genetic results for `make run`: real 1000 Genomes samples through the real pipeline.

The demo participants opt in (`results_preference_set`), then the demo data manager
ingests one manifest with their samples (`sample_manifest_ingest`), exactly as from the
staff intake page. The queued tasks interpret, build and release the reports after the
caller's transaction commits (eager Celery in `make run` runs them right there).

The demo VCFs list non-reference sites only (1000 Genomes, 30x whole genomes), so the
manifest carries the lab-attested flag `absent_is_reference=yes`: without it almost every
gene would be "not determined". What the demo then shows (release policy, docs/results.md):

* core@ (Spanish): called genes, PGx released at once (no high-risk result), the genes
  that need another test explained under "Not tested or could not be read";
* basics@: RYR1 malignant hyperthermia susceptibility: the PGx report waits in the
  counsellor queue (actionable result), and the positive disease-risk report waits for a
  data manager to record the orthogonal confirmation before a counsellor can review it.

Idempotent: nothing is done twice for a participant.
"""

import contextlib
import gzip
import tempfile
from pathlib import Path

import pysam
from django.core.files import File

from participants.demo import DEMO_PASSWORD
from participants.models import Participant, User
from results.manifests import UploadedFiles, sample_manifest_ingest
from results.models import ResultsPreference, Sample
from results.releases import current_release, knowledge_base_release_register
from results.selectors import results_allowed
from results.services.preferences import results_preference_set

DEMO_DATA = Path(__file__).with_name("demo_data")
DEMO_INGESTED_BY = "datamanager@example.org"  # staff/dashboards/demo.py
YES_TO_ALL = {"pgx": "yes", "disease_risk": "yes", "traits": "yes"}
# Printed on the demo reports as the sequencing lab. Not a CLIA laboratory: no CLIA or CAP
# number is invented for it.
DEMO_LAB = "1000 Genomes Project (public demo data)"
# (participant e-mail, 1000 Genomes sample = VCF column = sample id, sex, log-in note).
# The VCFs and where they come from: demo_data/README.md.
DEMO_RESULTS = [
    (
        "core@example.org",
        "NA12878",
        "female",
        "results released (PGx, traits); no disease-risk report: no ClinVar release loaded",
    ),
    (
        "basics@example.org",
        "NA19785",
        "female",
        "RYR1: PGx waits for a counsellor; positive disease risk waits for confirmation",
    ),
]


# No 1000 Genomes demo sample carries a CPIC malignant-hyperthermia-associated RYR1 variant
# (NA19785's RYR1 c.6178G>T is of uncertain function). To show the RYR1 path, basics@'s copy
# of NA19785 gains one real MHS-associated variant, RYR1 c.103T>C, heterozygous: made here,
# at seeding, from the unmodified file (demo_data/README.md says so).
DEMO_ADDED_VARIANTS = {"NA19785": ("chr19", 38440802, "T", "C", "0|1")}


def _vcf(sample_id: str) -> Path:
    source = DEMO_DATA / f"{sample_id}.pgx_genes.vcf.gz"
    added = DEMO_ADDED_VARIANTS.get(sample_id)
    if added is None:
        return source

    chrom, pos, ref, alt, gt = added
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    body.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}")
    order = {c: n for n, c in enumerate(dict.fromkeys(line.split("\t")[0] for line in body))}
    body.sort(key=lambda line: (order[line.split("\t")[0]], int(line.split("\t")[1])))
    folder = Path(tempfile.mkdtemp(prefix="demo-vcf-"))
    plain = folder / f"{sample_id}.pgx_genes.vcf"
    plain.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    target = folder / source.name
    pysam.tabix_compress(str(plain), str(target), force=True)
    plain.unlink()
    return target


def seed_demo_results() -> list[Sample]:
    """Opt-ins and one intake of the demo samples; returns the samples it accepted.

    Call inside the seed's transaction: the pipeline runs when it commits.
    """

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
        path = _vcf(sample_id)
        # "targeted": the demo files are pharmacogene extracts of 30x genomes, not whole genomes
        rows.append(
            f"{participant.research_id},{sample_id},{path.name},{sex},{DEMO_LAB},yes,targeted"
        )
        files.append(path)
    if not rows:
        return []
    header = "research_id,sample_id,vcf,sex,lab_name,absent_is_reference,sequencing"
    manifest = header + "\n" + "\n".join(rows) + "\n"
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


def seed_demo_results_logins() -> list[tuple[str, str, str]]:
    """Runs the demo samples through the pipeline; what each participant's log-in shows."""
    seed_demo_results()
    return [(email, DEMO_PASSWORD, what) for email, _sample, _sex, what in DEMO_RESULTS]

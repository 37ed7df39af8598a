"""Genomic results: knowledge-base releases, samples, findings, reports and their events.

The interpretation engine (`results/interpretation.py`) is pure Python; these models keep
what it produced, per sample and knowledge-base release, and the reports built from it.
Every write goes through `results/services.py`; nothing here has behaviour in `save()`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from participants.models import Participant


class KnowledgeBaseRelease(models.Model):
    """One knowledge-base identity the engine ran with (sources, versions, checksums).

    ClinVar records are not copied into tables: the engine reads its own compact release
    file (`results.engine.clinvar.write_release`), kept in private storage and pinned by sha256
    here, so a finding can always be traced back to the exact records it was called from.
    """

    name = models.CharField(max_length=100)
    date = models.DateField()
    # The engine's stamp, e.g. "cohort-genomics-kb@2025-11-22+319e0da86df1".
    release = models.CharField(max_length=120, unique=True)
    sources = models.JSONField(default=list)
    clinvar_release = models.CharField(max_length=32, blank=True)
    # Name in the `private` storage of the ClinVar release file; "" = no ClinVar records.
    clinvar_file = models.CharField(max_length=300, blank=True)
    clinvar_sha256 = models.CharField(max_length=64, blank=True)
    clinvar_records = models.PositiveIntegerField(default=0)
    # Exactly one release is current: new samples are interpreted with it.
    is_current = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_kb_release"
            )
        ]

    def __str__(self) -> str:
        return self.release


class SampleManifest(models.Model):
    """One upload (or folder import) of a sample manifest, with its per-row outcome."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        FOLDER = "folder", _("Folder")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source)
    filename = models.CharField(max_length=200)
    rows_total = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    # [{"row": 3, "research_id": "...", "sample_id": "...", "error": "..."}]: rows refused at
    # upload. Rows accepted but failing later are on their Sample.
    row_errors = models.JSONField(default=list)
    # Defaults for every row (a row's own columns win): the laboratory that sequenced the
    # batch and whether it attests that absent positions are reference.
    lab_name = models.CharField(max_length=200, blank=True)
    clia_number = models.CharField(max_length=20, blank=True)
    cap_number = models.CharField(max_length=20, blank=True)
    absent_is_reference = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"manifest {self.pk}"


class Sequencing(models.TextChoices):
    # Not stated: the whole-genome plausibility check is not run (the engine never assumes
    # that a file is a whole genome).
    NOT_STATED = "", _("Not stated")
    WGS = "wgs", _("Whole genome")
    EXOME = "exome", _("Exome")
    TARGETED = "targeted", _("Targeted panel")


class Sample(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        INTERPRETED = "interpreted", _("Interpreted")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    manifest = models.ForeignKey(SampleManifest, on_delete=models.PROTECT, related_name="samples")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="samples")
    sample_id = models.CharField(max_length=64, unique=True)
    manifest_row = models.PositiveIntegerField()
    # Name inside the `private` storage (outside the web root).
    vcf_name = models.CharField(max_length=300)
    vcf_sha256 = models.CharField(max_length=64)
    vcf_bytes = models.BigIntegerField()
    sex = models.CharField(max_length=8, choices=Sex, blank=True)
    # Provenance printed on every report: the sequencing laboratory and its certificates,
    # as the manifest names them (nothing is looked up or checked against a registry).
    lab_name = models.CharField(max_length=200, blank=True)
    clia_number = models.CharField(max_length=20, blank=True)
    cap_number = models.CharField(max_length=20, blank=True)
    sequencing = models.CharField(
        max_length=8, choices=Sequencing, default=Sequencing.NOT_STATED, blank=True
    )
    # The lab attests that a position with no record in this VCF was sequenced and is
    # reference (a variant-only VCF from a whole genome). Without it, missing = unknown.
    absent_is_reference = models.BooleanField(default=False)
    # PharmCAT-format outside calls (CYP2D6, HLA…) and an array genotype file for the
    # identity check, stored beside the VCF in private storage; "" = none given.
    outside_calls_name = models.CharField(max_length=300, blank=True)
    outside_calls_sha256 = models.CharField(max_length=64, blank=True)
    array_genotypes_name = models.CharField(max_length=300, blank=True)
    array_genotypes_sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=12, choices=State, default=State.RECEIVED, db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.sample_id


class QcDecision(models.TextChoices):
    CLEARED = "cleared", _("Cleared for release")
    REJECTED = "rejected", _("Rejected")


class Interpretation(models.Model):
    """The engine's JSON for one sample under one release: the findings, stored once.

    Rows double as the work queue: `pending` rows are claimed by a conditional update
    (`pending`→`running`), so two workers never interpret the same one and a killed
    worker's claim goes stale and is claimed again.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="interpretations")
    release = models.ForeignKey(
        KnowledgeBaseRelease, on_delete=models.PROTECT, related_name="interpretations"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The Celery task id holding the claim: a redelivered task takes its own rows back.
    claim_token = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Reports built from this row (set once, when they were all created).
    reports_built_at = models.DateTimeField(null=True, blank=True)
    # Sample QC from the engine (result["qc"]["status"]); "" = not run (older engine).
    # review/fail hold every report of this interpretation until a data manager decides
    # (results.release_policy.qc_holds).
    qc_status = models.CharField(max_length=8, blank=True, db_index=True)
    qc_decision = models.CharField(max_length=8, choices=QcDecision, blank=True)
    qc_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qc_decided_at = models.DateTimeField(null=True, blank=True)
    qc_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "release"], name="one_interpretation_per_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}@{self.release_id}"


class DiseaseRiskFinding(models.Model):
    """A reportable disease-risk variant, normalised from the interpretation JSON."""

    interpretation = models.ForeignKey(
        Interpretation, on_delete=models.CASCADE, related_name="disease_risk_findings"
    )
    gene = models.CharField(max_length=32, db_index=True)
    variant = models.CharField(max_length=200)
    hgvs = models.CharField(max_length=300, blank=True)
    zygosity = models.CharField(max_length=64)
    classification = models.CharField(max_length=100)
    review_status = models.CharField(max_length=200, blank=True)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    condition = models.CharField(max_length=500, blank=True)
    clinvar_id = models.CharField(max_length=32, blank=True)
    rule = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interpretation", "gene", "variant"], name="one_finding_per_variant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gene} {self.variant}"


class Choice(models.TextChoices):
    YES = "yes", _("Yes, show me")
    NO = "no", _("No, do not show me")
    LATER = "later", _("I will decide later")


class ReportType(models.TextChoices):
    PGX = "pgx", _("Medicines and your genes")
    DISEASE_RISK = "disease_risk", _("Health risks you can act on")
    TRAITS = "traits", _("Traits")


class ResultsPreference(models.Model):
    """Which kinds of result the participant wants to see. Changeable at any time."""

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="results_preference"
    )
    pgx = models.CharField(max_length=5, choices=Choice, default=Choice.LATER)
    disease_risk = models.CharField(max_length=5, choices=Choice, default=Choice.LATER)
    traits = models.CharField(max_length=5, choices=Choice, default=Choice.LATER)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"results preference of {self.participant_id}"

    def wants(self, report_type: str) -> bool:
        return getattr(self, report_type) == Choice.YES


class ReportState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready, not yet released")
    NEEDS_REVIEW = "needs_review", _("Waiting for a counsellor's review")
    REVIEWED = "reviewed", _("Reviewed, waiting for release")
    RELEASED = "released", _("Released")
    VIEWED = "viewed", _("Viewed")
    SUPERSEDED = "superseded", _("Replaced by a newer version")
    WITHHELD = "withheld", _("Withheld")


class Report(models.Model):
    """One version of one type of report for one participant.

    A new version is made only when the findings it reports changed (`fingerprint`);
    the old one is `superseded` and kept. State changes go through
    `results.services.report_transition` and its transition table.
    """

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="reports")
    report_type = models.CharField(max_length=12, choices=ReportType)
    version = models.PositiveIntegerField()
    state = models.CharField(
        max_length=12, choices=ReportState, default=ReportState.PENDING, db_index=True
    )
    interpretation = models.ForeignKey(
        Interpretation, on_delete=models.PROTECT, related_name="reports"
    )
    release = models.ForeignKey(KnowledgeBaseRelease, on_delete=models.PROTECT, related_name="+")
    # sha256 of the findings this report shows (the type's slice of the interpretation).
    fingerprint = models.CharField(max_length=64)
    positive = models.BooleanField(default=False)
    # Set from results.release_policy when the report is created: a counsellor reviews
    # and a second person releases. `review_reasons` says why (shown in the queue).
    review_required = models.BooleanField(default=False)
    review_reasons = models.JSONField(default=list, blank=True)
    # Orthogonal confirmation of a positive disease-risk finding by a CLIA laboratory,
    # entered by a data manager; required before a counsellor can mark it reviewed.
    confirmation_lab = models.CharField(max_length=200, blank=True)
    confirmation_accession = models.CharField(max_length=64, blank=True)
    confirmation_date = models.DateField(null=True, blank=True)
    confirmation_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmation_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    assigned_counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    # Why a report is withheld: "gror_withdrawn" (undone if the participant says yes
    # again) or "enrollment_withdrawn" (final).
    withheld_reason = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "report_type", "version"], name="one_report_version"
            ),
            # Re-running report generation for an interpretation never duplicates reports.
            models.UniqueConstraint(
                fields=["interpretation", "report_type"], name="one_report_per_interpretation"
            ),
        ]
        indexes = [models.Index(fields=["participant", "report_type", "state"])]
        permissions = [
            ("review_report", "Can review a genetic report (genetic counsellor)"),
            ("release_report", "Can release a reviewed genetic report"),
            ("manage_samples", "Can upload sample manifests and start re-interpretation"),
        ]

    def __str__(self) -> str:
        return f"{self.report_type} v{self.version} of {self.participant_id}"

    @property
    def requires_review(self) -> bool:
        return self.review_required or (
            self.report_type == ReportType.DISEASE_RISK and self.positive
        )

    @property
    def requires_confirmation(self) -> bool:
        return self.report_type == ReportType.DISEASE_RISK and self.positive

    @property
    def confirmed(self) -> bool:
        return bool(self.confirmation_accession and self.confirmation_date)


class ReportDocument(models.Model):
    """A rendered PDF (report or letter) in one language, stored in private storage."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        FAMILY_LETTER = "family_letter", _("Letter for your family")
        CLINICIAN_LETTER = "clinician_letter", _("Letter for your doctor")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind)
    language = models.CharField(max_length=2)
    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind", "language"], name="one_document_per_kind_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.language} of report {self.report_id}"


class ReportFragment(models.Model):
    """A released version's report body, rendered once per language and served as stored.

    A released version never changes (a change makes a new version), so the page only
    wraps this HTML in the per-request chrome instead of rebuilding the report each time.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="fragments")
    language = models.CharField(max_length=2)
    html = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "language"], name="one_fragment_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.language} fragment of report {self.report_id}"


class ReportTransition(models.Model):
    """Every state change of a report (append-only by convention; audit has the copy)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=ReportState)
    to_state = models.CharField(max_length=12, choices=ReportState)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class ReportView(models.Model):
    """The participant opened their report (page, PDF or a letter)."""

    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        FAMILY_LETTER = "family_letter", _("Family letter")
        CLINICIAN_LETTER = "clinician_letter", _("Clinician letter")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="views")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=16, choices=Format)
    language = models.CharField(max_length=2)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"view of report {self.report_id}"


class CounsellingContact(models.Model):
    """A counsellor's contact with the participant about a report."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined by the participant")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="contacts")
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.status} contact for report {self.report_id}"


class RecontactTask(models.Model):
    """A clinically relevant change after re-interpretation: a counsellor calls back."""

    class Reason(models.TextChoices):
        NEW_POSITIVE = "new_positive", _("New positive finding")
        POSITIVE_TO_NEGATIVE = "positive_to_negative", _("Positive finding no longer reported")
        PGX_PHENOTYPE = "pgx_phenotype", _("Changed medicine-response phenotype")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="recontact_tasks")
    previous_report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=24, choices=Reason)
    details = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State, default=State.OPEN, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "reason"], name="one_recontact_per_reason")
        ]

    def __str__(self) -> str:
        return f"recontact {self.reason} for report {self.report_id}"

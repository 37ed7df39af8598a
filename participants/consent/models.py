"""Consent forms, their versions, and the records participants sign.

A form (primary, ehr, gror, ...) has numbered versions; at most one version of a
form is published at a time. A signed `ConsentRecord` is evidence: a database
trigger refuses to change or delete it, so a later decision is always a new row
(the latest row per form is the participant's current decision).
"""

import hashlib

import pgtrigger
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from participants.models import Language, Participant


def text_sha256(text: str) -> str:
    """The hash a record keeps of the exact source text (Markdown, UTF-8) it showed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DecisionKind(models.TextChoices):
    AGREE_DECLINE = "agree_decline", _("Agree or decline")
    YES_NO_NOT_SURE = "yes_no_not_sure", _("Yes, no or not sure")


class Decision(models.TextChoices):
    AGREE = "agree", _("I agree")
    DECLINE = "decline", _("I do not agree")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("I am not sure yet")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Which decisions a participant may choose on each kind of form. `withdrawn` is
# only ever written by `consent_withdraw` (and the full-withdrawal effect).
DECISIONS_BY_KIND = {
    DecisionKind.AGREE_DECLINE: (Decision.AGREE, Decision.DECLINE),
    DecisionKind.YES_NO_NOT_SURE: (Decision.YES, Decision.NO, Decision.NOT_SURE),
}
# Decisions that give permission (and so can be withdrawn, and need re-consent).
GIVING = frozenset({Decision.AGREE, Decision.YES, Decision.NOT_SURE})


class ConsentForm(models.Model):
    """What is being consented to. New codes can be added by the program."""

    code = models.SlugField(max_length=32, unique=True)
    title_en = models.CharField(max_length=200)
    title_es = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=DecisionKind, default=DecisionKind.AGREE_DECLINE)
    # Participants can withdraw this consent on its own (ehr, gror). Withdrawing
    # the primary consent is leaving the program, which has its own page.
    withdrawable = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code

    def title(self, language: str | None = None) -> str:
        language = (language or translation.get_language() or "en")[:2]
        return self.title_es if language == Language.SPANISH else self.title_en

    @property
    def choices(self) -> tuple[Decision, ...]:
        return DECISIONS_BY_KIND[DecisionKind(self.kind)]


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ConsentVersion(models.Model):
    """One wording of a form, in every language. Immutable once published."""

    form = models.ForeignKey(ConsentForm, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT, db_index=True
    )
    effective_date = models.DateField()
    # Markdown source; rendered with `markdown` and cleaned with `nh3` for display.
    text_en = models.TextField()
    text_es = models.TextField()
    sha256_en = models.CharField(max_length=64, editable=False)
    sha256_es = models.CharField(max_length=64, editable=False)
    change_summary_en = models.TextField(blank=True)
    change_summary_es = models.TextField(blank=True)
    # For time-limited permissions (the HIPAA authorization): months a signature
    # stays valid. None means it does not expire.
    valid_months = models.PositiveSmallIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["form__position", "form__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="consent_version_number"),
            # Exactly one wording is in force per form: signing never has to choose.
            models.UniqueConstraint(
                fields=["form"],
                condition=models.Q(status="published"),
                name="consent_one_published_version",
            ),
        ]
        permissions = [("manage_consent_versions", "Can draft, preview and publish consents")]
        triggers = [
            # The words people signed cannot change under them: once a version
            # leaves draft its texts and hashes are frozen, and it is never deleted.
            pgtrigger.Protect(
                name="consent_version_text_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status__in=["published", "retired"])
                & (
                    pgtrigger.Q(new__text_en__df=pgtrigger.F("old__text_en"))
                    | pgtrigger.Q(new__text_es__df=pgtrigger.F("old__text_es"))
                    | pgtrigger.Q(new__sha256_en__df=pgtrigger.F("old__sha256_en"))
                    | pgtrigger.Q(new__sha256_es__df=pgtrigger.F("old__sha256_es"))
                    | pgtrigger.Q(new__valid_months__df=pgtrigger.F("old__valid_months"))
                ),
            ),
            pgtrigger.Protect(
                name="consent_version_keep_published",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status__in=["published", "retired"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form.code} v{self.number}"

    def text(self, language: str) -> str:
        return self.text_es if language == Language.SPANISH else self.text_en

    def sha256(self, language: str) -> str:
        return self.sha256_es if language == Language.SPANISH else self.sha256_en

    def change_summary(self, language: str) -> str:
        return self.change_summary_es if language == Language.SPANISH else self.change_summary_en

    def refresh_hashes(self) -> None:
        self.sha256_en = text_sha256(self.text_en)
        self.sha256_es = text_sha256(self.text_es)


class ConsentRecord(models.Model):
    """One decision a participant made on one version, exactly as shown (append-only)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="consent_records"
    )
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="records")
    # The language of the text on the page that was submitted, which can differ
    # from the interface language at the moment of the POST.
    language = models.CharField(max_length=2, choices=Language)
    decision = models.CharField(max_length=10, choices=Decision)
    # Identifying: encrypted at rest like the profile. Empty for a withdrawal
    # recorded on the participant's behalf (full withdrawal from the program).
    typed_name = EncryptedCharField(max_length=200, null=True, blank=True)
    signed_at = models.DateTimeField(db_index=True)
    ip_address = EncryptedCharField(max_length=45, null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    text_sha256 = models.CharField(max_length=64)
    # From the hidden field of the page; the same form posted twice carries the
    # same token, so a double submit can only ever write one row.
    submission_token = models.UUIDField(null=True, blank=True, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["participant", "version"])]
        permissions = [("export_consent_fhir", "Can export a consent record as FHIR")]
        triggers = [
            pgtrigger.Protect(
                name="consent_record_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.decision}"

    @property
    def form(self) -> ConsentForm:
        return self.version.form


class ComprehensionAttempt(models.Model):
    """One try at the questions before the primary consent, with each result."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="comprehension_attempts"
    )
    language = models.CharField(max_length=2, choices=Language)
    # {question code: chosen option code}, {question code: True/False}
    answers = models.JSONField(default=dict)
    results = models.JSONField(default=dict)
    passed = models.BooleanField(default=False)
    # Hash of the question file, so results stay interpretable after it changes.
    questions_sha256 = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"comprehension {'passed' if self.passed else 'not passed'}"


def private_storage():
    return storages["private"]


class ConsentDocument(models.Model):
    """The signed PDF copy of a record, in private storage (never under the web root)."""

    record = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="document")
    file = models.FileField(storage=private_storage, upload_to="consent/", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    # Set when the e-mail copy is claimed for sending (conditional update).
    emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"document for record {self.record_id}"

import uuid

from django.conf import settings
from django.db import models


class IndexKind(models.TextChoices):
    NAME_DOB_ZIP = "name_dob_zip", "Last name + date of birth + ZIP"
    DOB_PHONE = "dob_phone", "Date of birth + phone"


class BlindIndex(models.Model):
    """One keyed digest of a participant's identifying fields (see blind_index.py)."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=IndexKind)
    digest = models.CharField(max_length=64)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "kind"], name="blind_index_one_per_kind")
        ]
        indexes = [models.Index(fields=["kind", "digest"], name="blind_index_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} of participant {self.participant_id}"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    NOT_SAME = "not_same", "Not the same person"
    AWAITING = "awaiting", "Same person: waiting for the participant's confirmation"
    MERGED = "merged", "Same person: merged"
    # Nobody decided: one of the two accounts was retired by another pair's merge, or its
    # participant withdrew from further use (`closed_reason` says which).
    CLOSED = "closed", "Closed without a decision"


class ClosedReason(models.TextChoices):
    ACCOUNT_RETIRED = "account_retired", "Account retired (merged into another account)"
    ACCOUNT_WITHDRAWN = "account_withdrawn", "Participant withdrew from further use"


class ConfirmedBy(models.TextChoices):
    SIGN_IN = "sign_in", "The participant signed in to both accounts"
    VERIFIED_CALL = "verified_call", "Support verified the participant on a call"


class DuplicateFlag(models.Model):
    """A possible duplicate pair for support staff. `first` is always the older account.

    `site` is where the pair is worked on: the newer account's site (or the older's
    when the newer has none). Support staff see only their own site's pairs.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="+"
    )
    second = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "portal.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_on = models.JSONField(default=list)
    status = models.CharField(
        max_length=12, choices=FlagStatus, default=FlagStatus.OPEN, db_index=True
    )
    keep = models.ForeignKey(
        "participants.Participant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retire = models.ForeignKey(
        "participants.Participant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.CharField(max_length=16, choices=ConfirmedBy, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the flag is finished: "not the same person", merged, or closed.
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=20, choices=ClosedReason, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"possible duplicate {self.public_id}"

    @property
    def is_resolved(self) -> bool:
        """Finished: decided by support, or closed without a decision."""
        return self.status in {FlagStatus.NOT_SAME, FlagStatus.MERGED, FlagStatus.CLOSED}

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField


class PartnerSite(models.Model):
    """Where a participant can give blood instead of mailing saliva. Sites are data."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=100)
    us_state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=20)
    hours_en = models.CharField(max_length=200)
    hours_es = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["us_state", "name"]

    def __str__(self) -> str:
        return self.name

    def hours(self, language: str) -> str:
        return self.hours_es if language == "es" else self.hours_en


class KitKind(models.TextChoices):
    SALIVA = "saliva", _("Saliva kit by mail")
    BLOOD = "blood", _("Blood draw at a partner site")


class KitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received by the lab")
    REJECTED = "rejected", _("Sample could not be used")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (KitStatus.REQUESTED, KitStatus.SHIPPED)


class RejectionReason(models.TextChoices):
    INSUFFICIENT = "insufficient", _("Not enough sample")
    LEAKED = "leaked", _("The tube leaked")
    MISLABELLED = "mislabelled", _("The label did not match")
    TOO_OLD = "too_old", _("It took too long to reach the lab")


class Kit(models.Model):
    """One saliva kit or blood-draw visit. The barcode is the sample's key in the lab.

    The shipping address is a copy for this kit only (encrypted), so a change made
    for one kit never touches the profile.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="kits"
    )
    kind = models.CharField(max_length=8, choices=KitKind)
    barcode = models.CharField(max_length=16, unique=True)
    status = models.CharField(
        max_length=10, choices=KitStatus, default=KitStatus.REQUESTED, db_index=True
    )
    partner_site = models.ForeignKey(
        PartnerSite, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ship_line1 = EncryptedCharField(max_length=200, null=True, blank=True)
    ship_line2 = EncryptedCharField(max_length=200, null=True, blank=True)
    ship_city = EncryptedCharField(max_length=100, null=True, blank=True)
    ship_state = models.CharField(max_length=2, blank=True)
    ship_postal_code = EncryptedCharField(max_length=10, null=True, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    rejection_reason = models.CharField(max_length=16, choices=RejectionReason, blank=True)
    replacement_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replacement"
    )
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # A kit that reached the lab after its participant withdrew (tier 2+).
    destroy_flagged_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requested_at", "id"]
        permissions = [("manage_kits", "Can ship, receive and reject biospecimen kits")]
        constraints = [
            # One kit in flight per participant: a double submit cannot order two.
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(status__in=["requested", "shipped"]),
                name="kit_one_open_per_participant",
            )
        ]

    def __str__(self) -> str:
        return self.barcode

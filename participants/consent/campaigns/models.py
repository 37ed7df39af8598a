import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models


class Policy(models.TextChoices):
    CONTINUE = "continue", "Continue under the old version until they re-consent"
    PAUSE = "pause", "Pause data use until they re-consent"


def _private_storage():
    return storages["private"]


class Campaign(models.Model):
    """Asking everyone who signed `from_version` to read and sign `version`.

    The what-changed summary in both languages is the new version's own
    (`change_summary_en/es`), written when it was drafted.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        "consent.ConsentVersion", on_delete=models.PROTECT, related_name="campaigns"
    )
    from_version = models.ForeignKey(
        "consent.ConsentVersion", on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "portal.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=2, blank=True)  # "" = both
    ethics_number = models.CharField(max_length=60)
    ethics_date = models.DateField()
    ethics_document = models.FileField(
        storage=_private_storage, upload_to="ethics/", max_length=200
    )
    policy = models.CharField(max_length=10, choices=Policy)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("manage_campaigns", "Can publish re-consent campaigns and see progress")]

    def __str__(self) -> str:
        return f"re-consent to {self.version}"


class Member(models.Model):
    """One participant a campaign asks. Later states are read from consent records."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="members")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="+"
    )
    # Copied at publication so progress tables group without joining the profile.
    site_code = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=2)
    notified_at = models.DateTimeField(auto_now_add=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    # "Keep my current consent": they stay on the version they signed, which goes on
    # allowing what it allowed; no more task, no more reminders.
    declined_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "participant"], name="campaign_member_once")
        ]

    def __str__(self) -> str:
        return f"member {self.pk} of {self.campaign_id}"

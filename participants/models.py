import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedDateField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """Everyone who logs in. E-mail is the login; there is no username."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return f"user {self.pk}"


class JourneyState(models.TextChoices):
    REGISTERED = "registered", _("Signed up")
    ELIGIBLE = "eligible", _("Eligible")
    CONSENTED = "consented", _("Consent signed")
    EHR_AUTHORIZED = "ehr_authorized", _("Health records shared")
    BASICS_DONE = "basics_done", _("First survey done")
    CORE = "core", _("Core surveys done")
    PAUSED = "paused", _("Paused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WithdrawalTier(models.IntegerChoices):
    NO_CONTACT = 1, _("No further contact")
    NO_FURTHER_USE = 2, _("No further use of my data")
    DESTROY = 3, _("Also destroy my data and samples where the law allows")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


# Trigger-based history: records QuerySet.update() and bulk writes too, which
# model-signal audit libraries miss. Encrypted columns are copied as ciphertext.
@pghistory.track(exclude=["last_reminder_at"])
class Participant(models.Model):
    """A volunteer's enrollment. Identifying fields are encrypted at rest.

    `participant_id` is what the participant and support staff see;
    `research_id` keys research data. Neither can be derived from the other or
    from the database id. Plain columns hold only codes used by dashboards.
    """

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="participant")
    participant_id = models.CharField(max_length=10, unique=True, editable=False)
    research_id = models.CharField(max_length=12, unique=True, editable=False)
    site = models.ForeignKey(
        "portal.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="participants"
    )
    state = models.CharField(
        max_length=16, choices=JourneyState, default=JourneyState.REGISTERED, db_index=True
    )
    # Where a paused participant resumes.
    state_before_pause = models.CharField(max_length=16, choices=JourneyState, blank=True)
    withdrawal_tier = models.PositiveSmallIntegerField(
        choices=WithdrawalTier, null=True, blank=True
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    screener_passed_at = models.DateTimeField(null=True, blank=True)

    # Identifying, encrypted (django-fernet-encrypted-fields). The library stores an
    # empty value as NULL, so these are nullable; read None as "not given".
    legal_first_name = EncryptedCharField(max_length=100, null=True, blank=True)
    legal_last_name = EncryptedCharField(max_length=100, null=True, blank=True)
    preferred_name = EncryptedCharField(max_length=100, null=True, blank=True)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    address_line1 = EncryptedCharField(max_length=200, null=True, blank=True)
    address_line2 = EncryptedCharField(max_length=200, null=True, blank=True)
    city = EncryptedCharField(max_length=100, null=True, blank=True)
    postal_code = EncryptedCharField(max_length=10, null=True, blank=True)
    phone = EncryptedCharField(max_length=20, null=True, blank=True)

    # Codes, not identifying on their own; dashboards group by these.
    us_state = models.CharField(max_length=2, blank=True, db_index=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    preferred_language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    contact_email = models.BooleanField(default=True)
    contact_sms = models.BooleanField(default=False)
    contact_mail = models.BooleanField(default=False)
    recruitment_source = models.CharField(max_length=32, blank=True)
    race_ethnicity = models.JSONField(default=list, blank=True)
    sex_at_birth = models.CharField(max_length=16, blank=True)
    gender_identity = models.CharField(max_length=16, blank=True)
    profile_completed_at = models.DateTimeField(null=True, blank=True)
    # E-mail opt-out from the unsubscribe link; transactional mail still goes out.
    reminders_opted_out = models.BooleanField(default=False)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["site", "state"])]

    def __str__(self) -> str:
        return self.participant_id

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.legal_first_name

    @property
    def is_active(self) -> bool:
        return self.state not in {JourneyState.PAUSED, JourneyState.WITHDRAWN}

    @property
    def contactable(self) -> bool:
        return self.is_active and self.withdrawal_tier is None


class JourneyTransition(models.Model):
    """Append-only history of every state change (a trigger refuses UPDATE/DELETE)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="transitions"
    )
    from_state = models.CharField(max_length=16, choices=JourneyState, blank=True)
    to_state = models.CharField(max_length=16, choices=JourneyState)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        triggers = [
            pgtrigger.Protect(
                name="journey_transition_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


class IneligibleScreening(models.Model):
    """Anonymous count of screener answers that ruled someone out, per reason and day."""

    reason = models.CharField(max_length=32)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reason", "day"], name="ineligible_reason_day")
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.day}: {self.count}"


class Withdrawal(models.Model):
    """The participant's withdrawal request, with the tier they chose."""

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="withdrawal"
    )
    tier = models.PositiveSmallIntegerField(choices=WithdrawalTier)
    reason = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    effects_completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"withdrawal tier {self.tier}"


class DataExport(models.Model):
    """A participant's "Download my data" zip: built by a task, kept a few days, owner only.

    `public_id` names it in the URL; the file lives in private storage under `exports/`
    and is served only to its logged-in owner until `expires_at`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be made")
        EXPIRED = "expired", _("Expired")

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="data_exports"
    )
    public_id = models.UUIDField(unique=True, editable=False)
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    language = models.CharField(max_length=2, choices=Language)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # What the zip holds, for the page and the README (withdrawal may limit it).
    contents = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["participant", "created"])]

    def __str__(self) -> str:
        return f"data export {self.public_id} ({self.status})"

import pgtrigger
from django.conf import settings
from django.db import models


class Site(models.Model):
    """An enrolling organisation. Staff belong to one; participants are assigned to one."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=2, help_text="USPS code of the state it is in.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """What changed, written in the same transaction as the change (append-only).

    `data` never holds the clear text of an encrypted field: services pass codes,
    ids and the names of changed fields, not their values.
    """

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    participant = models.ForeignKey(
        "participants.Participant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        triggers = [
            pgtrigger.Protect(
                name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.created:%Y-%m-%d %H:%M}"


# --- staff security (issue 8) ---------------------------------------------------------
class StaffPermissionAnchor(models.Model):
    """No table: holds the staff permissions that belong to no model of their own.

    Groups (roles) are granted these; `portal.staff.roles` lists who gets which.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboards", "See the recruitment dashboards (aggregates only)"),
            ("export_aggregates", "Download aggregate, suppressed CSV exports"),
            ("support_lookup", "Look up one participant of the own site, with a reason"),
            ("manage_staff", "Invite, deactivate and change the roles of staff"),
            ("approve_travel", "Approve another staff member's travel exception"),
        ]

    def __str__(self) -> str:
        return "staff permissions"


class StaffProfile(models.Model):
    """What a staff account needs beyond the user: the site it works for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"staff profile of user {self.user_id}"


class TravelException(models.Model):
    """Permission for one staff member to work from one country for a few days.

    The traveller asks; someone else with `portal.approve_travel` approves. A check
    constraint makes self-approval impossible even for code that skips the service.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="travel_exceptions"
    )
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300)
    created = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("user")),
                name="travel_exception_not_self_approved",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="travel_exception_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"travel {self.country} {self.starts_on}–{self.ends_on}"


class AccessEvent(models.Model):
    """One staff read of one participant's data (append-only, hash-chained).

    `hash` = sha256(previous row's hash + this row's canonical content), so a row
    changed or removed behind the trigger's back breaks the chain at that row
    (`manage.py verify_access_log`). `reason` is the staff member's stated purpose;
    no health data goes in `what` or `reason`.
    """

    created = models.DateTimeField(db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_events"
    )
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="access_events"
    )
    what = models.CharField(max_length=64)
    reason = models.CharField(max_length=300)
    ip = models.GenericIPAddressField(null=True, blank=True)
    country = models.CharField(max_length=8, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["staff", "created"])]
        triggers = [
            pgtrigger.Protect(
                name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.what} at {self.created:%Y-%m-%d %H:%M}"


from portal.outbox import OutboxMessage  # noqa: E402, F401 - the model lives beside its service

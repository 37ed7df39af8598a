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

    Groups (roles) are granted these; `staff.roles` lists who gets which.
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
    """One staff read of one participant's data, or one change of a staff member's
    powers (append-only, hash-chained).

    `hash` = sha256(previous row's hash + this row's canonical content), so a row
    changed or removed behind the trigger's back breaks the chain at that row
    (`manage.py verify_access_log`). `reason` is the staff member's stated purpose;
    no health data goes in `what` or `reason`.

    Format 2 (issue 15) freezes the reader's roles and site at read time into the
    hashed content, and records role changes and approvals (`participant` empty,
    `subject_staff` = whose powers changed). Format 1 rows keep their old hash.
    """

    created = models.DateTimeField(db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_events"
    )
    participant = models.ForeignKey(
        "participants.Participant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    subject_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    what = models.CharField(max_length=64)
    reason = models.CharField(max_length=300)
    ip = models.GenericIPAddressField(null=True, blank=True)
    country = models.CharField(max_length=8, blank=True)
    # Frozen at read time (format 2): the reader's roles (comma-separated) and site code.
    roles = models.CharField(max_length=200, blank=True)
    site = models.CharField(max_length=32, blank=True)
    format = models.PositiveSmallIntegerField(default=1)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["staff", "created"])]
        triggers = [
            pgtrigger.Protect(
                name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            # A row-level trigger never sees TRUNCATE: a statement-level one does. Only
            # the test settings' connections may empty the table (Django's flush between
            # transactional tests); see docs/staff-security.md.
            pgtrigger.Trigger(
                name="access_event_no_truncate",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func=(
                    "IF coalesce(current_setting('portal.test_flush', true), '') <> 'on' THEN "
                    "RAISE EXCEPTION 'the access log cannot be truncated'; END IF; RETURN NULL;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.what} at {self.created:%Y-%m-%d %H:%M}"


class RoleGrantRequest(models.Model):
    """A privileged role for a staff member, waiting for a second administrator (R29).

    Created by `staff_invite` / `staff_roles_set` when they would add a privileged role;
    it takes effect only when `role_grant_approve` finds an approver who is neither the
    requester nor the grantee, and whose administrator account existed before the request
    and was not created or granted by the requester.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a second administrator"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grant_requests"
    )
    roles = models.JSONField(default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=State, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            # Nobody decides their own request or a grant to themselves, even in raw SQL.
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="role_grant_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("user")),
                name="role_grant_not_decided_by_grantee",
            ),
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("user")),
                name="role_grant_not_self_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"grant {','.join(self.roles)} to user {self.user_id} ({self.state})"


class AccessLogAnchor(models.Model):
    """The chain head written down once a day (the copy that matters is outside the
    database: the backup folder and the administrators' digest)."""

    created = models.DateTimeField(auto_now_add=True)
    head_id = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    rows = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-created"]
        triggers = [
            pgtrigger.Protect(
                name="access_log_anchor_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"head {self.head_hash[:12]} ({self.rows} rows)"


from portal.outbox import OutboxMessage  # noqa: E402, F401 - the model lives beside its service

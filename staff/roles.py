"""Staff roles as Django groups, least privilege. `roles_setup()` is idempotent.

Permissions of apps that do not define them yet are skipped and picked up when
`manage.py setup_roles` runs again after those apps add them.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

RECRUITMENT = "recruitment"
SUPPORT = "support"
COUNSELLOR = "genetic_counsellor"
DATA_MANAGER = "data_manager"
CONSENT_ADMIN = "consent_admin"
SURVEY_ADMIN = "survey_admin"
ADMINISTRATOR = "administrator"
BIOBANK = "biobank"
CONSENT_MANAGER = "consent_manager"

ROLES: dict[str, tuple[str, ...]] = {
    # Aggregates only: never a participant identity.
    RECRUITMENT: ("portal.view_dashboards", "portal.export_aggregates"),
    # One participant of their own site at a time, after stating why.
    SUPPORT: ("portal.support_lookup",),
    COUNSELLOR: ("results.review_report", "results.release_report"),
    DATA_MANAGER: ("results.manage_samples",),
    CONSENT_ADMIN: ("consent.manage_consent_versions",),
    SURVEY_ADMIN: ("surveys.manage_surveys",),
    # Ships, receives and rejects kits by barcode; prints labels (recorded as access).
    BIOBANK: ("kits.manage_kits",),
    # Publishes re-consent campaigns (with the ethics approval) and reads their progress.
    CONSENT_MANAGER: ("consent_campaigns.manage_campaigns",),
    # Manages accounts and travel; sees dashboards; reads no participant record.
    ADMINISTRATOR: ("portal.manage_staff", "portal.approve_travel", "portal.view_dashboards"),
}

# Roles whose grant needs a second, pre-existing administrator (R29, issue 15).
PRIVILEGED = frozenset({ADMINISTRATOR, SUPPORT, COUNSELLOR, DATA_MANAGER, BIOBANK, CONSENT_MANAGER})
# Roles that read participant-level data: never held together with administrator, so
# the person who hands out powers never uses them on participants' records.
# Biobank staff print labels that carry a participant's address.
DATA_READING = frozenset({SUPPORT, COUNSELLOR, DATA_MANAGER, BIOBANK})

ROLE_LABELS = {
    RECRUITMENT: "Recruitment (aggregate dashboards)",
    SUPPORT: "Participant support (own site, with a reason)",
    COUNSELLOR: "Genetic counsellor (results review)",
    DATA_MANAGER: "Data manager (samples)",
    CONSENT_ADMIN: "Consent administrator",
    SURVEY_ADMIN: "Survey administrator",
    BIOBANK: "Biobank (kits: ship, receive, reject)",
    CONSENT_MANAGER: "Consent manager (re-consent campaigns)",
    ADMINISTRATOR: "Administrator (staff accounts, travel approvals)",
}


@transaction.atomic
def roles_setup() -> dict[str, list[str]]:
    """Creates the groups and sets their permissions; returns the missing permissions."""
    missing: dict[str, list[str]] = {}
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        found = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is None:
                missing.setdefault(name, []).append(dotted)
            else:
                found.append(perm)
        group.permissions.set(found)
    return missing

"""Run by test_read_replica.py in a portal process whose DATABASES has a real `replica`.

Prints one JSON object of observations; the test asserts on them. Steps: staff and 25
participants on the primary; wait for the replica; pause its replay (lag, for as long as
we like); 25 more participants on the primary; then look at what dashboards, exports and
participant pages read, and where.
"""

import contextvars
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django

django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from participants.enrollment import participant_create  # noqa: E402
from portal.db_router import PIN_COOKIE, reading_from, replica_reads  # noqa: E402
from portal.models import StaffProfile  # noqa: E402
from staff.dashboards.figures import Filters, dashboard_figures  # noqa: E402
from staff.dashboards.summaries import dashboard_facts_refresh  # noqa: E402
from staff.roles import roles_setup  # noqa: E402
from tests.factories import ParticipantFactory, SiteFactory, UserFactory  # noqa: E402

out: dict = {}


def registered() -> int | None:
    return dashboard_figures(Filters()).funnel[0].value


def _on_replica() -> int | None:
    with replica_reads():
        assert reading_from() == "replica", reading_from()
        return registered()


def replica_registered() -> int | None:
    # A fresh context, like a new request: this script's own writes pin it to the primary.
    return contextvars.Context().run(_on_replica)


def people(n: int) -> None:
    for _ in range(n):
        participant = participant_create(user=UserFactory(), screener_passed_at=None)
        dashboard_facts_refresh(participant=participant)


def replica_sql(statement: str):
    with connections["replica"].cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()


roles_setup()
site = SiteFactory(code="replica-site")
staff = UserFactory(is_staff=True, email="recruiter@example.org")
StaffProfile.objects.create(user=staff, site=site)
staff.groups.set(Group.objects.filter(name="recruitment"))
TOTP.activate(staff, generate_totp_secret())
participant = ParticipantFactory(user__email="someone@example.org")
people(25)  # `participant` (a factory row) is not in the summaries

deadline = time.monotonic() + 30
while replica_registered() != 25 and time.monotonic() < deadline:
    time.sleep(0.2)
out["replica_before_pause"] = replica_registered()
out["replica_in_recovery"] = replica_sql("SELECT pg_is_in_recovery()")[0]

# Lag: the replica stops replaying; the primary goes on.
replica_sql("SELECT pg_wal_replay_pause()")
people(25)
out["primary_registered"] = registered()
out["replica_registered_while_lagging"] = replica_registered()

staff_client = Client(REMOTE_ADDR="8.8.8.8")
staff_client.force_login(staff)
with CaptureQueriesContext(connections["replica"]) as on_replica:
    response = staff_client.get("/staff/")
out["dashboard_status_while_lagging"] = response.status_code
out["dashboard_replica_queries"] = len(on_replica.captured_queries)

# An export is a write (its audit row): the next pages of this client use the primary.
session = staff_client.session
session["account_authenticated_at"] = time.time()
session["account_authentication_methods"] = [
    {"method": "password", "at": time.time(), "reauthenticated": True}
]
session["account_authentication_methods_user"] = session["_auth_user_id"]
session.save()
with CaptureQueriesContext(connections["replica"]) as on_replica:
    response = staff_client.post("/staff/export/", {"table": "funnel", "rows": 100})
out["export_status"] = response.status_code
out["export_csv_registered_row"] = next(
    (line for line in response.content.decode().splitlines() if line.startswith("Signed up")),
    "",
)
out["export_replica_queries"] = len(on_replica.captured_queries)
out["pin_cookie_set"] = PIN_COOKIE in response.cookies
with CaptureQueriesContext(connections["replica"]) as on_replica:
    response = staff_client.get("/staff/")
out["dashboard_after_write_status"] = response.status_code
out["dashboard_after_write_replica_queries"] = len(on_replica.captured_queries)
staff_client.cookies.pop(PIN_COOKIE, None)

# Participant pages never read the replica.
participant_client = Client()
participant_client.force_login(participant.user)
with CaptureQueriesContext(connections["replica"]) as on_replica:
    pages = [participant_client.get(url).status_code for url in ("/me/", "/me/documents/")]
out["participant_statuses"] = pages
out["participant_replica_queries"] = len(on_replica.captured_queries)

# A read inside a transaction on the primary stays there.
from django.db import transaction  # noqa: E402

with replica_reads(), transaction.atomic():
    out["inside_atomic_reads_from"] = reading_from()

# The replica catches up once replay resumes.
replica_sql("SELECT pg_wal_replay_resume()")
deadline = time.monotonic() + 30
while replica_registered() != 50 and time.monotonic() < deadline:
    time.sleep(0.2)
out["replica_after_resume"] = replica_registered()
print("PROBE " + json.dumps(out))

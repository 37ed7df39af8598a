"""PostgreSQL really restarts (or is down) while a participant submits a survey page.

No mocks: a PostgreSQL cluster of our own, the portal under gunicorn against it (one
sync worker; persistent connections and their health checks as in production, see
portal/settings/base.py), a participant logged in over HTTP. The shared server on 5432 is
never touched.

- In the middle of a submit: the page's answers are written, the request waits on the
  audit row (a lock we hold), and the cluster restarts (fast shutdown ends every
  session). The participant gets the plain error page, nothing of that submit is kept,
  and the same POST once the database is back saves the page once.
- While it is down: the same, with the database stopped before the POST.
- After a restart, the first request must not fail on the worker's stale connection.
"""

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from psycopg import sql

from participants.surveys.models import SurveyResponse
from portal.models import AuditEvent
from portal.settings import base as production_like
from tests.faults.services import (
    PortalServer,
    PrivatePostgres,
    gunicorn_server,
    log_in,
    manage,
    page_inputs,
    portal_env,
    private_postgres,
)
from tests.participants.surveys.helpers import BASICS_PAGES

pytestmark = pytest.mark.slow

EMAILS = ("pg-midway@example.org", "pg-down@example.org", "pg-stale@example.org")
HUMAN_MESSAGE = "Nothing you entered was lost: please try again"
RESPONSES = SurveyResponse._meta.db_table
AUDIT = AuditEvent._meta.db_table

# Run once in the private database: schema, the published consents and surveys, and one
# participant per test at ehr_authorized (The Basics open), as the `ready` fixture does.
SETUP = f"""
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
call_command("load_default_consents")
call_command("load_surveys")
from participants.models import JourneyState, JourneyTransition
from tests.factories import ParticipantFactory
for email in {EMAILS!r}:
    participant = ParticipantFactory(user__email=email)
    previous = participant.state
    for state in (JourneyState.CONSENTED, JourneyState.EHR_AUTHORIZED):
        JourneyTransition.objects.create(
            participant=participant, from_state=previous, to_state=state,
            actor=participant.user, reason="test",
        )
        previous = state
    participant.state = JourneyState.EHR_AUTHORIZED
    participant.save(update_fields=["state"])
"""


@dataclass
class Stack:
    pg: PrivatePostgres
    server: PortalServer


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with private_postgres() as pg:
        with pg.connect(autocommit=True) as conn:
            conn.execute("CREATE DATABASE portal")
        # The test settings keep no connection between requests; production does
        # (base.py: DATABASE_CONN_MAX_AGE, default 60 s) and checks it before reuse.
        url = pg.url(
            "portal",
            CONN_MAX_AGE=60,
            CONN_HEALTH_CHECKS=production_like.DATABASES["default"]["CONN_HEALTH_CHECKS"],
        )
        env = portal_env(DATABASE_URL=url)
        manage("shell", "-c", SETUP, env=env)
        with gunicorn_server(env, workers=1) as server:
            yield Stack(pg, server)


@pytest.fixture
def up(stack) -> Stack:
    """Each test starts with the cluster up, whatever the one before left."""
    if not stack.pg.accepts():
        stack.pg.start()
    return stack


# --- HTTP as a participant -------------------------------------------------------------
def _start_basics(session: requests.Session, base: str) -> str:
    """Starts The Basics; returns the URL of its first page."""
    token = page_inputs(session, f"{base}/me/surveys/the_basics/")["csrfmiddlewaretoken"]
    started = session.post(
        f"{base}/me/surveys/the_basics/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=60,
    )
    assert started.status_code == 302, started.status_code
    assert re.search(
        r"/me/surveys/responses/[0-9a-f-]+/page/about_you/$", started.headers["Location"]
    )
    return base + started.headers["Location"]


def _about_you(session: requests.Session, page_url: str) -> dict:
    return {
        **BASICS_PAGES["about_you"],
        "action": "continue",
        "csrfmiddlewaretoken": page_inputs(session, page_url)["csrfmiddlewaretoken"],
    }


def _post(session: requests.Session, url: str, data: dict) -> requests.Response:
    return session.post(url, data=data, allow_redirects=False, timeout=120)


# --- what the database holds -------------------------------------------------------------
def _public_id(page_url: str) -> str:
    return re.search(r"/responses/([0-9a-f-]+)/page/", page_url).group(1)


def _saved(pg: PrivatePostgres, page_url: str) -> tuple[dict, str, int]:
    """The response's answers and current page, and how many page saves were audited."""
    with pg.connect("portal") as conn:
        pk, answers, current = conn.execute(
            sql.SQL("SELECT id, answers, current_page FROM {} WHERE public_id = %s").format(
                sql.Identifier(RESPONSES)
            ),
            [_public_id(page_url)],
        ).fetchone()
        (saves,) = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE action = %s AND object_id = %s").format(
                sql.Identifier(AUDIT)
            ),
            ["survey.page_save", str(pk)],
        ).fetchone()
    return answers, current, saves


def _assert_error_page(failed: requests.Response, server: PortalServer) -> None:
    assert failed.status_code in {500, 503}, (failed.status_code, server.log_tail())
    assert HUMAN_MESSAGE in failed.text
    assert "Traceback" not in failed.text
    assert "OperationalError" not in failed.text and "psycopg" not in failed.text


def _assert_submit_saves_once(session, page_url, data, pg) -> None:
    retried = _post(session, page_url, data)
    assert retried.status_code == 302, retried.status_code
    assert retried.headers["Location"].endswith("/page/origin/")  # born abroad: next is origin
    answers, current, saves = _saved(pg, page_url)
    assert answers["birth_year"] == 1956
    assert answers["birth_place"] == "OTHER_COUNTRY"
    assert current == "origin"
    assert saves == 1


def _wait_for_backend_blocked_on_audit(pg: PrivatePostgres, timeout: float = 60) -> int:
    """The pid of the portal's backend once it waits on our lock to insert the audit row."""
    deadline = time.monotonic() + timeout
    with pg.connect("portal", autocommit=True) as watch:
        while time.monotonic() < deadline:
            row = watch.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = 'portal'"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                [f'INSERT INTO "{AUDIT}"%'],
            ).fetchone()
            if row:
                # And it has already updated the response row inside its transaction.
                (wrote,) = watch.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND granted"
                    " AND mode = 'RowExclusiveLock' AND relation = %s::regclass",
                    [row[0], f'"{RESPONSES}"'],
                ).fetchone()
                assert wrote == 1
                return row[0]
            time.sleep(0.05)
    raise TimeoutError("the submit never reached the audit insert")


# --- the tests ---------------------------------------------------------------------------
def test_restart_in_the_middle_of_a_submit_keeps_nothing_and_the_retry_saves_once(up):
    pg, server = up.pg, up.server
    session = log_in(server.url, EMAILS[0])
    page_url = _start_basics(session, server.url)
    data = _about_you(session, page_url)

    # Hold the audit table so the submit stops after writing the answers, before commit.
    blocker = pg.connect("portal")
    outcome: dict[str, object] = {}

    def submit() -> None:
        try:
            outcome["response"] = _post(session, page_url, data)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            outcome["error"] = exc

    try:
        blocker.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(AUDIT)))
        submitting = threading.Thread(target=submit, daemon=True)
        submitting.start()
        _wait_for_backend_blocked_on_audit(pg)
        pg.restart(mode="fast")  # ends every session: the submit's and our lock's
        submitting.join(timeout=120)
        assert not submitting.is_alive(), "the submit never answered"
    finally:
        blocker.close()

    assert "error" not in outcome, outcome.get("error")
    _assert_error_page(outcome["response"], server)
    assert _saved(pg, page_url) == ({}, "about_you", 0)  # nothing of that submit was kept

    _assert_submit_saves_once(session, page_url, data, pg)


def test_submit_while_the_database_is_down_gets_the_error_page_and_the_retry_saves_once(up):
    pg, server = up.pg, up.server
    session = log_in(server.url, EMAILS[1])
    page_url = _start_basics(session, server.url)
    data = _about_you(session, page_url)

    pg.stop(mode="fast")
    try:
        started = time.monotonic()
        failed = _post(session, page_url, data)
        took = time.monotonic() - started
    finally:
        pg.start()

    _assert_error_page(failed, server)
    assert took < 30, f"the error page took {took:.0f} s"  # a safety limit, not a speed test
    assert _saved(pg, page_url) == ({}, "about_you", 0)

    _assert_submit_saves_once(session, page_url, data, pg)


def test_first_request_after_a_restart_does_not_fail_on_the_stale_connection(up):
    """CONN_MAX_AGE keeps the worker's connection between requests; after a restart that
    connection is dead. CONN_HEALTH_CHECKS (base settings) must notice and reconnect
    instead of answering the participant with an error."""
    pg, server = up.pg, up.server
    session = log_in(server.url, EMAILS[2])
    page_url = _start_basics(session, server.url)
    data = _about_you(session, page_url)  # a GET: the worker now holds an open connection

    def portal_backends() -> set[int]:
        with pg.connect("portal", autocommit=True) as watch:
            rows = watch.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = 'portal'"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        return {pid for (pid,) in rows}

    before = portal_backends()
    assert before, "the worker kept no connection open: nothing stale to test"
    pg.restart(mode="fast")
    assert portal_backends() == set()  # every session before the restart is gone

    _assert_submit_saves_once(session, page_url, data, pg)  # the first request after it
    assert not before & portal_backends()

"""Survey pages under load: 50 participants answering The Basics at once through gunicorn
(2 sync workers) + PostgreSQL, and the SQL queries one page costs (first and last page)."""

import json
import re
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from bench.harness import figure, percentile
from bench.server import PY, ROOT, bench_env, gunicorn, reset_database

PARTICIPANTS = 50

# Runs inside Django (bench settings): published surveys, participants at ehr_authorized with
# a started response and a logged-in session each (no password hashing: the login is not what
# is measured), then the queries of page 1 and of the last page through the test client.
SETUP = r"""
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from participants.models import JourneyState
from participants.surveys.services import core_surveys_load, response_start_or_resume
from tests.factories import ParticipantFactory
from tests.participants.surveys.helpers import BASICS_PAGES, walk

core_surveys_load()
n = int(sys.argv[1])
out = []
for i in range(n + 1):
    p = ParticipantFactory(state=JourneyState.EHR_AUTHORIZED, user__email=f"survey{i}@example.org")
    r = response_start_or_resume(participant=p, survey_code="the_basics", actor=None)
    s = SessionStore()
    s[SESSION_KEY] = str(p.user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = p.user.get_session_auth_hash()
    s.create()
    out.append({"session": s.session_key, "response": str(r.public_id), "pk": p.pk})

# Queries per page, GET + POST, for the first page and for the last one after every other
# page is answered (the count must not grow with the answers stored).
probe = out.pop()
from participants.models import Participant
from participants.surveys.models import SurveyResponse
participant = Participant.objects.get(pk=probe["pk"])
client = Client(SERVER_NAME="127.0.0.1")
client.cookies["sessionid"] = probe["session"]
def cost(page):
    url = f"/me/surveys/responses/{probe['response']}/page/{page}/"
    client.get(url)  # the parsed definition is cached per process after this
    with CaptureQueriesContext(connection) as q:
        client.get(url)
        client.post(url, {**BASICS_PAGES[page], "action": "continue"})
    return len(q)
first = cost("about_you")
response = SurveyResponse.objects.get(public_id=probe["response"])
walk(participant, response)
SurveyResponse.objects.filter(pk=response.pk).update(current_page="housing")
last = cost("housing")
print(json.dumps({"users": out, "first": first, "last": last}))
"""

ANSWERS = {
    "about_you": {"birth_year": "1956", "birth_place": "OTHER_COUNTRY", "main_language": "ES"},
    "origin": {"birth_country": "México", "years_in_us": "40"},
    "race_ethnicity": {"race_ethnicity": ["HISPANIC", "WHITE"]},
    "race_ethnicity_detail": {"hispanic_origin": "MEXICAN"},
    "sex_gender": {"sex_at_birth": "FEMALE", "gender_identity": "WOMAN"},
    "household": {"marital_status": "WIDOWED", "household_size": "2"},
    "education_work": {"education": "HIGH_SCHOOL", "employment": "EMPLOYED_PART_TIME"},
    "work_details": {"occupation": "Cook", "work_hours": "20", "work_shift": "DAY"},
    "income_insurance": {"household_income": "LT_25K", "health_insurance": "Y"},
    "insurance_type": {"insurance_types": "MEDICARE"},
    "housing": {"housing_status": "OWN", "housing_worry": "N"},
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _open(request):
    try:
        return _opener.open(request, timeout=120)
    except urllib.error.HTTPError as exc:  # a 302 arrives here without the redirect handler
        return exc


def _participant(base: str, user: dict) -> list[float]:
    """Answers every page of The Basics; returns GET + POST seconds per page."""
    session = f"sessionid={user['session']}"
    page = "about_you"
    samples = []
    while page:
        url = f"{base}/me/surveys/responses/{user['response']}/page/{page}/"
        started = time.perf_counter()
        reply = _open(urllib.request.Request(url, headers={"Cookie": session}))  # noqa: S310 - loopback
        html = reply.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        cookie = re.search(r"csrftoken=([^;]+)", reply.headers.get("Set-Cookie", "") or "")
        cookies = session + (f"; csrftoken={cookie.group(1)}" if cookie else "")
        data = urlencode(
            {**ANSWERS[page], "csrfmiddlewaretoken": token, "action": "continue"}, doseq=True
        )
        posted = _open(urllib.request.Request(url, data.encode(), headers={"Cookie": cookies}))  # noqa: S310
        posted.read()
        samples.append(time.perf_counter() - started)
        location = posted.headers.get("Location", "")
        match = re.search(r"/page/([a-z_]+)/$", location)
        if posted.status != 302:
            raise RuntimeError(f"page {page} answered {posted.status}")
        page = match.group(1) if match else None
    return samples


def run() -> dict:
    reset_database()
    setup = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + SETUP, str(PARTICIPANTS)],
        cwd=ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    users = data["users"]
    with gunicorn(workers=2) as base:
        _participant(base, users.pop())  # warm both workers (imports, parsed definitions)
        started = time.perf_counter()
        with ThreadPoolExecutor(PARTICIPANTS) as pool:
            per_user = list(pool.map(lambda u: _participant(base, u), users))
        wall = time.perf_counter() - started
    samples = [s for user in per_user for s in user]
    detail = (
        f"{len(users)} participants at once, each answering The Basics (all 11 pages: "
        "the answers open every branch): "
        f"GET the page + POST the answers, through gunicorn 2 sync workers and PostgreSQL; "
        f"{len(samples)} pages in {wall:.1f} s; load generator on the same machine"
    )
    return {
        "survey_page_p99_ms": figure(percentile(samples, 99) * 1000, "ms", detail),
        "survey_page_p50_ms": figure(percentile(samples, 50) * 1000, "ms", detail),
        "survey_page_queries": figure(
            data["first"],
            "queries",
            f"SQL queries to render and submit one page (GET + POST): {data['first']} on page 1, "
            f"{data['last']} on the last page with every earlier page answered; includes "
            "session, user and allauth session tracking",
        ),
    }

"""Sign-ups per second through gunicorn (2 workers) + PostgreSQL, with Argon2 hashing."""

import ipaddress
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

from bench.harness import figure, percentile
from bench.server import gunicorn, reset_database

VOLUNTEERS = 300
CONCURRENCY = 16


def _csrf(opener, url: str) -> str:
    html = opener.open(url, timeout=60).read().decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _volunteer(base: str, i: int) -> tuple[bool, float]:
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    # Each volunteer's own address, as the trusted proxy would forward it (bench/settings.py):
    # production rate limits are on and count volunteers, not this script.
    address = str(ipaddress.IPv4Address("198.18.0.1") + i)
    opener.addheaders = [*opener.addheaders, ("X-Forwarded-For", address)]
    data = {
        "csrfmiddlewaretoken": _csrf(opener, base + "/join/"),
        "is_adult": "yes",
        "us_state": "TX",
        "can_consent": "yes",
    }
    opener.open(base + "/join/", urlencode(data).encode(), timeout=60)
    data = {
        "csrfmiddlewaretoken": _csrf(opener, base + "/accounts/signup/"),
        "email": f"bench{i}@example.org",
        "password1": "a-Long-pass-123",
        "password2": "a-Long-pass-123",
    }
    started = time.perf_counter()
    landed = opener.open(base + "/accounts/signup/", urlencode(data).encode(), timeout=60)
    elapsed = time.perf_counter() - started
    return landed.geturl().endswith("/accounts/confirm-email/"), elapsed


def _count(sql: str) -> int:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "portal_bench", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def _landing_rps(base: str, n: int = 400) -> float:
    opener = build_opener()
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda _: opener.open(base + "/", timeout=30).read(), range(n)))
    return n / (time.perf_counter() - started)


def run() -> dict:
    reset_database()
    with gunicorn(workers=2) as base:
        _volunteer(base, -1)  # warm both workers' imports
        landing = _landing_rps(base)
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            outcomes = list(pool.map(lambda i: _volunteer(base, i), range(VOLUNTEERS)))
        wall = time.perf_counter() - started
    ok = sum(1 for good, _ in outcomes if good)
    users = _count("SELECT count(*) FROM participants_user WHERE email LIKE 'bench%'") - 1
    distinct_ids = _count("SELECT count(DISTINCT participant_id) FROM participants_participant")
    participants = _count("SELECT count(*) FROM participants_participant") - 1
    lost_or_dup = (
        abs(VOLUNTEERS - users) + abs(users - participants) + (participants + 1 - distinct_ids)
    )
    p99 = percentile([t for _, t in outcomes], 99) * 1000
    detail = (
        f"{VOLUNTEERS} volunteers, {CONCURRENCY} concurrent, screener + sign-up through "
        f"gunicorn 2 sync workers and PostgreSQL, Argon2; load generator on the same 2 cores"
    )
    return {
        "signup_throughput_per_s": figure(ok / wall, "sign-ups/s", detail),
        "signup_p99_ms": figure(p99, "ms", detail + "; p99 of the sign-up POST"),
        "signup_lost_or_duplicated": figure(
            lost_or_dup,
            "records",
            "accounts vs requests, participants vs accounts, distinct ids; must be 0",
        ),
        "signup_vs_landing_page_ratio": figure(
            (ok / wall) / landing,
            "x",
            f"sign-ups/s divided by landing-page GETs/s ({landing:.0f}/s) on the same server, "
            "same run",
        ),
    }

"""Server time of public pages through the whole Django stack (test client, no network)."""

import django

from bench.harness import figure, median, timed


def run() -> dict:
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    client.get("/")  # warm templates and translations
    landing = median(timed(lambda: client.get("/"), 200)) * 1000
    landing_es = median(timed(lambda: client.get("/es/"), 200)) * 1000
    baseline = median(timed(lambda: client.get("/i18n/setlang/"), 200)) * 1000
    detail = "median of 200 GETs through the Django test client; baseline: a 405 view, same run"
    return {
        "landing_page_ms": figure(landing, "ms", detail),
        "landing_page_es_ms": figure(landing_es, "ms", detail),
        "landing_vs_trivial_view_ratio": figure(landing / baseline, "x", detail),
    }

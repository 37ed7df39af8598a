"""PostgreSQL goes away in the middle of a survey submit (issue 9, faults).

The connection drops after the answers were written but before the transaction
committed: the participant gets the plain "try again" page (no stack trace), nothing
of that submit is kept, and the retry saves the page once.
"""

from unittest import mock

import pytest
from django.db import OperationalError

from participants.surveys.models import SurveyResponse
from tests.participants.surveys.helpers import BASICS_PAGES

pytestmark = pytest.mark.django_db


def _page_url(response, page: str) -> str:
    return f"/me/surveys/responses/{response.public_id}/page/{page}/"


def test_submit_during_a_database_outage_saves_nothing_and_the_retry_works(ready_client, ready):
    ready_client.post("/me/surveys/the_basics/")
    response = SurveyResponse.objects.get()
    data = {**BASICS_PAGES["about_you"], "action": "continue"}
    ready_client.raise_request_exception = False
    gone = OperationalError("server closed the connection unexpectedly")
    # The audit row is the last write inside the page's transaction: fail there.
    with mock.patch("participants.surveys.services.audit_record", side_effect=gone):
        failed = ready_client.post(_page_url(response, "about_you"), data)
    assert failed.status_code == 500
    body = failed.content.decode()
    assert "Nothing you entered was lost: please try again" in body
    assert "Traceback" not in body and "OperationalError" not in body
    response.refresh_from_db()
    assert response.answers == {}  # the half-done submit left nothing behind

    retried = ready_client.post(_page_url(response, "about_you"), data)
    assert retried.status_code == 302
    response.refresh_from_db()
    assert response.answers["birth_year"] == 1956
    assert response.answers["birth_place"] == "OTHER_COUNTRY"

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from participants.consent.models import ConsentRecord
from participants.duplicates import services
from participants.duplicates.models import BlindIndex, DuplicateFlag, FlagStatus
from participants.duplicates.selectors import duplicate_figures
from participants.enrollment import participant_withdraw
from portal.models import AuditEvent
from tests.factories import SiteFactory
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.participants.duplicates.helpers import pair_of, register

pytestmark = pytest.mark.django_db


def test_same_name_birth_date_and_zip_flags_a_pair_and_tells_nobody():
    older = register(email="ana@example.org")
    mail.outbox.clear()
    newer = register(email="ana.other@example.org", phone="")
    flag = pair_of(older, newer)
    assert flag.status == FlagStatus.OPEN
    assert flag.first == older and flag.second == newer
    assert flag.matched_on == ["name_dob_zip"]
    assert flag.site == newer.site
    assert mail.outbox == []  # neither the new registrant nor the other account hears of it
    assert AuditEvent.objects.filter(action="duplicate.flag", participant=newer).count() == 1
    assert AuditEvent.objects.filter(action="duplicate.flag", participant=older).count() == 1


def test_birth_date_and_phone_alone_flag_too():
    older = register(email="a@example.org", last_name="Smith", postal_code="10001")
    newer = register(email="b@example.org", last_name="Jones-Smith", postal_code="78701")
    assert pair_of(older, newer).matched_on == ["dob_phone"]


def test_different_people_are_not_flagged():
    register(email="a@example.org")
    register(email="b@example.org", dob=dt.date(1956, 4, 3), phone="(512) 555-0000")
    register(email="c@example.org", last_name="Garza", phone="")
    assert DuplicateFlag.objects.count() == 0


def test_the_check_is_idempotent_and_a_decided_pair_is_not_flagged_again(supporter):
    older = register(email="a@example.org")
    newer = register(email="b@example.org")
    services.duplicate_check(participant=newer)
    services.duplicate_check(participant=older)
    assert DuplicateFlag.objects.count() == 1
    flag = pair_of(older, newer)
    services.duplicate_decide_not_same(flag=flag, actor=supporter)
    services.duplicate_indexes_update(participant=newer)  # the profile saved again
    flag.refresh_from_db()
    assert DuplicateFlag.objects.count() == 1
    assert flag.status == FlagStatus.NOT_SAME


def test_state_machine_not_same_is_final(supporter):
    flag = pair_of(register(email="a@example.org"), register(email="b@example.org"))
    services.duplicate_decide_not_same(flag=flag, actor=supporter)
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.decided_by == supporter
    with pytest.raises(services.DuplicateError):
        services.duplicate_decide_same(flag=flag, actor=supporter, keep=flag.first)
    with pytest.raises(services.DuplicateError):
        services.duplicate_confirm_by_call(flag=flag, actor=supporter, ticket="T-1")
    with pytest.raises(services.DuplicateError):
        services.duplicate_decide_not_same(flag=flag, actor=supporter)


def test_deciding_same_person_moves_nothing_until_confirmed(supporter, consents):
    older = register(email="a@example.org")
    newer = register(email="b@example.org")
    pass_comprehension(newer)
    sign(newer, consents["primary"])
    flag = pair_of(older, newer)
    with pytest.raises(services.DuplicateError):
        services.duplicate_confirm_by_call(flag=flag, actor=supporter, ticket="T-1")
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=older)
    flag.refresh_from_db()
    assert (flag.status, flag.keep, flag.retire) == (FlagStatus.AWAITING, older, newer)
    assert ConsentRecord.objects.filter(participant=newer).count() == 1
    assert newer.user.is_active


def test_verified_call_merges_consents_and_retires_the_other_account(supporter, consents):
    older = register(email="a@example.org")
    newer = register(email="b@example.org")
    pass_comprehension(newer)
    record = sign(newer, consents["primary"])
    flag = pair_of(older, newer)
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=older)
    services.duplicate_confirm_by_call(flag=flag, actor=supporter, ticket="T-77")
    flag.refresh_from_db()
    older.refresh_from_db()
    newer.refresh_from_db()
    assert flag.status == FlagStatus.MERGED and flag.confirmed_by == "verified_call"
    moved = ConsentRecord.objects.get(pk=record.pk)
    assert moved.participant == older
    assert moved.text_sha256 == record.text_sha256 and moved.signed_at == record.signed_at
    assert older.state == "consented"  # the kept account reaches the step the other had
    assert not newer.user.is_active
    assert not BlindIndex.objects.filter(participant=newer).exists()
    merged = AuditEvent.objects.get(action="duplicate.merged", participant=older)
    assert merged.data["moved"]["consents"] == 1 and merged.data["ticket"] == "T-77"
    assert AuditEvent.objects.filter(action="duplicate.merged", participant=newer).exists()


def test_sign_in_confirmation_needs_the_other_account_of_the_pair(supporter, outsider):
    older = register(email="a@example.org")
    newer = register(email="b@example.org")
    flag = pair_of(older, newer)
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=newer)
    with pytest.raises(services.DuplicateError):
        services.duplicate_confirm_by_sign_in(flag=flag, signed_in=older, other_user=outsider.user)
    with pytest.raises(services.DuplicateError):
        services.duplicate_confirm_by_sign_in(flag=flag, signed_in=older, other_user=older.user)
    with pytest.raises(PermissionDenied):
        services.duplicate_confirm_by_sign_in(flag=flag, signed_in=outsider, other_user=older.user)
    services.duplicate_confirm_by_sign_in(flag=flag, signed_in=older, other_user=newer.user)
    flag.refresh_from_db()
    older.user.refresh_from_db()
    assert flag.status == FlagStatus.MERGED and flag.confirmed_by == "sign_in"
    assert not older.user.is_active  # the retired one


def test_support_of_another_site_or_another_role_cannot_decide(make_staff, recruiter_or_none=None):
    other_site = SiteFactory(code="site-b", state="CA")
    flag = pair_of(register(email="a@example.org"), register(email="b@example.org"))
    elsewhere = make_staff("support", site=other_site)
    recruiter = make_staff("recruitment")
    for actor in (elsewhere, recruiter):
        with pytest.raises(PermissionDenied):
            services.duplicate_decide_not_same(flag=flag, actor=actor)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_tier_3_withdrawal_erases_the_digests():
    person = register(email="a@example.org")
    assert BlindIndex.objects.filter(participant=person).exists()
    participant_withdraw(participant=person, actor=person.user, tier=3)
    assert not BlindIndex.objects.filter(participant=person).exists()


def test_figures_hide_small_counts_and_give_the_median(supporter, settings):
    settings.STAFF_SMALL_CELL_MAX = 2
    people = [
        register(email=f"p{i}@example.org", dob=dt.date(1950, 1, 1 + i // 2)) for i in range(8)
    ]
    assert DuplicateFlag.objects.count() == 4
    figures = duplicate_figures()
    assert figures["flagged"] == 4
    assert figures["resolved"] is None or figures["resolved"] == 0  # 0 is shown, 1-2 are not
    for flag in DuplicateFlag.objects.all()[:3]:
        services.duplicate_decide_not_same(flag=flag, actor=supporter)
    figures = duplicate_figures()
    assert figures["resolved"] == 3
    assert figures["median_days_to_resolve"] is not None and figures["median_days_to_resolve"] < 1
    services_flag = DuplicateFlag.objects.filter(status=FlagStatus.OPEN).get()
    assert services_flag.first in people


def test_merge_moves_finished_surveys_but_never_a_second_answer_to_the_same_one(supporter, surveys):
    from django.utils import timezone

    from participants.surveys.models import SurveyResponse

    older = register(email="a@example.org")
    newer = register(email="b@example.org")

    def answered(person, code):
        return SurveyResponse.objects.create(
            participant=person, version=surveys[code], survey_code=code, status="completed",
            answers={"x": person.pk}, completed=timezone.now(),
        )  # fmt: skip

    kept_basics = answered(older, "the_basics")
    other_basics = answered(newer, "the_basics")
    lifestyle = answered(newer, "lifestyle")
    flag = pair_of(older, newer)
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=older)
    services.duplicate_confirm_by_call(flag=flag, actor=supporter, ticket="T-3")
    for response in (kept_basics, other_basics, lifestyle):
        response.refresh_from_db()
    assert kept_basics.participant == older and lifestyle.participant == older
    assert other_basics.participant == newer  # the kept account's answers stand
    merged = AuditEvent.objects.get(action="duplicate.merged", participant=older)
    assert merged.data["moved"]["survey_answers"] == 1


def _pairs_by_status() -> dict[str, set[frozenset[str]]]:
    found: dict[str, set[frozenset[str]]] = {}
    for flag in DuplicateFlag.objects.select_related("first__user", "second__user"):
        found.setdefault(flag.status, set()).add(
            frozenset({flag.first.user.email, flag.second.user.email})
        )
    return found


def test_retiring_an_account_closes_its_other_pairs_and_the_figures_count_them_apart(
    supporter, settings
):
    settings.STAFF_SMALL_CELL_MAX = 0  # every count shown
    a = register(email="a@example.org")
    b = register(email="b@example.org")
    c = register(email="c@example.org")  # the same details three times: three pairs
    assert _pairs_by_status() == {
        FlagStatus.OPEN: {frozenset(p) for p in (("a@example.org", "b@example.org"),
                                                 ("a@example.org", "c@example.org"),
                                                 ("b@example.org", "c@example.org"))},
    }  # fmt: skip
    # Support is already waiting on b and c to confirm when a and b turn out the same.
    services.duplicate_decide_same(flag=pair_of(b, c), actor=supporter, keep=c)
    merged = pair_of(a, b)
    services.duplicate_decide_same(flag=merged, actor=supporter, keep=a)
    services.duplicate_confirm_by_call(flag=merged, actor=supporter, ticket="T-7")

    closed = pair_of(b, c)
    assert closed.status == FlagStatus.CLOSED and closed.closed_reason == "account_retired"
    assert closed.resolved_at is not None and closed.is_resolved
    assert pair_of(a, c).status == FlagStatus.OPEN  # the kept account's pairs stand
    audits = AuditEvent.objects.filter(action="duplicate.closed")
    assert {e.participant_id for e in audits} == {b.pk, c.pk}
    assert all(
        e.actor is None
        and e.data == {"before": "awaiting", "after": "closed", "reason": "account_retired",
                       "because_of": str(merged.public_id)}
        for e in audits
    )  # fmt: skip
    merged_audit = AuditEvent.objects.filter(action="duplicate.merged").first()
    assert merged_audit.data["other_pairs_closed"] == 1
    assert services.awaiting_flag_for(c) is None  # no banner asks c to confirm any more
    with pytest.raises(services.DuplicateError):
        services.duplicate_confirm_by_call(flag=closed, actor=supporter, ticket="T-8")

    figures = duplicate_figures()
    assert (figures["flagged"], figures["resolved"], figures["merged"], figures["closed"]) == (
        3, 1, 1, 1,
    )  # fmt: skip
    # The median is support's time to a decision: the closed pair is not in it.
    DuplicateFlag.objects.filter(pk=merged.pk).update(
        resolved_at=merged.created + dt.timedelta(days=4)
    )
    DuplicateFlag.objects.filter(pk=closed.pk).update(
        resolved_at=closed.created + dt.timedelta(days=40)
    )
    assert duplicate_figures()["median_days_to_resolve"] == 4.0


def test_withdrawal_from_further_use_closes_the_pairs_but_no_further_contact_does_not(
    supporter, settings
):
    settings.STAFF_SMALL_CELL_MAX = 0
    a = register(email="a@example.org")
    b = register(email="b@example.org")
    c = register(email="c@example.org", dob=dt.date(1970, 1, 1), phone="")
    d = register(email="d@example.org", dob=dt.date(1970, 1, 1), phone="")
    participant_withdraw(participant=a, actor=a.user, tier=1)
    assert pair_of(a, b).status == FlagStatus.OPEN  # still theirs to confirm or not
    participant_withdraw(participant=c, actor=c.user, tier=2)
    closed = pair_of(c, d)
    assert closed.status == FlagStatus.CLOSED and closed.closed_reason == "account_withdrawn"
    assert AuditEvent.objects.filter(
        action="duplicate.closed", participant=d, data__reason="account_withdrawn"
    ).exists()
    figures = duplicate_figures()
    assert (figures["flagged"], figures["resolved"], figures["closed"]) == (2, 0, 1)
    assert figures["median_days_to_resolve"] is None  # nothing decided yet

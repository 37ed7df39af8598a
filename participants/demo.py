"""Demo data for `make run`. Never loaded in production."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from participants.consent.defaults import load_default_consents
from participants.enrollment import (
    participant_create,
    participant_pause,
    participant_withdraw,
    profile_update,
)
from participants.journey import ORDER, journey_advance_to
from participants.models import JourneyState, Participant, User
from portal.models import Site

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - public demo data only
SITES = [
    ("tx-central", "Central Texas Community Health", "TX"),
    ("pr-sanjuan", "Centro de Salud San Juan", "PR"),
    ("ca-fresno", "Fresno Valley Clinic", "CA"),
]
# (e-mail, where they are, profile overrides)
DEMO_PARTICIPANTS = [
    ("participant@example.org", JourneyState.ELIGIBLE, {}),
    ("registered@example.org", JourneyState.REGISTERED, {"profile": False}),
    ("consented@example.org", JourneyState.CONSENTED, {}),
    ("ehr@example.org", JourneyState.EHR_AUTHORIZED, {"preferred_language": "es"}),
    ("basics@example.org", JourneyState.BASICS_DONE, {}),
    ("core@example.org", JourneyState.CORE, {"preferred_language": "es"}),
    ("paused@example.org", JourneyState.PAUSED, {}),
    ("withdrawn@example.org", JourneyState.WITHDRAWN, {}),
]


def _demo_user(email: str, **extra: object) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=email, defaults=extra)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


SIGNED_STEPS = {
    JourneyState.CONSENTED: ("primary", "agree"),
    JourneyState.EHR_AUTHORIZED: ("ehr", "agree"),
}


def _demo_sign(participant: Participant, form_and_decision: tuple[str, str], user: User) -> None:
    from participants.consent.selectors import published_version
    from participants.consent.services import consent_sign, legal_name

    form_code, decision = form_and_decision
    if form_code == "primary":
        from participants.consent.comprehension import comprehension_questions
        from participants.consent.services import comprehension_record

        answers = {q.code: q.correct for q in comprehension_questions("en")}
        comprehension_record(participant=participant, answers=answers, language="en")
    version = published_version(form_code)
    language = participant.preferred_language
    consent_sign(
        participant=participant,
        form_code=form_code,
        version_id=version.pk,
        decision=decision,
        typed_name=legal_name(participant),
        language=language,
        text_sha256=version.sha256(language),
        submission_token=None,
        ip_address="127.0.0.1",
        user_agent="seed_demo",
        actor=user,
    )


def _demo_participant(email: str, target: str, overrides: dict, site: Site) -> None:
    user, _ = _demo_user(email)
    if Participant.objects.filter(user=user).exists():
        return
    participant = participant_create(user=user, screener_passed_at=timezone.now())
    participant.site = site
    participant.save(update_fields=["site"])
    if overrides.pop("profile", True):
        name = email.split("@")[0].title()
        profile_update(
            participant=participant,
            actor=user,
            data={
                "legal_first_name": name,
                "legal_last_name": "Demo",
                "preferred_name": name,
                "date_of_birth": dt.date(1952, 5, 17),
                "address_line1": "1 Demo Way",
                "city": "Austin",
                "us_state": site.state,
                "postal_code": "78701",
                "phone": "(512) 555-0100",
                "preferred_language": "en",
                "contact_email": True,
                "recruitment_source": "COMMUNITY",
                "race_ethnicity": ["HISPANIC"],
                "sex_at_birth": "FEMALE",
                "gender_identity": "WOMAN",
                **overrides,
            },
        )
    participant.refresh_from_db()
    walk_to = (
        JourneyState.CONSENTED
        if target in {JourneyState.PAUSED, JourneyState.WITHDRAWN}
        else target
    )
    for state in ORDER[1 : ORDER.index(walk_to) + 1]:
        if state in SIGNED_STEPS:
            # Consent steps are real signatures, so /me/documents/ has their PDFs.
            _demo_sign(participant, SIGNED_STEPS[state], user)
        else:
            journey_advance_to(
                participant=participant, to_state=state, actor=user, reason="demo data"
            )
    if ORDER.index(walk_to) >= ORDER.index(JourneyState.CONSENTED):
        _demo_sign(participant, ("gror", "yes"), user)
    if target == JourneyState.PAUSED:
        participant_pause(participant=participant, actor=user)
    elif target == JourneyState.WITHDRAWN:
        participant_withdraw(participant=participant, actor=user, tier=1, reason="demo")


def seed_demo() -> list[tuple[str, str, str]]:
    load_default_consents()  # consent forms v1 (participants/consent), idempotent
    sites = [
        Site.objects.get_or_create(code=code, defaults={"name": name, "state": state})[0]
        for code, name, state in SITES
    ]
    from participants.dashboards.demo import seed_demo_staff

    logins = list(seed_demo_staff(site=sites[0]))
    for index, (email, state, overrides) in enumerate(DEMO_PARTICIPANTS):
        _demo_participant(email, state, dict(overrides), sites[index % len(sites)])
        logins.append((email, DEMO_PASSWORD, f"participant, {state}"))
    from participants.surveys.services import core_surveys_load

    core_surveys_load()
    return logins

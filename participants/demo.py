"""Demo data for `make run`. Never loaded in production."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from participants.consent.comprehension import comprehension_questions
from participants.consent.defaults import load_default_consents
from participants.consent.selectors import published_version
from participants.consent.services import comprehension_record, consent_sign, legal_name
from participants.enrollment import (
    participant_create,
    participant_pause,
    participant_withdraw,
    profile_update,
)
from participants.journey import ORDER, has_reached, journey_advance_to
from participants.models import JourneyState, Participant, User
from participants.surveys.models import REVIEW_STEP, SurveyResponse
from participants.surveys.selectors import survey_unavailable_reason
from participants.surveys.services import (
    core_surveys_load,
    response_complete,
    response_save_page,
    response_start_or_resume,
)
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
# Who each demo participant is: (last name, date of birth, street, city, ZIP, phone), near
# their site (participants are given the sites in turn). Different people, so the duplicate
# check flags none of them, except the one pair the demo means to show: participant@ and
# ehr@ share last name, birth date and ZIP (one person who signed up twice, the second time
# in Spanish); support@ (Central Texas) finds it at /staff/duplicates/.
DEMO_DUPLICATE_PAIR = ("participant@example.org", "ehr@example.org")
DEMO_IDENTITIES: dict[str, tuple[str, dt.date, str, str, str, str]] = {
    "participant@example.org": (
        "Rivera", dt.date(1952, 5, 17), "1 Demo Way", "Austin", "78701", "(512) 555-0101",
    ),
    "registered@example.org": (
        "Santiago", dt.date(1952, 3, 2), "2 Calle Demo", "San Juan", "00901", "(787) 555-0102",
    ),
    "consented@example.org": (
        "Okafor", dt.date(1952, 8, 9), "3 Demo Ave", "Fresno", "93701", "(559) 555-0103",
    ),
    "ehr@example.org": (
        "Rivera", dt.date(1952, 5, 17), "14 Demo Way", "Austin", "78701", "(512) 555-0199",
    ),
    "basics@example.org": (
        "Torres", dt.date(1952, 11, 23), "5 Calle Demo", "Bayamón", "00959", "(787) 555-0105",
    ),
    "core@example.org": (
        "Mendoza", dt.date(1952, 1, 30), "6 Demo Ave", "Fresno", "93702", "(559) 555-0106",
    ),
    "paused@example.org": (
        "Nguyen", dt.date(1952, 7, 4), "7 Demo Way", "Round Rock", "78664", "(512) 555-0107",
    ),
    "withdrawn@example.org": (
        "Castillo", dt.date(1952, 9, 12), "8 Calle Demo", "Carolina", "00979", "(787) 555-0108",
    ),
}  # fmt: skip


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
    form_code, decision = form_and_decision
    if form_code == "primary":
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


# Surveys completed on the way to a journey step: completing them is what moves the
# journey there (participants/surveys/services.py: _advance_journey), as for a real person.
SURVEYS_AT = {
    JourneyState.BASICS_DONE: ("the_basics",),
    JourneyState.CORE: ("overall_health", "lifestyle", "personal_family_history"),
}
# One persona's answers, item code -> what the form posts (valid for the v1.0 definitions;
# consistent with the demo profile: born 1952, female, Hispanic). Items a page does not
# show are not posted; `_demo_answers` adds the Spanish speaker's differences.
DEMO_ANSWERS: dict[str, dict[str, list[str]]] = {
    "the_basics": {
        "birth_year": ["1952"],
        "birth_place": ["US"],
        "main_language": ["EN"],
        "race_ethnicity": ["HISPANIC"],
        "hispanic_origin": ["MEXICAN"],
        "sex_at_birth": ["FEMALE"],
        "gender_identity": ["WOMAN"],
        "marital_status": ["MARRIED"],
        "household_size": ["2"],
        "education": ["HIGH_SCHOOL"],
        "employment": ["RETIRED"],
        "household_income": ["25K_50K"],
        "health_insurance": ["Y"],
        "insurance_types": ["MEDICARE"],
        "housing_status": ["OWN"],
        "housing_worry": ["N"],
    },
    "overall_health": {
        "general_health": ["GOOD"],
        "quality_of_life": ["VERY_GOOD"],
        "physical_health": ["GOOD"],
        "mental_health": ["VERY_GOOD"],
        "height_feet": ["5"],
        "height_inches": ["3"],
        "weight_pounds": ["152"],
        "pain_level": ["2"],
        "fatigue": ["MILD"],
        "sleep_hours": ["7"],
        "last_checkup": ["LT_1Y"],
        "organ_transplant": ["N"],
    },
    "lifestyle": {
        "tobacco_ever": ["N"],
        "alcohol_frequency": ["MONTHLY_OR_LESS"],
        "drinks_per_day": ["1_2"],
        "heavy_drinking": ["NEVER"],
        "active_days": ["3"],
        "sitting_hours": ["5"],
        "active_minutes": ["30"],
    },
    "personal_family_history": {
        "body_systems": ["HEART", "HORMONE"],
        "high_blood_pressure_who": ["SELF", "MOTHER"],
        "high_cholesterol_who": ["SELF"],
        "type_2_diabetes_who": ["FATHER", "SIBLING"],
    },
}
DEMO_ANSWERS_ES = {
    "the_basics": {
        "birth_place": ["OTHER_COUNTRY"],
        "birth_country": ["México"],
        "years_in_us": ["45"],
        "main_language": ["ES"],
    }
}


def _demo_answers(code: str, language: str) -> dict[str, list[str]]:
    answers = dict(DEMO_ANSWERS[code])
    if language == "es":
        answers.update(DEMO_ANSWERS_ES.get(code, {}))
    return answers


def _demo_survey(participant: Participant, code: str, user: User) -> None:
    """Answers and submits one survey page by page through the survey services (audit
    rows, journey and dashboard summaries as for a person). Once: a participant with any
    response to it (even one a demo user started by hand) is left alone."""

    if SurveyResponse.objects.filter(participant=participant, survey_code=code).exists():
        return
    if survey_unavailable_reason(participant, code) is not None:
        return  # paused or withdrawn by an earlier seed: their journey is on hold
    language = participant.preferred_language
    answers = _demo_answers(code, language)
    response = response_start_or_resume(participant=participant, survey_code=code, actor=user)
    definition = response.version.parsed()
    step = response.current_page
    for _ in range(2 * len(definition.pages) + 1):
        if step == REVIEW_STEP:
            break
        page = definition.page(step)
        outcome = response_save_page(
            participant=participant,
            response_id=response.public_id,
            page_code=step,
            raw_post={i.code: answers[i.code] for i in page.items if i.code in answers},
            action="continue",
            language=language,
            actor=user,
        )
        if not outcome.saved or outcome.errors:
            raise RuntimeError(f"demo answers refused on {code}/{step}: {outcome.errors}")
        step = outcome.step or step  # None: the page revealed a question; post it again
    response_complete(participant=participant, response_id=response.public_id, actor=user)


def _demo_participant(email: str, target: str, overrides: dict, site: Site) -> None:
    user, _ = _demo_user(email)
    existing = Participant.objects.filter(user=user).first()
    if existing is not None:
        # Seeded before the demo had survey answers: complete what their step implies.
        for state, codes in SURVEYS_AT.items():
            if has_reached(existing, state):
                for code in codes:
                    _demo_survey(existing, code, user)
        return
    participant = participant_create(user=user, screener_passed_at=timezone.now())
    participant.site = site
    participant.save(update_fields=["site"])
    if overrides.pop("profile", True):
        name = email.split("@")[0].title()
        last_name, born, street, city, postal_code, phone = DEMO_IDENTITIES[email]
        profile_update(
            participant=participant,
            actor=user,
            data={
                "legal_first_name": name,
                "legal_last_name": last_name,
                "preferred_name": name,
                "date_of_birth": born,
                "address_line1": street,
                "city": city,
                "us_state": site.state,
                "postal_code": postal_code,
                "phone": phone,
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
    # Paused and withdrawn participants had done The Basics before they stopped.
    walk_to = (
        JourneyState.BASICS_DONE
        if target in {JourneyState.PAUSED, JourneyState.WITHDRAWN}
        else target
    )
    for state in ORDER[1 : ORDER.index(walk_to) + 1]:
        if state in SIGNED_STEPS:
            # Consent steps are real signatures, so /me/documents/ has their PDFs.
            _demo_sign(participant, SIGNED_STEPS[state], user)
        elif state in SURVEYS_AT:
            # Completing the surveys is what moves the journey to this step.
            for code in SURVEYS_AT[state]:
                _demo_survey(participant, code, user)
            participant.refresh_from_db()
            if participant.state != state:
                raise RuntimeError(f"{email}: surveys left the journey at {participant.state}")
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


def seed_demo_sites() -> list:
    """The demo sites, the consent forms and the core surveys (published before anyone
    answers); idempotent. Runs first: staff accounts belong to the first site."""
    load_default_consents()  # consent forms v1 (participants/consent), idempotent
    core_surveys_load()
    for code, name, state in SITES:
        Site.objects.get_or_create(code=code, defaults={"name": name, "state": state})
    return []


def seed_demo_participants() -> list[tuple[str, str, str]]:
    """One participant at each step of the journey; their log-ins."""
    sites = [Site.objects.get(code=code) for code, _name, _state in SITES]
    logins = []
    for index, (email, state, overrides) in enumerate(DEMO_PARTICIPANTS):
        _demo_participant(email, state, dict(overrides), sites[index % len(sites)])
        logins.append((email, DEMO_PASSWORD, f"participant, {state}"))
    return logins

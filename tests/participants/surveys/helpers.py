"""Answers that walk the core surveys, shared by the survey tests and the benchmark."""

from participants.surveys.models import REVIEW_STEP

# The Basics, page by page: born abroad (reveals `origin`), Hispanic (reveals the detail
# page), employed (reveals `work_details`), insured (reveals `insurance_type`).
BASICS_PAGES: dict[str, dict[str, list[str]]] = {
    "about_you": {
        "birth_year": ["1956"],
        "birth_place": ["OTHER_COUNTRY"],
        "main_language": ["ES"],
    },
    "origin": {"birth_country": ["Mexico"], "years_in_us": ["40"]},
    "race_ethnicity": {"race_ethnicity": ["HISPANIC", "WHITE"]},
    "race_ethnicity_detail": {"hispanic_origin": ["MEXICAN"]},
    "sex_gender": {"sex_at_birth": ["FEMALE"], "gender_identity": ["WOMAN"]},
    "household": {"marital_status": ["WIDOWED"], "household_size": ["2"]},
    "education_work": {"education": ["HIGH_SCHOOL"], "employment": ["EMPLOYED_PART_TIME"]},
    "work_details": {"occupation": ["Cook"], "work_hours": ["20"], "work_shift": ["DAY"]},
    "income_insurance": {"household_income": ["LT_25K"], "health_insurance": ["Y"]},
    "insurance_type": {"insurance_types": ["MEDICARE"]},
    "housing": {"housing_status": ["OWN"], "housing_worry": ["N"]},
}


def save(participant, response, page, data, action="continue", language="en"):
    from participants.surveys.services import response_save_page

    return response_save_page(
        participant=participant,
        response_id=response.public_id,
        page_code=page,
        raw_post=data,
        action=action,
        language=language,
        actor=participant.user,
    )


def walk(participant, response, pages=BASICS_PAGES) -> None:
    """Saves every page the participant is shown, in order, until the review step."""
    response.refresh_from_db()
    step = response.current_page
    while step != REVIEW_STEP:
        outcome = save(participant, response, step, pages.get(step, {}))
        assert outcome.saved and not outcome.errors, outcome.errors
        step = outcome.step


def with_required(definition, *codes: str):
    """`definition` with `codes` marked required: the core modules force nothing (the cohort
    convention), but the engine still honours `required` for programs that use it."""
    from participants.surveys.definition import load_definition

    document = definition.to_dict()
    for page in document["pages"]:
        for item in page["items"]:
            if item["code"] in codes:
                item["required"] = True
    return load_definition(document)

"""What “same person: keep A, retire B” moves from B to A, once the participant confirms.

Each mover takes `keep` and `retire`, moves its rows with one UPDATE (or a few) and
returns how many rows moved, for the audit row. Other areas (kits, results) register their
own with `portal.hooks.register_merge_mover`. Movers run inside the merge's transaction.
"""

import pgtrigger

from participants.consent.models import ComprehensionAttempt, ConsentRecord
from participants.models import Participant
from participants.surveys.models import ResponseStatus, SurveyResponse
from portal import hooks


def _move_consents(*, keep: Participant, retire: Participant) -> int:
    # Signed records are append-only: the trigger is lifted for this one statement,
    # which changes only whose account the record belongs to. The signed text, its
    # hash, the typed name and the time stay exactly as signed.
    with pgtrigger.ignore("consent.ConsentRecord:consent_record_append_only"):
        moved = ConsentRecord.objects.filter(participant=retire).update(participant=keep)
    ComprehensionAttempt.objects.filter(participant=retire).update(participant=keep)
    return moved


def _move_survey_answers(*, keep: Participant, retire: Participant) -> int:
    # Only finished surveys, and only those the kept account has not finished itself
    # (one completed response per survey): where both answered, the kept account's
    # answers stand and the other's stay, unused, with the retired account. An
    # unfinished one can simply be finished again.
    done = SurveyResponse.objects.filter(
        participant=keep, status=ResponseStatus.COMPLETED
    ).values_list("survey_code", flat=True)
    return (
        SurveyResponse.objects.filter(participant=retire, status=ResponseStatus.COMPLETED)
        .exclude(survey_code__in=list(done))
        .update(participant=keep)
    )


hooks.register_merge_mover("consents", _move_consents)
hooks.register_merge_mover("survey_answers", _move_survey_answers)

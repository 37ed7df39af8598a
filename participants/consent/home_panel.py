"""What the consent area adds to /me/: re-consent banners and a "My documents" section."""

from django.urls import reverse
from django.utils.translation import gettext as _

from participants.consent.campaigns.selectors import open_memberships
from participants.consent.models import GIVING, Decision
from participants.consent.selectors import consents_needing_renewal, current_records
from participants.journey import has_reached
from participants.models import JourneyState, Participant
from portal.i18n import content_language


def consent_home_panel(request, participant: Participant) -> dict:
    if participant.state == JourneyState.WITHDRAWN:
        return {}
    language = content_language()
    banners = []
    renewals = consents_needing_renewal(participant)
    # A re-consent campaign for the form shows its own task (summary, comparison).
    in_campaign: set[int] = set()
    if any(r.reason == "new_version" for r in renewals):
        in_campaign = {m.campaign.version.form_id for m in open_memberships(participant)}
    for renewal in renewals:
        if renewal.reason == "new_version" and renewal.form.pk in in_campaign:
            continue
        title = renewal.form.title(language)
        if renewal.reason == "expired":
            text = _("Your permission “%(title)s” has ended. You can sign it again.")
        else:
            text = _(
                "“%(title)s” has changed. Please read what is new and sign again. "
                "Until you do, your earlier choice stands."
            )
        banners.append(
            {
                "text": text % {"title": title},
                "url": reverse("consent:form", args=[renewal.form.code]),
                "action": _("Review the changes"),
            }
        )
    records = current_records(participant)
    primary = records.get("primary")
    gror = records.get("gror")
    context = {
        "consent_panel": {
            "has_records": bool(records),
            "show_gror": primary is not None
            and primary.decision == Decision.AGREE
            and has_reached(participant, JourneyState.CONSENTED),
            "gror_decision": gror.get_decision_display() if gror else "",
            "gror_chosen": gror is not None and gror.decision != Decision.WITHDRAWN,
            "gror_withdrawable": gror is not None and gror.decision in GIVING,
        }
    }
    return {
        "banners": banners,
        "sections": ["participants/consent/home_section.html"],
        "context": context,
    }

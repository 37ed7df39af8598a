"""A re-consent task at the top of /me/ while a campaign waits for the participant."""

from django.urls import reverse
from django.utils.translation import gettext as _

from participants.consent.campaigns.selectors import open_memberships
from portal.i18n import content_language


def campaign_home_panel(request, participant) -> dict:
    language = content_language()
    banners = []
    for member in open_memberships(participant):
        campaign = member.campaign
        banners.append(
            {
                "text": _("“%(title)s” has changed: %(summary)s")
                % {
                    "title": campaign.version.form.title(language),
                    "summary": campaign.version.change_summary(language),
                },
                "url": reverse("participants:reconsent", args=[campaign.public_id]),
                "action": _("See what changed and sign again"),
            }
        )
    return {"banners": banners}

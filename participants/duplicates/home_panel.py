"""A banner on /me/ only once support has decided two accounts are one person.

Before that decision nothing on either account hints that the other exists.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from participants.duplicates.services import awaiting_flag_for


def duplicate_home_panel(request, participant) -> dict:
    if awaiting_flag_for(participant) is None:
        return {}
    return {
        "banners": [
            {
                "text": _(
                    "You told our support team that you have two accounts. Confirm it by "
                    "signing in to your other account, and we will bring them together."
                ),
                "url": reverse("participants:duplicate_confirm"),
                "action": _("Confirm my two accounts"),
            }
        ]
    }

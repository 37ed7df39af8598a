"""Every allauth customisation lives here (house style: one adapter module)."""

import datetime as dt
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from participants.enrollment import participant_create, participant_email_verified
from participants.models import JourneyState, User
from participants.time_zones import remember_time_zone
from portal.context_processors import program_info
from portal.staff_security import client_ip, staff_login_check

SCREENER_SESSION_KEY = "screener"


def screener_passed_at(request: HttpRequest) -> dt.datetime | None:
    data = request.session.get(SCREENER_SESSION_KEY) or {}
    if not data.get("eligible"):
        return None
    return dt.datetime.fromisoformat(data["at"])


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The per-account limit can be tripped by someone else typing your address:
        # say how to get in anyway (a code by e-mail is not subject to it).
        "too_many_login_attempts": _lazy(
            "Too many failed log-in attempts with this e-mail address. Try again in a few "
            "minutes, or choose “Send me a log-in code” to get a code by e-mail."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Volunteers sign up after passing the eligibility screener; staff are
        # invited by an administrator and never sign themselves up.
        return screener_passed_at(request) is not None

    def clean_email(self, email: str) -> str:
        return super().clean_email(clean_plain_email(email))

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # The screener flag stays in the session until the e-mail is verified:
            # allauth asks is_open_for_signup() again at the end of the sign-up flow.
            participant_create(user=user, screener_passed_at=screener_passed_at(request))
        return user

    def confirm_email(self, request, email_address):
        # One transaction: an address verified with the participant left behind
        # (`registered`, so every consent refused) if the process dies in between.
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed:
                participant_email_verified(user=email_address.user)
        return confirmed

    def get_client_ip(self, request: HttpRequest) -> str:
        """One client-IP function for every rate limit and session record (R31): the
        staff geo-fence's, which believes X-Forwarded-For only from TRUSTED_PROXIES."""

        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_login(self, request, user, **kwargs):
        # Staff are located at log-in too, not only on their next request (issue 15).

        refused = staff_login_check(request, user)
        if refused is not None:
            clear_login(request)
            return refused
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Subjects are rendered without the request: give every part of the message the
        # program's name and public address (templates/account/email/).

        super().send_mail(
            template_prefix,
            email,
            {
                "program": program_info(),
                "site_url": settings.SITE_URL.rstrip("/"),
                **context,
            },
        )

    def get_reset_password_from_key_url(self, key: str) -> str:
        # E-mailed links name the public address (SITE_URL), never the host the
        # request happened to reach (127.0.0.1:8000 behind a proxy or in the demo).
        return _on_site_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return _on_site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def login(self, request, user) -> None:
        super().login(request, user)
        participant = getattr(user, "participant", None)
        if participant is not None:
            remember_time_zone(request, participant)
            if (
                participant.state == JourneyState.REGISTERED
                and user.emailaddress_set.filter(verified=True).exists()
            ):
                # Verified before confirm_email was one transaction, and never advanced.
                participant_email_verified(user=user)

    def get_login_redirect_url(self, request):
        if request.user.is_staff:
            try:
                return reverse("staff:dashboard")
            except NoReverseMatch:
                pass
        # A participant lands in the language they chose, whatever page they logged in on.
        participant = getattr(request.user, "participant", None)
        language = getattr(participant, "preferred_language", None) or get_language()
        with translation.override(language):
            return reverse("participants:home")


def _on_site_url(url: str) -> str:
    parts = urlsplit(url)
    return settings.SITE_URL.rstrip("/") + urlunsplit(("", "", parts.path, parts.query, ""))


def clean_plain_email(email: str) -> str:
    """NFKC, trimmed, lower case; refuses look-alike letters and over-long addresses."""

    email = unicodedata.normalize("NFKC", email or "").strip()
    # Look-alike letters from other scripts (Cyrillic "а" for Latin "a")
    # would let two people hold addresses that read the same: refuse them.
    if not email.isascii():
        raise forms.ValidationError(
            _("Please use an e-mail address with plain letters (a to z), digits and symbols.")
        )
    # allauth would cut a longer address to the column's length: a different address.
    limit = User._meta.get_field("email").max_length
    if len(email) > limit:
        raise forms.ValidationError(
            _("This e-mail address is too long (at most %(max)d characters)."),
            params={"max": limit},
        )
    return email.lower()


def user_display(user) -> str:
    """How allauth names a user in its pages and e-mails: their address, never an id."""
    return user.email

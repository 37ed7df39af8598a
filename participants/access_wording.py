"""Access-log rows in plain words for the participant ("Who has seen my data").

`AccessEvent.what` and `.reason` are codes written by staff views. Their spelling has
changed over time (`what="genetic report"`, reason "results review queue, report 12";
now `what="results.report"`, reason "review:12"), so each is matched loosely: by its
first word or dotted prefix, lower-cased, whatever separator follows. An unknown code
still reads as a sentence ("... for other work on your record"), never as a raw code.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Wording:
    sentence: str
    who: str


def _words(code: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", (code or "").lower()) if w]


def what_kind(what: str) -> str:
    words = _words(what)
    head = words[0] if words else ""
    if head in {"self", "export", "download"}:
        return "download"
    if head in {"results", "result", "report", "reports", "genetic", "dna"} or "report" in words:
        return "report"
    if head in {"consent", "consents"}:
        return "consent"
    if head in {"surveys", "survey", "answers"}:
        return "surveys"
    if head in {"support", "profile", "contact"} or "profile" in words:
        return "profile"
    return "record"


def reason_kind(reason: str) -> str:
    words = _words(reason)
    head = words[0] if words else ""
    if head in {"review", "reviewed"} or words[:2] == ["results", "review"]:
        return "review"
    if head in {"release", "released"}:
        return "release"
    if head in {"counselling", "counseling", "recontact", "contact"}:
        return "counselling"
    if head in {"intake", "sample", "samples", "qc"}:
        return "intake"
    if (
        head == "participant"
        or head == "participant_request"
        or words[:2]
        == [
            "participant",
            "request",
        ]
    ):
        return "participant_request"
    if head in {"data", "correction"}:
        return "data_correction"
    if head in {"safety", "complaint"}:
        return "safety"
    if head in {"download", "export"}:
        return "download"
    return "other"


def who_text(role: str) -> str:
    return {
        "support": _("A member of our support team"),
        "genetic_counsellor": _("A genetic counsellor"),
        "data_manager": _("A member of our laboratory data team"),
        "biobank": _("A member of our biobank team"),
        "administrator": _("An administrator"),
    }.get(role, _("A staff member"))


def action_sentence(what: str) -> str | None:
    """Its own sentence for an exact code of the kit and duplicate pages (their
    `ACCESS_ACTIONS`), with `%(who)s`; None for any other code.

    The duplicate sentences speak of the participant's own account(s) only: never of
    another person, their name or whether they were told. Until support has heard from the
    participant that both accounts are theirs (the pair awaiting confirmation, which /me/
    shows too), the entry is a plain check of their details: someone who signed up with
    another person's name, birth date and ZIP code must not learn from it that this person
    is enrolled (issue 18: nothing can be enumerated).
    """
    details_checked = _("%(who)s checked the details of your account for our records.")
    return {
        "kits.label": _(
            "%(who)s printed the packing slip and the label with your address to post your "
            "saliva kit to you."
        ),
        "duplicate.pair": details_checked,
        "duplicate.not_same": details_checked,
        "duplicate.keep_first": _(
            "%(who)s found that you may have two accounts with us and suggested keeping the "
            "older one. Nothing moves until you confirm."
        ),
        "duplicate.keep_second": _(
            "%(who)s found that you may have two accounts with us and suggested keeping the "
            "newer one. Nothing moves until you confirm."
        ),
        "duplicate.verified_call": _(
            "%(who)s confirmed with you on a phone call that both accounts are yours, and "
            "joined them into one."
        ),
    }.get((what or "").strip().lower())


def what_text(kind: str) -> str:
    return {
        "report": _("your DNA report"),
        "consent": _("your consent forms"),
        "surveys": _("your survey answers"),
        "profile": _("your contact details and profile"),
    }.get(kind, _("part of your record"))


def access_wording(*, what: str, reason: str, role: str, by_participant: bool) -> Wording:
    """One access event as a plain sentence: who looked at what, and why."""
    if by_participant or what_kind(what) == "download" or reason_kind(reason) == "download":
        return Wording(_("You downloaded a copy of your data."), _("You"))
    who = who_text(role)
    if (specific := action_sentence(what)) is not None:
        return Wording(specific % {"who": who}, who)
    thing = what_text(what_kind(what))
    why = reason_kind(reason)
    if why == "review":
        sentence = _("%(who)s reviewed your DNA report before it was released to you.")
    elif why == "release":
        sentence = _("%(who)s checked your DNA report to release it to you.")
    elif why == "counselling":
        sentence = _("%(who)s looked at %(what)s to talk with you about your result.")
    elif why == "intake":
        sentence = _("%(who)s looked at %(what)s to check your sample in the laboratory.")
    elif why == "participant_request":
        sentence = _("%(who)s looked at %(what)s because you asked us for help.")
    elif why == "data_correction":
        sentence = _("%(who)s looked at %(what)s to correct your details.")
    elif why == "safety":
        sentence = _("%(who)s looked at %(what)s about your safety or a complaint.")
    else:
        sentence = _("%(who)s looked at %(what)s for other work on your record.")
    return Wording(sentence % {"who": who, "what": thing}, who)

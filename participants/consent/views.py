"""Participant consent pages: comprehension check, sign, withdraw, my documents."""

import datetime as dt
import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.consent.comprehension import comprehension_questions
from participants.consent.forms import ComprehensionForm, SignForm, WithdrawConsentForm
from participants.consent.models import GIVING, ConsentForm, Decision
from participants.consent.rendering import render_consent_text
from participants.consent.selectors import (
    consents_needing_renewal,
    current_record,
    current_records,
    document_for_owner,
    documents_for,
    published_version,
)
from participants.consent.services import (
    ConsentError,
    ConsentTampered,
    ConsentVersionNotCurrent,
    add_months,
    comprehension_record,
    consent_sign,
    consent_sign_blocker,
    consent_withdraw,
)
from participants.decorators import participant_required
from participants.selectors import journey_steps, next_step
from portal.i18n import content_language
from portal.staff_security import client_ip


@participant_required
def consent_start(request: HttpRequest) -> HttpResponse:
    # Read first (the consent page), then the questions, then sign: the consent page
    # itself leads to the questions until they are answered.
    return redirect("consent:form", "primary")


@participant_required
@require_http_methods(["GET", "POST"])
def comprehension(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    language = content_language()
    questions = comprehension_questions(language)
    form = ComprehensionForm(request.POST or None, questions=questions)
    results: dict[str, bool] = {}
    if request.method == "POST" and form.is_valid():
        attempt = comprehension_record(
            participant=participant, answers=form.cleaned_data, language=language
        )
        if attempt.passed:
            messages.success(request, _("All your answers are right. Now you can sign."))
            return redirect(reverse("consent:form", args=["primary"]) + "#sign")
        results = attempt.results
    items = [
        {"question": q, "field": form[q.code], "result": results.get(q.code)} for q in questions
    ]
    wrong = sum(1 for ok in results.values() if not ok)
    return render(
        request,
        "participants/consent/comprehension.html",
        {"form": form, "items": items, "wrong": wrong, "checked": bool(results)},
    )


def _shown(version, language: str) -> dict[str, str]:
    """The hidden fields that say exactly which text this page shows."""
    return {
        "version_id": str(version.pk),
        "language": language,
        "text_sha256": version.sha256(language),
    }


@participant_required
@require_http_methods(["GET", "POST"])
def consent_form(request: HttpRequest, code: str) -> HttpResponse:
    participant = request.participant
    consent = get_object_or_404(ConsentForm, code=code)
    version = published_version(code)
    language = content_language()
    blocker = consent_sign_blocker(participant, consent)
    # Before the questions are answered, the page is for reading: it ends with the way
    # on to the questions instead of the signature.
    reading = blocker is not None and blocker.code == "comprehension"

    status = 200
    if request.method == "POST" and blocker is None:
        form = SignForm(request.POST, consent_form=consent)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consent_sign(
                    participant=participant,
                    form_code=code,
                    version_id=data["version_id"],
                    decision=data["decision"],
                    typed_name=data["typed_name"],
                    language=data["language"],
                    text_sha256=data["text_sha256"],
                    submission_token=data["submission_token"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    actor=request.user,
                )
            except ConsentVersionNotCurrent as exc:
                messages.warning(request, str(exc.message))
                return redirect("consent:form", code)
            except ConsentTampered as exc:
                form.add_error(None, exc.message)
                status = 400
            except ConsentError as exc:
                field = "typed_name" if exc.code in {"name_mismatch", "no_name"} else None
                form.add_error(field, exc.message)
            else:
                # The page it leads to says what was saved and what comes next.
                return redirect("consent:signed", code)
        # Whatever was posted, the page shown now is this version in this language.
        form.data = form.data.copy()
        form.data.update(_shown(version, language))
    else:
        form = SignForm(
            initial={**_shown(version, language), "submission_token": uuid.uuid4()},
            consent_form=consent,
        )

    rendered = render_consent_text(version.text(language))
    current = current_record(participant, code)
    renewing = (
        current is not None and current.decision in GIVING and current.version_id != version.pk
    )
    expires_on = None
    if version.valid_months:
        expires_on = add_months(timezone.now(), version.valid_months).date()
    return render(
        request,
        "participants/consent/sign.html",
        {
            "consent": consent,
            "version": version,
            "title": rendered.title or consent.title(language),
            "body": rendered.body,
            "form": form,
            "blocker": None if reading else blocker,
            "reading": reading,
            "step": _primary_step(code, reading),
            "current": current,
            "renewing": renewing,
            "change_summary": version.change_summary(language) if renewing else "",
            "expires_on": expires_on,
            "can_withdraw": consent.withdrawable
            and current is not None
            and current.decision in GIVING,
        },
        status=status,
    )


def _primary_step(code: str, reading: bool) -> int | None:
    """Where the primary consent's three steps (read, check, sign) stand; None for others."""
    if code != "primary":
        return None
    return 1 if reading else 3


@participant_required
def consent_signed(request: HttpRequest, code: str) -> HttpResponse:
    """After a signature: where the copy is, and the way on to the next step."""
    participant = request.participant
    consent = get_object_or_404(ConsentForm, code=code)
    record = current_record(participant, code)
    if record is None:
        return redirect("consent:form", code)
    steps = journey_steps(participant)
    return render(
        request,
        "participants/consent/signed.html",
        {
            "title": consent.title(content_language()),
            "record": record,
            "message": _signed_message(record.decision),
            "next": next_step(steps) if participant.is_active else None,
        },
    )


def _signed_message(decision: str) -> str:
    if decision in {Decision.AGREE, Decision.YES, Decision.NOT_SURE}:
        return _("Thank you. Your signature is saved. We are making a copy for you.")
    return _("Your answer is saved. We are making a copy for you.")


@participant_required
@require_http_methods(["GET", "POST"])
def consent_withdraw_view(request: HttpRequest, code: str) -> HttpResponse:
    participant = request.participant
    if code == "primary":
        return redirect("participants:withdraw")
    consent = get_object_or_404(ConsentForm, code=code, withdrawable=True)
    current = current_record(participant, code)
    if current is None or current.decision not in GIVING:
        messages.info(
            request, _("You have not given this permission, so there is nothing to withdraw.")
        )
        return redirect("consent:documents")
    language = content_language()
    form = WithdrawConsentForm(request.POST or None, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw(
                participant=participant,
                form_code=code,
                typed_name=form.cleaned_data["typed_name"],
                language=form.cleaned_data["language"],
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                actor=request.user,
            )
        except ConsentError as exc:
            field = "typed_name" if exc.code in {"name_mismatch", "no_name"} else None
            form.add_error(field, exc.message)
        else:
            messages.success(request, _("Your permission is withdrawn. We sent you a copy."))
            return redirect("consent:documents")
    return render(
        request,
        "participants/consent/withdraw.html",
        {"consent": consent, "title": consent.title(language), "form": form, "current": current},
    )


@participant_required
def documents(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    records = documents_for(participant)
    language = content_language()
    decisions = [
        {
            "code": code,
            "title": record.version.form.title(language),
            "record": record,
            "withdrawable": record.version.form.withdrawable and record.decision in GIVING,
        }
        for code, record in current_records(participant).items()
    ]
    return render(
        request,
        "participants/consent/documents.html",
        {
            "records": [
                {
                    "record": r,
                    "title": r.version.form.title(language),
                    "document": getattr(r, "document", None),
                }
                for r in records
            ],
            "decisions": decisions,
            "renewals": consents_needing_renewal(participant),
        },
    )


@participant_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = document_for_owner(request.participant, pk)
    record = document.record
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    signed = record.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d")
    filename = f"consent-{record.version.form.code}-v{record.version.number}-{signed}.pdf"
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )

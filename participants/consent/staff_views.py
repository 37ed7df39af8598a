"""Consent administration under /staff/consent/: draft, preview, publish; FHIR per record.

Who may reach /staff/ at all (MFA, location, quotas) is decided by the staff
middleware; these views add the consent permissions on top.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from participants.consent.fhir import validated_consent
from participants.consent.forms import VersionDraftForm
from participants.consent.models import ConsentForm, ConsentRecord, ConsentVersion, VersionStatus
from participants.consent.rendering import render_consent_text
from participants.consent.services import (
    ConsentError,
    consent_version_draft,
    consent_version_publish,
)
from portal.access_log import access_record
from portal.audit import audit_record
from portal.decorators import staff_permission_required
from staff.visibility import CONSENT, visible_participants

MANAGE = "consent.manage_consent_versions"
EXPORT = "consent.export_consent_fhir"


@staff_permission_required(MANAGE)
def index(request: HttpRequest) -> HttpResponse:
    forms = ConsentForm.objects.prefetch_related("versions")
    return render(request, "participants/consent/staff/index.html", {"forms": forms})


@staff_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def version_draft(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    consent = get_object_or_404(ConsentForm, code=code)
    version = None
    if pk is not None:
        version = get_object_or_404(ConsentVersion, pk=pk, form=consent, status=VersionStatus.DRAFT)
        initial = {}
    else:
        # Start from the wording in force: most new versions change a few lines.
        latest = consent.versions.order_by("-number").first()
        initial = {"effective_date": timezone.localdate()}
        if latest is not None:
            initial |= {
                "text_en": latest.text_en,
                "text_es": latest.text_es,
                "valid_months": latest.valid_months,
            }
    form = VersionDraftForm(request.POST or None, instance=version, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        has_published = consent.versions.exclude(status=VersionStatus.DRAFT).exists()
        if has_published and not (data["change_summary_en"] and data["change_summary_es"]):
            form.add_error(
                None, _("Write what changed in both languages: participants read it first.")
            )
        else:
            saved = consent_version_draft(
                form=consent,
                actor=request.user,
                version=version,
                **{k: data[k] for k in VersionDraftForm.Meta.fields},
            )
            messages.success(request, _("Draft saved. Check both languages before publishing."))
            return redirect("staff_consent:version", saved.pk)
    return render(
        request,
        "participants/consent/staff/draft.html",
        {"consent": consent, "form": form, "version": version},
    )


@staff_permission_required(MANAGE)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ConsentVersion.objects.select_related("form"), pk=pk)
    previews = []
    for language, name in (("en", "English"), ("es", "Español")):
        rendered = render_consent_text(version.text(language))
        previews.append(
            {
                "language": language,
                "name": name,
                "title": rendered.title,
                "body": rendered.body,
                "summary": version.change_summary(language),
                "sha256": version.sha256(language),
            }
        )
    return render(
        request,
        "participants/consent/staff/version.html",
        {"version": version, "previews": previews},
    )


@staff_permission_required(MANAGE)
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ConsentVersion, pk=pk)
    try:
        consent_version_publish(version=version, actor=request.user)
    except ConsentError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Published. Participants will be asked to sign again."))
    return redirect("staff_consent:version", pk)


@staff_permission_required(EXPORT)
def record_fhir(request: HttpRequest, pk: int) -> JsonResponse:
    """One record as FHIR (never a bulk download: that is the audited command-line export)."""

    # Own site only, never a participant withdrawn from further use (R30).
    record = get_object_or_404(
        ConsentRecord.objects.select_related("version__form", "participant"),
        pk=pk,
        participant__in=visible_participants(request.user, purpose=CONSENT),
    )
    access_record(
        staff=request.user,
        participant=record.participant,
        what="consent.fhir",
        reason="FHIR export of one consent record",
        request=request,
    )
    resource = validated_consent(record)
    audit_record(
        action="consent.fhir_export",
        actor=request.user,
        participant=record.participant,
        target=record,
    )
    return JsonResponse(resource, content_type="application/fhir+json")

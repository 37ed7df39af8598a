"""Staff pages under /staff/results/: samples, the review queue, releases, re-contacts.

The staff middleware (portal.staff_security) has already checked MFA and location. Each
page checks its own permission; every page that shows one participant's results records
the read with `access_record` first.
"""

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access_log import access_record
from portal.decorators import staff_permission_required
from results.documents import report_context
from results.forms import (
    ConfirmationForm,
    ContactForm,
    ManifestForm,
    QcDecisionForm,
    ReviewForm,
)
from results.manifests import (
    MAX_MANIFEST_BYTES,
    FolderFiles,
    ManifestError,
    UploadedFiles,
    import_roots,
    sample_manifest_ingest,
)
from results.models import (
    Interpretation,
    KnowledgeBaseRelease,
    SampleManifest,
)
from results.reports import render_report_html
from results.selectors import (
    awaiting_confirmation,
    contacts_for,
    open_recontacts,
    qc_holds_pending,
    review_queue,
    staff_recontacts,
    staff_report,
)
from results.services.reinterpretation import reinterpretation_start
from results.services.report_states import ReportTransitionError
from results.services.review import (
    PolicyError,
    counselling_contact_record,
    interpretation_qc_decide,
    recontact_task_close,
    report_confirmation_record,
    report_release,
    report_review,
)
from staff.visibility import REVIEW, SAMPLES, visible_participants

REVIEWERS = ("results.review_report", "results.release_report")


@staff_permission_required("results.manage_samples", *REVIEWERS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "results/staff/dashboard.html", {})


# ------------------------------------------------------------------------ samples
@staff_permission_required("results.manage_samples")
@require_http_methods(["GET", "POST"])
def manifests(request: HttpRequest) -> HttpResponse:
    form = ManifestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["manifest"]
        folder = form.cleaned_data["folder"].strip()
        try:
            if folder:
                files = FolderFiles(folder, roots=import_roots())
                source = SampleManifest.Source.FOLDER
            else:
                files = UploadedFiles(form.cleaned_data["files"])
                source = SampleManifest.Source.UPLOAD
            outcome = sample_manifest_ingest(
                actor=request.user,
                manifest_bytes=upload.read(MAX_MANIFEST_BYTES + 1),
                manifest_name=upload.name,
                files=files,
                source=source,
                defaults={
                    key: form.cleaned_data[key]
                    for key in ("lab_name", "clia_number", "cap_number", "absent_is_reference")
                },
            )
        except ManifestError as error:
            form.add_error("manifest", str(error))
        else:
            messages.success(
                request,
                f"{len(outcome.accepted)} samples accepted, {len(outcome.errors)} rows refused.",
            )
            return redirect("staff_results:manifest", pk=outcome.manifest.pk)
    recent = SampleManifest.objects.select_related("uploaded_by").order_by("-pk")[:50]
    return render(request, "results/staff/manifests.html", {"form": form, "manifests": recent})


@staff_permission_required("results.manage_samples")
@require_GET
def manifest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    manifest = get_object_or_404(SampleManifest, pk=pk)
    # Research ids and sample ids only: no identity is shown on this page. A participant
    # withdrawn from further use is not listed at all (R30).

    samples = list(
        manifest.samples.filter(participant__in=visible_participants(request.user, purpose=SAMPLES))
        .select_related("participant")
        .prefetch_related(
            Prefetch(
                "interpretations",
                queryset=Interpretation.objects.defer("result").select_related("release"),
            )
        )
        .order_by("manifest_row")
    )
    return render(
        request, "results/staff/manifest_detail.html", {"manifest": manifest, "samples": samples}
    )


# ------------------------------------------------------------------- knowledge base
@staff_permission_required("results.manage_samples")
@require_GET
def releases(request: HttpRequest) -> HttpResponse:
    rows = KnowledgeBaseRelease.objects.order_by("-loaded_at").annotate(
        total=Count("interpretations")
    )
    progress = {
        (r["release_id"], r["state"]): r["n"]
        for r in Interpretation.objects.values("release_id", "state").annotate(n=Count("pk"))
    }
    table = [
        {
            "release": r,
            "counts": {s: progress.get((r.pk, s), 0) for s in Interpretation.State.values},
        }
        for r in rows
    ]
    return render(request, "results/staff/releases.html", {"table": table})


@staff_permission_required("results.manage_samples")
@require_POST
def release_reinterpret(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(KnowledgeBaseRelease, pk=pk)
    queued = reinterpretation_start(release=release, actor=request.user)
    messages.success(request, f"{queued} samples queued for re-interpretation.")
    return redirect("staff_results:releases")


# -------------------------------------------------------------------- review queue
@staff_permission_required(*REVIEWERS)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    # Pseudonymous list (participant number, type, state): no result is shown here.
    reports = list(review_queue(request.user)[:200])
    return render(request, "results/staff/review_list.html", {"reports": reports})


@staff_permission_required(*REVIEWERS)
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Visibility (withdrawal, report state, site) first: R30.
    report = staff_report(pk, user=request.user)
    if not review_queue(request.user).filter(pk=report.pk).exists() and not (
        report.reviewed_by_id == request.user.pk or report.assigned_counsellor_id == request.user.pk
    ):
        # Not in this person's queue: they have no reason to read it. A 404, like an id
        # that does not exist: a 403 would confirm the report is there (R9).
        raise Http404
    access_record(
        staff=request.user,
        participant=report.participant,
        what="results.report",
        reason=f"review:{report.pk}",
        request=request,
    )
    review_form = ReviewForm(prefix="review")
    contact_form = ContactForm(prefix="contact")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "review":
                review_form = ReviewForm(request.POST, prefix="review")
                if review_form.is_valid():
                    report_review(
                        report=report, actor=request.user, note=review_form.cleaned_data["note"]
                    )
                    messages.success(request, "Review recorded. A second person releases it.")
                    return redirect("staff_results:review_detail", pk=report.pk)
            elif action == "contact":
                contact_form = ContactForm(request.POST, prefix="contact")
                if contact_form.is_valid():
                    counselling_contact_record(
                        report=report, actor=request.user, **contact_form.cleaned_data
                    )
                    messages.success(request, "Contact recorded.")
                    return redirect("staff_results:review_detail", pk=report.pk)
            elif action == "release":
                report_release(report=report, actor=request.user)
                messages.success(request, "Released. The participant is told by e-mail.")
                return redirect("staff_results:review")
        except ReportTransitionError as error:
            messages.error(request, str(error))
            return redirect("staff_results:review_detail", pk=report.pk)
    body = render_report_html(report_context(report, language="en"))
    return render(
        request,
        "results/staff/review_detail.html",
        {
            "report": report,
            "report_body": body,
            "contacts": contacts_for(report),
            "review_form": review_form,
            "contact_form": contact_form,
            "can_review": report.state == "needs_review"
            and request.user.has_perm("results.review_report")
            and (report.confirmed or not report.requires_confirmation),
            "waiting_confirmation": report.requires_confirmation and not report.confirmed,
            "can_release": report.state == "reviewed"
            and request.user.has_perm("results.release_report")
            and report.reviewed_by_id != request.user.pk,
        },
    )


# ------------------------------------------------------------------------ re-contact
@staff_permission_required("results.review_report")
@require_GET
def recontact_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "results/staff/recontact_list.html",
        {"tasks": list(open_recontacts(request.user)[:200])},
    )


@staff_permission_required("results.review_report")
@require_POST
def recontact_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(staff_recontacts(request.user), pk=pk)
    recontact_task_close(task=task, actor=request.user, done=request.POST.get("done") != "no")
    messages.success(request, "Re-contact closed.")
    return redirect("staff_results:recontact")


# ------------------------------------------------- QC holds and confirmations (data manager)
@staff_permission_required("results.manage_samples")
@require_GET
def qc_list(request: HttpRequest) -> HttpResponse:
    # Sample and research ids with the engine's QC checks: no result, no identity.

    holds = list(
        qc_holds_pending().filter(
            sample__participant__in=visible_participants(request.user, purpose=SAMPLES)
        )[:200]
    )
    return render(request, "results/staff/qc_list.html", {"holds": holds, "form": QcDecisionForm()})


@staff_permission_required("results.manage_samples")
@require_POST
def qc_decide(request: HttpRequest, pk: int) -> HttpResponse:
    interpretation = get_object_or_404(
        qc_holds_pending().filter(
            sample__participant__in=visible_participants(request.user, purpose=SAMPLES)
        ),
        pk=pk,
    )
    form = QcDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a decision and give a reason (5 characters or more).")
        return redirect("staff_results:qc")
    try:
        interpretation_qc_decide(
            interpretation=interpretation, actor=request.user, **form.cleaned_data
        )
    except PolicyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"QC {form.cleaned_data['decision']}: {interpretation.sample}.")
    return redirect("staff_results:qc")


@staff_permission_required("results.manage_samples")
@require_GET
def confirmation_list(request: HttpRequest) -> HttpResponse:
    # Pseudonymous: participant number and report only; the finding is on the detail page.
    reports = list(
        awaiting_confirmation().filter(
            participant__in=visible_participants(request.user, purpose=REVIEW)
        )[:200]
    )
    return render(request, "results/staff/confirmation_list.html", {"reports": reports})


@staff_permission_required("results.manage_samples")
@require_http_methods(["GET", "POST"])
def confirmation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        awaiting_confirmation().filter(
            participant__in=visible_participants(request.user, purpose=REVIEW)
        ),
        pk=pk,
    )
    access_record(
        staff=request.user,
        participant=report.participant,
        what="results.report",
        reason=f"confirmation:{report.pk}",
        request=request,
    )
    form = ConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_confirmation_record(report=report, actor=request.user, **form.cleaned_data)
        except PolicyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Confirmation recorded. A counsellor can now review.")
            return redirect("staff_results:confirmations")
    findings = report.interpretation.disease_risk_findings.all()
    return render(
        request,
        "results/staff/confirmation_detail.html",
        {"report": report, "form": form, "findings": list(findings)},
    )

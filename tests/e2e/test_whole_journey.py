"""The whole journey in a real browser, from the landing page to leaving the program.

landing → screener → sign-up → e-mail code → profile → comprehension check → primary, EHR
and gror (yes) consents → The Basics → a data manager uploads this participant's sample
(manifest CSV + VCF through /staff/results/samples/) → the participant opts in → PGx report
and its PDF → a counsellor reviews and a second counsellor releases the positive
disease-risk report (both logged in with password + TOTP) → the participant reads it →
pauses → withdraws (tier 2) → every report is gone and nothing is left queued.

Every step is checked with axe-core (WCAG 2.2 AA; a page seen again in the same state, e.g.
"My documents" after each signature, once) and photographed under tests/e2e/screenshots/.
The participant's pages use the parametrized viewport (at 360 px: no horizontal scroll);
staff pages are driven at 1280 px. The (en, 1280 px) pass drives the participant's part
through the consents and the signed-PDF download with the keyboard only (Tab to a control,
Space to tick, arrow keys to move inside a radio group, typing, Enter on links and buttons).
"""

import datetime as dt
import io
import itertools
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core import mail
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader

from tests.e2e.browser import assert_accessible, no_horizontal_scroll, screenshot
from tests.e2e.conftest import _new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-pass-123"
VIEWPORTS = {"desktop": (1280, 900), "360": (360, 740)}
# The (lang, viewport, keyboard-only) runs: both languages at both widths. Each takes
# ~60 s (axe-core ~15 s, screenshots ~7 s, the rest is the application: PDFs,
# interpretation).
CASES = [
    pytest.param("en", "desktop", True, id="en-desktop-keyboard"),
    pytest.param("es", "360", False, id="es-360"),
    pytest.param("en", "360", False, id="en-360"),
    pytest.param("es", "desktop", False, id="es-desktop"),
]
TEXT = {
    "en": {
        "next": "Your next step",
        "consent_title": "Consent to Join the Research Program",
        "documents": "My documents",
        "thanks": "Thank you. Your answers are sent.",
        "results": "Your DNA results",
        "ready": "Ready to read.",
        "counsellor": "needs a conversation with a genetic counsellor",
        "pdf": "Download this report as a PDF",
        "paused": "You are paused",
        "withdrawn": "You have withdrawn",
        "gone": "This result is not shown",
        "gone_why": "This result is gone",
    },
    "es": {
        "next": "Su próximo paso",
        "consent_title": "Consentimiento para unirse al programa de investigación",
        "documents": "Mis documentos",
        "thanks": "Gracias. Sus respuestas se enviaron.",
        "results": "Sus resultados de ADN",
        "ready": "Listo para leer.",
        "counsellor": "conversación con un asesor genético",
        "pdf": "Descargar este informe en PDF",
        "paused": "Su participación está en pausa",
        "withdrawn": "Usted se retiró",
        "gone": "Este resultado no se muestra",
        "gone_why": "Este resultado ya no está",
    },
}


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    # The live server answers on 127.0.0.1; staff pages accept a private address only
    # with this setting (see test_staff_dashboard.py).
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    from participants.consent.defaults import load_default_consents
    from participants.surveys.services import core_surveys_load
    from results.releases import knowledge_base_release_register

    load_default_consents()
    core_surveys_load()
    knowledge_base_release_register()


# --- driving the browser: by mouse, or by keyboard only --------------------------------
@dataclass
class Driver:
    page: object
    keyboard: bool

    def _active_matches(self, selector: str) -> bool:
        return self.page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        )

    def focus(self, selector: str, limit: int = 200) -> None:
        """Tab forward until the focused element matches `selector`."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self._active_matches(selector):
                return
        raise AssertionError(f"Tab never reached {selector} on {self.page.url}")

    def fill(self, selector: str, text: str) -> None:
        if not self.keyboard:
            self.page.locator(selector).fill(text)
            return
        self.focus(selector)
        self.page.keyboard.type(text)
        assert self.page.locator(selector).input_value() == text

    def date(self, selector: str, iso: str) -> None:
        if not self.keyboard:
            self.page.locator(selector).fill(iso)
            return
        year, month, day = iso.split("-")
        self.focus(selector)
        self.page.keyboard.type(f"{month}{day}{year}")  # en-US segments: mm/dd/yyyy
        assert self.page.locator(selector).input_value() == iso

    def choose(self, selector: str) -> None:
        """Ticks a radio button (or a checkbox)."""
        target = self.page.locator(selector)
        if not self.keyboard:
            target.check()
            return
        kind = target.get_attribute("type")
        if kind == "checkbox":
            self.focus(selector)
            self.page.keyboard.press("Space")
        else:
            name = target.get_attribute("name")
            ids = self.page.eval_on_selector_all(
                f"input[type=radio][name='{name}']", "els => els.map(e => e.id)"
            )
            self.focus(f"input[type=radio][name='{name}']")
            current = ids.index(self.page.evaluate("document.activeElement.id"))
            steps = (ids.index(target.get_attribute("id")) - current) % len(ids)
            if steps == 0:
                self.page.keyboard.press("Space")
            for _ in range(steps):
                self.page.keyboard.press("ArrowDown")
        assert target.is_checked()

    def select(self, selector: str, value: str, typed: str) -> None:
        if not self.keyboard:
            self.page.locator(selector).select_option(value)
            return
        self.focus(selector)
        self.page.keyboard.type(typed)  # type-ahead on a closed <select>
        assert self.page.locator(selector).input_value() == value

    def press(self, selector: str) -> None:
        """Follows a link or presses a button."""
        if not self.keyboard:
            self.page.locator(selector).first.click()
            return
        self.focus(selector)
        self.page.keyboard.press("Enter")


class Visit:
    """axe-core on every step (a page in a new state counts: /me/ is checked in each),
    a screenshot at every step. `same_as` names a page already checked (staff log-in)."""

    def __init__(self, shots: str) -> None:
        self.shots = shots
        self.checked: set[str] = set()
        self.step = 0

    def __call__(self, page, name: str, *, phone: bool = False, same_as: str = "") -> None:
        page.wait_for_load_state()
        key = same_as or name
        if key not in self.checked:
            assert_accessible(page)
            self.checked.add(key)
        if phone:
            assert no_horizontal_scroll(page), f"horizontal scroll on {page.url}"
        self.step += 1
        screenshot(page, f"{self.shots}-{self.step:02d}-{name}")


def _code_for(email: str) -> str:
    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)


def _pdf_text(download) -> str:
    data = Path(download.path()).read_bytes()
    assert data[:5] == b"%PDF-"
    return " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages
    )


def _download(drive: Driver, selector: str):
    with drive.page.expect_download() as info:
        drive.press(selector)
    return info.value


# --- the participant, part 1: joining, consents, The Basics -----------------------------
def _join_and_consent(drive: Driver, visit: Visit, base: str, lang: str, email: str, phone):
    page, t = drive.page, TEXT[lang]
    prefix = "/es" if lang == "es" else ""
    page.goto(f"{base}{prefix}/")
    assert page.get_attribute("html", "lang") == lang
    visit(page, "landing", phone=phone)
    drive.press("main a[href$='/join/']")

    page.wait_for_url(re.compile(r".*/join/$"))
    drive.choose("#id_is_adult_0")  # yes
    drive.select("#id_us_state", "PR", "Puerto")
    drive.choose("#id_can_consent_0")  # yes
    visit(page, "screener", phone=phone)
    drive.press("main form button[type=submit]")

    page.wait_for_url(re.compile(r".*/accounts/signup/"))
    drive.fill("#id_email", email)
    drive.fill("#id_password1", PASSWORD)
    drive.fill("#id_password2", PASSWORD)
    visit(page, "signup", phone=phone)
    drive.press("main form button[type=submit]")

    page.wait_for_url(re.compile(r".*/accounts/confirm-email/"))
    drive.fill("#id_code", _code_for(email))
    visit(page, "verify", phone=phone)
    drive.press("main form button[type=submit]")

    page.wait_for_url(re.compile(r".*/me/$"))
    visit(page, "me-registered", phone=phone)
    drive.press("main a[href$='/me/profile/']")

    page.wait_for_url(re.compile(r".*/me/profile/$"))
    drive.fill("#id_legal_first_name", "María José")
    drive.fill("#id_legal_last_name", "Pérez")
    drive.date("#id_date_of_birth", "1950-03-27")
    drive.fill("#id_address_line1", "12 Calle Luna")
    drive.fill("#id_city", "San Juan")
    drive.select("#id_us_state", "PR", "Puerto")
    drive.fill("#id_postal_code", "00901")
    visit(page, "profile", phone=phone)
    drive.press("main form button[type=submit]")

    page.wait_for_url(re.compile(r".*/me/$"))
    assert page.get_by_role("heading", name=t["next"]).is_visible()
    visit(page, "me-eligible", phone=phone)
    drive.press(".card-highlight a.button-primary")  # next step: the consent

    from participants.consent.comprehension import comprehension_questions

    # Read first, then the questions, then sign.
    page.wait_for_url(re.compile(r".*/me/consent/primary/$"))
    visit(page, "consent-read", phone=phone)
    drive.press("main a[href$='/me/consent/questions/']")
    page.wait_for_url(re.compile(r".*/me/consent/questions/$"))
    for question in comprehension_questions(lang):
        index = [o.code for o in question.options].index(question.correct)
        drive.choose(f"#id_{question.code}_{index}")
    visit(page, "comprehension", phone=phone)
    drive.press("main form button[type=submit]")

    for code, title in (("primary", t["consent_title"]), ("ehr", None), ("gror", None)):
        if code == "ehr":  # the next step on /me/
            page.goto(f"{base}{prefix}/me/")
            visit(page, "me-consented", phone=phone)
            drive.press(".card-highlight a.button-primary")
        elif code == "gror":  # "Choose whether you want your DNA results" on /me/
            page.goto(f"{base}{prefix}/me/")
            visit(page, "me-ehr-authorized", phone=phone)
            drive.press("main a[href$='/me/consent/gror/']")
        page.wait_for_url(re.compile(rf".*/me/consent/{code}/(#sign)?$"))
        if title:
            assert page.locator("h1").inner_text() == title
        drive.choose("#id_decision_0")  # primary/ehr: "I agree"; gror: "Yes"
        drive.fill("#id_typed_name", "maria jose perez")  # accents and case do not matter
        visit(page, f"consent-{code}", phone=phone)
        drive.press("main form button[type=submit]")
        # After each consent: what was saved, the way on, and the documents.
        page.wait_for_url(re.compile(rf".*/me/consent/{code}/signed/$"))
        visit(page, "consent-signed", phone=phone)
        drive.press("main a[href$='/me/documents/']")
        page.wait_for_url(re.compile(r".*/me/documents/$"))
        assert page.locator("h1").inner_text() == t["documents"]
        visit(page, f"documents-after-{code}", phone=phone, same_as="documents")

    download = _download(drive, "main a[href*='/me/documents/'][href$='/download/']")
    assert download.suggested_filename.startswith("consent-")
    assert _pdf_text(download)


def _the_basics(drive: Driver, visit: Visit, base: str, lang: str, phone) -> None:
    page, t = drive.page, TEXT[lang]
    prefix = "/es" if lang == "es" else ""
    page.goto(f"{base}{prefix}/me/")
    visit(page, "me-gror-given", phone=phone)
    drive.press(".card-highlight a.button-primary")  # next step: The Basics
    page.wait_for_url(re.compile(r".*/me/surveys/the_basics/$"))
    visit(page, "survey-start", phone=phone)
    drive.press("main form button[type=submit]")

    def page_is(step: str) -> None:
        page.wait_for_url(re.compile(rf".*/page/{step}/(#.*)?$"))

    def submit() -> None:
        drive.press("main form button[value=continue]")
        page.wait_for_load_state()

    page_is("about_you")
    drive.fill("#q-birth_year", "1950")
    drive.choose("#q-birth_place-0")  # one of the 50 states: `origin` is skipped
    visit(page, "survey-page", phone=phone)
    submit()
    page_is("race_ethnicity")
    drive.choose("#q-race_ethnicity-3")  # Hispanic, Latino or Spanish
    submit()
    page_is("race_ethnicity_detail")  # shown because of "Hispanic"
    drive.choose("#q-hispanic_origin-1")  # Puerto Rican
    submit()
    page_is("sex_gender")
    drive.choose("#q-sex_at_birth-0")
    submit()
    for step in ("household", "education_work"):
        page_is(step)
        submit()
    page_is("income_insurance")
    drive.choose("#q-health_insurance-0")  # yes
    submit()
    page_is("insurance_type")  # shown because of "yes"
    submit()
    page_is("housing")
    submit()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    visit(page, "survey-review", phone=phone)
    drive.press("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/done/(#.*)?$"))
    assert page.get_by_role("heading", name=t["thanks"]).is_visible()
    visit(page, "survey-done", phone=phone)


# --- staff -------------------------------------------------------------------------------
def _staff_log_in(page, visit: Visit, base: str, email: str, password: str) -> None:
    from participants.models import User

    user = User.objects.get(email=email)
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    visit(page, f"staff-login-{email.split('@')[0]}", same_as="staff-login")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    generator = pyotp.TOTP(decrypt(totp.data["secret"]))
    page.fill("input[name=code]", generator.now())
    visit(page, f"staff-2fa-{email.split('@')[0]}", same_as="staff-2fa")
    page.locator("main form button[type=submit]").first.click()
    try:
        page.wait_for_url(re.compile(r".*/staff/.*"), timeout=5_000)
    except PlaywrightTimeoutError:
        # A code is single-use (R2): when this user already logged in within the same
        # 30-second window, a person waits for the next code. So does the test.
        time.sleep(generator.interval - time.time() % generator.interval + 1)
        page.fill("input[name=code]", generator.now())
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r".*/staff/.*"))


def _upload_sample(page, visit: Visit, base: str, participant, tmp_path: Path) -> None:
    from tests.results.workflow.helpers import POSITIVE, manifest_csv, renamed_vcf

    # NA10851 (1000 Genomes) carries the RYR1 variants the engine reports as a positive
    # disease-risk finding (CPIC malignant hyperthermia), as tests/results/workflow does.
    sample_id = f"JRN-{participant.research_id}"
    vcf = renamed_vcf(POSITIVE, sample_id, tmp_path / "vcfs")
    manifest = tmp_path / "journey-manifest.csv"
    manifest.write_bytes(manifest_csv([(participant.research_id, sample_id, vcf.name, "")]))

    page.goto(f"{base}/staff/results/")
    visit(page, "staff-results-dashboard")
    page.locator("main a[href$='/staff/results/samples/']").click()
    page.wait_for_url(re.compile(r".*/staff/results/samples/$"))
    page.locator("#id_manifest").set_input_files(str(manifest))
    page.locator("#id_files").set_input_files(str(vcf))
    visit(page, "staff-samples")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/staff/results/samples/\d+/$"), timeout=120_000)
    assert "1 of 1 rows accepted." in page.locator("main").inner_text()
    assert sample_id in page.locator("main").inner_text()
    visit(page, "staff-manifest")


def _review(page, visit: Visit, base: str, report_pk: int, *, release: bool) -> None:
    who = "release" if release else "review"
    page.goto(f"{base}/staff/results/review/")
    visit(page, f"staff-queue-{who}", same_as="staff-queue")
    page.locator(f"main a[href$='/staff/results/review/{report_pk}/']").click()
    page.wait_for_url(re.compile(rf".*/staff/results/review/{report_pk}/$"))
    assert "RYR1" in page.locator("main").inner_text()
    visit(page, f"staff-report-{who}")
    if release:
        page.locator("main button[name=action][value=release]").click()
        page.wait_for_url(re.compile(r".*/staff/results/review/$"))
    else:
        page.locator("#id_review-note").fill("RYR1 finding confirmed; call booked.")
        page.locator("main button[name=action][value=review]").click()
        page.wait_for_url(re.compile(rf".*/staff/results/review/{report_pk}/$"))
        # The reviewer is never offered the release: a second person does it.
        assert page.locator("main button[name=action][value=release]").count() == 0
        visit(page, "staff-reviewed")


# --- the test ----------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "viewport", "keyboard"), CASES)
def test_whole_journey(live_server, browser, tmp_path, lang, viewport, keyboard):
    from participants.models import (
        JourneyState,
        JourneyTransition,
        Participant,
        User,
        Withdrawal,
    )
    from portal.models import Site
    from portal.outbox import OutboxMessage
    from results.models import (
        Interpretation,
        RecontactTask,
        Report,
        ReportState,
        ReportTransition,
    )
    from results.services.review import report_confirmation_record
    from staff.dashboards.demo import DEMO_STAFF_PASSWORD, seed_demo_staff

    base = live_server.url
    prefix = "/es" if lang == "es" else ""
    t = TEXT[lang]
    phone = viewport == "360"
    width, height = VIEWPORTS[viewport]
    email = f"journey-{lang}-{viewport}@example.org"
    visit = Visit(f"journey-{lang}-{viewport}")
    site = Site.objects.get_or_create(code="pr-sanjuan", defaults={"name": "SJ", "state": "PR"})
    seed_demo_staff(site=site[0])

    context, page = _new_page(browser, width, height)
    staff_contexts = []

    def staff_page():
        # Staff work at a desk: their pages are driven at 1280 px.
        staff_context, staff = _new_page(browser, *VIEWPORTS["desktop"])
        staff_contexts.append(staff_context)
        return staff

    try:
        drive = Driver(page, keyboard)
        _join_and_consent(drive, visit, base, lang, email, phone)
        participant = Participant.objects.get(user__email=email)
        assert participant.state == JourneyState.EHR_AUTHORIZED
        _the_basics(Driver(page, False), visit, base, lang, phone)
        participant.refresh_from_db()
        assert participant.state == JourneyState.BASICS_DONE

        # A data manager uploads the sample: manifest + VCF through the staff page.
        manager = staff_page()
        _staff_log_in(manager, visit, base, "datamanager@example.org", DEMO_STAFF_PASSWORD)
        _upload_sample(manager, visit, base, participant, tmp_path)
        reports = {r.report_type: r for r in Report.objects.filter(participant=participant)}
        assert set(reports) == {"pgx", "disease_risk", "traits"}
        assert reports["disease_risk"].positive
        assert {r.state for r in reports.values()} == {ReportState.READY}

        # The participant opts in to every kind of result.
        page.goto(f"{base}{prefix}/me/")
        assert page.get_by_role("heading", name=t["results"]).is_visible()
        visit(page, "me-results-panel", phone=phone)
        page.locator("main a[href$='/me/results/choices/']").first.click()
        page.wait_for_url(re.compile(r".*/me/results/choices/$"))
        for kind in ("pgx", "disease_risk", "traits"):
            page.locator(f"#id_{kind}_0").check()  # "Yes, show me"
        visit(page, "results-choices", phone=phone)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/me/results/$"))
        assert t["counsellor"] in page.locator("main").inner_text()
        visit(page, "results-overview", phone=phone)
        for report in reports.values():
            report.refresh_from_db()
        # RYR1 malignant hyperthermia susceptibility is an actionable PGx result (issue 14):
        # the PGx report waits for a counsellor too; traits are released at once.
        assert reports["pgx"].state == ReportState.NEEDS_REVIEW
        assert reports["traits"].state == ReportState.RELEASED
        assert reports["disease_risk"].state == ReportState.NEEDS_REVIEW

        # Counsellor reviews the PGx report; a second counsellor releases it.
        pgx = reports["pgx"].pk
        counsellors = {}
        for email_ in ("counsellor@example.org", "counsellor2@example.org"):
            counsellors[email_] = staff_page()
            _staff_log_in(counsellors[email_], visit, base, email_, DEMO_STAFF_PASSWORD)
        first = reports["pgx"].assigned_counsellor.email
        second = next(e for e in counsellors if e != first)
        _review(counsellors[first], visit, base, pgx, release=False)
        _review(counsellors[second], visit, base, pgx, release=True)
        reports["pgx"].refresh_from_db()
        assert reports["pgx"].state == ReportState.RELEASED

        # The PGx report and its PDF.
        page.goto(f"{base}{prefix}/me/results/")
        page.locator(f"main a[href$='/me/results/{pgx}/']").click()
        page.wait_for_url(re.compile(rf".*/me/results/{pgx}/$"))
        assert "CYP2C19" in page.locator("main").inner_text()
        visit(page, "report-pgx", phone=phone)
        with page.expect_download() as info:
            page.get_by_role("link", name=t["pdf"]).click()
        assert info.value.suggested_filename == f"pgx-report-v1-{lang}.pdf"
        assert "CYP2C19" in _pdf_text(info.value)

        # A data manager records the CLIA lab's orthogonal confirmation (issue 14); then a
        # counsellor reviews and a second counsellor releases.
        positive = reports["disease_risk"]
        first = positive.assigned_counsellor.email
        second = next(e for e in counsellors if e != first)
        report_confirmation_record(
            report=positive,
            actor=User.objects.get(email="datamanager@example.org"),
            lab="Clinical Confirmation Lab",
            accession="CL-2026-0001",
            confirmed_on=dt.date(2026, 11, 30),
        )
        _review(counsellors[first], visit, base, positive.pk, release=False)
        mail.outbox.clear()
        _review(counsellors[second], visit, base, positive.pk, release=True)
        positive.refresh_from_db()
        assert positive.state == ReportState.RELEASED
        assert positive.reviewed_by.email == first and positive.released_by.email == second
        assert [m.to for m in mail.outbox] == [[email]]
        assert "RYR1" not in mail.outbox[0].body

        # The participant reads it.
        page.goto(f"{base}{prefix}/me/results/")
        page.locator(f"main a[href$='/me/results/{positive.pk}/']").click()
        page.wait_for_url(re.compile(rf".*/me/results/{positive.pk}/$"))
        assert "RYR1" in page.locator("main").inner_text()
        for letter in ("family", "clinician"):
            assert page.locator(f"main a[href$='/{positive.pk}/letter/{letter}/']").count() == 1
        visit(page, "report-disease-risk", phone=phone)
        with page.expect_download() as info:
            page.get_by_role("link", name=t["pdf"]).click()
        assert "RYR1" in _pdf_text(info.value)
        positive.refresh_from_db()
        assert positive.state == ReportState.VIEWED

        # Pause, then leave with tier 2.
        page.goto(f"{base}{prefix}/me/")
        page.locator("main a[href$='/me/pause/']").click()
        page.wait_for_url(re.compile(r".*/me/pause/$"))
        visit(page, "pause", phone=phone)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/me/$"))
        assert page.get_by_role("heading", name=t["paused"]).is_visible()
        visit(page, "me-paused", phone=phone)
        page.locator("main a[href$='/me/withdraw/']").click()
        page.wait_for_url(re.compile(r".*/me/withdraw/$"))
        page.locator("#id_tier_1").check()  # 2. No further use of my data
        page.locator("#id_confirm").check()
        visit(page, "withdraw", phone=phone)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/me/$"))
        assert page.get_by_role("heading", name=t["withdrawn"]).is_visible()
        assert page.locator("#results-heading").count() == 0  # no tracker
        assert page.locator("a[href*='/me/results/']").count() == 0
        visit(page, "me-withdrawn", phone=phone)

        # Every report is gone, in the page and as a PDF.
        for report in reports.values():
            response = page.goto(f"{base}{prefix}/me/results/{report.pk}/")
            assert response.status == 404
            assert page.locator("h1").inner_text() == t["gone"]
            assert t["gone_why"] in page.locator("main").inner_text()
            visit(page, f"gone-{report.report_type}", phone=phone, same_as="gone")
            pdf = page.request.get(f"{base}{prefix}/me/results/{report.pk}/pdf/")
            assert pdf.status == 404 and not pdf.body().startswith(b"%PDF")
        page.goto(f"{base}{prefix}/me/results/")
        page.wait_for_url(re.compile(r".*/me/$"))  # no tracker page after leaving
    except BaseException:
        for index, open_page in enumerate([page, *(c.pages[0] for c in staff_contexts)]):
            screenshot(open_page, f"{visit.shots}-FAILED-{index}")
        raise
    finally:
        for staff_context in staff_contexts:
            staff_context.close()
        context.close()

    # --- the database -------------------------------------------------------------------
    participant.refresh_from_db()
    assert participant.state == JourneyState.WITHDRAWN
    assert participant.withdrawal_tier == 2
    assert participant.preferred_language == lang
    history = list(
        JourneyTransition.objects.filter(participant=participant)
        .order_by("pk")
        .values_list("from_state", "to_state")
    )
    steps = [
        JourneyState.REGISTERED,
        JourneyState.ELIGIBLE,
        JourneyState.CONSENTED,
        JourneyState.EHR_AUTHORIZED,
        JourneyState.BASICS_DONE,
        JourneyState.PAUSED,
        JourneyState.WITHDRAWN,
    ]
    assert history == list(zip(["", *steps[:-1]], steps, strict=True))
    assert Withdrawal.objects.get(participant=participant).tier == 2
    for report in Report.objects.filter(participant=participant):
        assert report.state == ReportState.WITHHELD, (report.report_type, report.state)
    S = ReportState
    expected = {
        # RYR1 malignant hyperthermia: an actionable PGx result, reviewed by two people
        "pgx": [
            S.PENDING,
            S.READY,
            S.NEEDS_REVIEW,
            S.REVIEWED,
            S.RELEASED,
            S.VIEWED,
            S.WITHHELD,
        ],
        "traits": [S.PENDING, S.READY, S.RELEASED, S.WITHHELD],  # never opened
        "disease_risk": [
            S.PENDING,
            S.READY,
            S.NEEDS_REVIEW,
            S.REVIEWED,
            S.RELEASED,
            S.VIEWED,
            S.WITHHELD,
        ],
    }
    for kind, states in expected.items():
        rows = list(
            ReportTransition.objects.filter(report=reports[kind])
            .order_by("pk")
            .values_list("from_state", "to_state")
        )
        assert rows == list(itertools.pairwise(states)), (kind, rows)
    assert Report.objects.filter(participant=participant).count() == 3
    assert not Interpretation.objects.filter(
        sample__participant=participant,
        state__in=[Interpretation.State.PENDING, Interpretation.State.RUNNING],
    ).exists()
    assert not RecontactTask.objects.filter(
        participant=participant, state=RecontactTask.State.OPEN
    ).exists()
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()

"""A volunteer's whole enrollment over HTTP, as the load test drives it.

Plain HTML forms are filled the way a person would: hidden fields kept, the first
real answer chosen, survey answers made valid from the survey's own definition
(so the script follows the same branching and validation as the server).
"""

import re
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from participants.surveys.definition import PREFER_NOT_TO_ANSWER, load_core_definitions

BASICS = load_core_definitions()["the_basics"]
PASSWORD = "a-Long-pass-123"  # noqa: S105 - synthetic load-test volunteers


class FormParser(HTMLParser):
    """Collects the forms of a page: action, hidden/visible inputs, options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": a.get("method", "get"),
                    "inputs": [],
                    "selects": {},
                }
            )
        elif not self.forms:
            return
        elif tag in {"input", "textarea", "button"}:
            self.forms[-1]["inputs"].append({"tag": tag, **a})
        elif tag == "select":
            self._select = a.get("name")
            self.forms[-1]["selects"][self._select] = []
        elif tag == "option" and self._select:
            self.forms[-1]["selects"][self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def main_form(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    forms = [
        f
        for f in parser.forms
        if f["method"].lower() == "post"
        and "set_language" not in f["action"]
        and "setlang" not in f["action"]
        and "logout" not in f["action"]
        # the code page's side forms: "Send me a new code" and "Use this address"
        and not any(
            i.get("name") == "action" and i.get("value") in ("resend", "change")
            for i in f["inputs"]
        )
    ]
    if not forms:
        raise LookupError("no form to fill on this page")
    return forms[-1]


def _letters(number: int) -> str:
    """A number as a name-like word (names take letters only): 0 -> "a", 27 -> "bb"."""
    word = ""
    while True:
        word = "abcdefghijklmnopqrstuvwxyz"[number % 26] + word
        number //= 26
        if not number:
            return word.capitalize()


def side_form(html: str, action: str) -> dict | None:
    """A page's small form for `action` ("resend" on the code pages), or None."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if any(i.get("name") == "action" and i.get("value") == action for i in form["inputs"]):
            return form
    return None


def _alerts(html: str) -> str:
    """The page's messages (role=alert and message boxes), for a failure report."""
    found = re.findall(r'class="message[^"]*"[^>]*>(.*?)</div>', html, re.S)
    text = " | ".join(re.sub(r"<[^>]+>", " ", m) for m in found)
    return " ".join(text.split())[:300] or "(no message)"


def hidden_fields(form: dict) -> dict[str, str]:
    return {
        i["name"]: i.get("value", "")
        for i in form["inputs"]
        if i.get("type") == "hidden" and i.get("name")
    }


def survey_answers(form: dict) -> dict[str, object]:
    """Valid answers for the items on this page, from the definition."""
    names = {i.get("name") for i in form["inputs"]} | set(form["selects"])
    data: dict[str, object] = {}
    for item in BASICS.items:
        code = item.code
        if code not in names and f"{code}__year" not in names:
            continue
        options = [o.code for o in item.options if o.code != PREFER_NOT_TO_ANSWER]
        validation = item.validation or {}
        if item.type == "single_choice" and options:
            data[code] = options[0]
        elif item.type == "multiple_choice" and options:
            data[code] = [options[0]]
        elif item.type in {"integer", "decimal", "scale"}:
            data[code] = str(
                validation.get("min", 1)
                if item.type != "scale"
                else (item.scale or {}).get("min", 1)
            )
        elif item.type == "year":
            data[code] = "1960"
        elif item.type == "date":
            data.update({f"{code}__year": "1960", f"{code}__month": "1", f"{code}__day": "15"})
        elif item.type == "free_text":
            data[code] = "ok"
    return data


class Journey:
    """One volunteer. `client` is anything with get/post(url, data) -> (status, url, text)."""

    def __init__(self, client, base: str, email: str, mail_dir: Path) -> None:
        self.client, self.base, self.email, self.mail_dir = client, base, email, mail_dir

    def _submit(self, url: str, extra: dict, *, name: str) -> tuple[int, str, str]:
        _, final, html = self.client.get(url, name=name)
        try:
            form = main_form(html)
        except LookupError as error:
            raise LookupError(
                f"{error}: {final} (asked for {url}); it says: {_alerts(html)}"
            ) from None
        target = urljoin(final, form["action"] or final)
        return self.client.post(target, {**hidden_fields(form), **extra}, name=name)

    def verification_code(self, timeout: float = 60) -> str:
        """Reads the volunteer's own inbox (bench.mailbox: one file per recipient)."""
        deadline = time.monotonic() + timeout
        inbox = self.mail_dir / f"{self.email}.eml"
        pattern = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)
        while time.monotonic() < deadline:
            if inbox.exists():
                match = pattern.search(inbox.read_text(errors="replace"))
                if match:
                    return match.group(1)
            time.sleep(0.5)
        raise TimeoutError(f"no verification e-mail for {self.email}")

    def run(self) -> None:
        b = self.base
        self._submit(
            b + "/join/",
            {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"},
            name="screener",
        )
        _, url, _ = self._submit(
            b + "/accounts/signup/",
            {"email": self.email, "password1": PASSWORD, "password2": PASSWORD},
            name="signup",
        )
        url = self.verify_email(url)
        assert url.endswith("/me/"), url
        self.after_sign_up()

    def verify_email(self, url: str) -> str:
        """From the page the sign-up led to, to /me/: enter the e-mailed code."""
        assert url.endswith("/accounts/confirm-email/"), url
        _, url, _ = self._submit(url, {"code": self.verification_code()}, name="verify")
        return url

    def after_sign_up(self) -> None:
        """Profile, comprehension, consents and The Basics (signed in, e-mail verified)."""
        b = self.base
        # Each volunteer is a different person: with one shared name, birth date and ZIP
        # code, every sign-up would be a possible duplicate of every other (issue 18's check).
        number = int(re.sub(r"\D", "", self.email.split("@")[0]) or 0)
        last_name = "Tester " + _letters(number)
        self._submit(
            b + "/me/profile/",
            {
                "legal_first_name": "Load",
                "legal_last_name": last_name,
                "date_of_birth": (date(1940, 1, 1) + timedelta(days=number % 20_000)).isoformat(),
                "address_line1": "1 Main St",
                "city": "Austin",
                "us_state": "TX",
                "postal_code": "78701",
                "preferred_language": "en",
                "contact_email": "on",
            },
            name="profile",
        )
        from participants.consent.comprehension import comprehension_questions

        answers = {q.code: q.correct for q in comprehension_questions("en")}
        self._submit(b + "/me/consent/questions/", answers, name="comprehension")
        for code in ("primary", "ehr"):
            _, url, _ = self._submit(
                b + f"/me/consent/{code}/",
                {"decision": "agree", "typed_name": f"Load {last_name}"},
                name=f"consent-{code}",
            )
        _, url, html = self._submit(b + "/me/surveys/the_basics/", {}, name="survey-start")
        for _ in range(40):
            if "/review/" in url:
                break
            form = main_form(html)
            data = {**hidden_fields(form), **survey_answers(form), "action": "continue"}
            _, url, html = self.client.post(
                urljoin(url, form["action"] or url), data, name="survey-page"
            )
        assert "/review/" in url, url
        form = main_form(html)
        _, url, _ = self.client.post(
            urljoin(url, form["action"] or url), hidden_fields(form), name="survey-submit"
        )
        assert "/done/" in url, url

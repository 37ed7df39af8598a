"""The strings the hostile tests type into every field, and how a page must show them."""

import html
import re

# Markup, attribute break-outs, template syntax (Django and Jinja), script URLs.
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "{{ request }}",
    "{% debug %}",
    "{{7*7}}",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
]
# All of them in one value, for fields tested once rather than once per payload.
ALL_XSS = " ".join(XSS)

# What a rendered template would show if `{{ request }}` or `{% debug %}` had been evaluated.
_EVALUATED = ("WSGIRequest", "<WSGIRequest", "sys.modules", "'csrf_token':", "{'True': True")
_SCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
_LIVE_MARKUP = re.compile(r"<(?:script>alert|img src=x|svg onload)", re.I)


def assert_inert(body: str, typed: str | None = None) -> None:
    """Nothing typed became markup, a script URL or evaluated template code.

    With `typed`, it must also be shown, as escaped text (what the person typed, visible).
    """
    assert not _LIVE_MARKUP.search(body), _LIVE_MARKUP.search(body).group(0)
    assert not _SCRIPT_URL.search(body), _SCRIPT_URL.search(body).group(0)
    for marker in _EVALUATED:
        assert marker not in body, marker
    if typed is not None:
        assert html.escape(typed) in body, f"{typed!r} is not shown escaped"

"""Consent Markdown → safe HTML. The hash is always of the Markdown source."""

from dataclasses import dataclass
from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# What the texts use: headings, paragraphs, lists, emphasis. No links, no images,
# no raw HTML: staff-written text must not be able to inject anything.
ALLOWED_TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "br", "blockquote"}


@dataclass(frozen=True)
class RenderedText:
    title: str
    body: SafeString


def split_title(source: str) -> tuple[str, str]:
    """The first `# ` line is the page title (the page's own h1); the rest is the body."""
    lines = source.strip().splitlines()
    if lines and lines[0].startswith("# "):
        return lines[0][2:].strip(), "\n".join(lines[1:]).strip()
    return "", source.strip()


@lru_cache(maxsize=64)
def markdown_to_html(source: str) -> SafeString:
    """Cached per process: a text's source never changes meaning (published versions
    are immutable; an edited draft is a new source string)."""
    html = markdown.markdown(source, extensions=["sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={}))  # noqa: S308 - nh3-cleaned


def render_consent_text(source: str) -> RenderedText:
    title, body = split_title(source)
    return RenderedText(title=title, body=markdown_to_html(body))

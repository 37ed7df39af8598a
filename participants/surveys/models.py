"""Stored surveys: versions of a definition, and participants' responses to them.

A `SurveyVersion` holds one definition document exactly as loaded (see docs/surveys.md).
Once published it is frozen by a database trigger: responses point at it, and what a
participant answered must always be readable against the wording they saw. A changed
survey is a new row. A `SurveyResponse` keeps the answers of one participant to one
version, saved page by page.
"""

import hashlib
import json
import uuid
from typing import Any

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import Participant, User
from participants.surveys.definition import SurveyDefinition, load_definition

# The step after the last page: the summary to review before submitting. Page codes start
# with a letter, so this can never be a page code.
REVIEW_STEP = "_review"


def definition_sha256(document: dict[str, Any]) -> str:
    """The hash of a definition in canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_parsed: dict[str, SurveyDefinition] = {}


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SurveyVersion(models.Model):
    """One version of one survey. Immutable once published (trigger + service check)."""

    code = models.CharField(max_length=100, db_index=True)
    version = models.CharField(max_length=32)
    definition = models.JSONField()
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT, db_index=True
    )
    # Where it came from: "core:the_basics.json", "redcap:cohort_intake.csv".
    source = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_version_unique"),
        ]
        permissions = [("manage_surveys", "Can see survey completion counts and preview surveys")]
        triggers = [
            # Responses are read against the exact wording shown: a published version never
            # changes in any column and is never deleted. A new wording is a new row.
            pgtrigger.Protect(
                name="survey_version_published_frozen",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="published"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    def parsed(self) -> SurveyDefinition:
        """The definition as a `SurveyDefinition`, parsed once per process per content hash.

        Safe to cache by hash: the hash is of the document itself, so a draft edited in
        place gets a new hash and a new entry.
        """
        parsed = _parsed.get(self.sha256)
        if parsed is None:
            parsed = load_definition(self.definition)
            if len(_parsed) > 256:  # drafts come and go; published ones are few
                _parsed.clear()
            _parsed[self.sha256] = parsed
        return parsed

    def title(self, language: str) -> str:
        return self.parsed().text(self.definition.get("title"), language)


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    # Set on withdrawal (tier 2 and 3): kept as it was, never used or exported.
    ABANDONED = "abandoned", _("Abandoned")


class SurveyResponse(models.Model):
    """One participant's answers to one survey version, saved page by page."""

    # What URLs carry, so a response id cannot be guessed or counted.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="survey_responses"
    )
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    # Copied from the version so the "one in progress per survey" rule can be a constraint.
    survey_code = models.CharField(max_length=100)
    status = models.CharField(
        max_length=12, choices=ResponseStatus, default=ResponseStatus.IN_PROGRESS, db_index=True
    )
    # {item code: answer}, as validation.py cleans them. Hidden answers are kept until
    # completion, so going back and forth loses nothing; completion prunes them.
    answers = models.JSONField(default=dict)
    # Where the participant resumes, and the furthest step they have reached (a page code
    # or REVIEW_STEP): a POST for a page beyond it is refused.
    current_page = models.CharField(max_length=100, blank=True)
    furthest_page = models.CharField(max_length=100, blank=True)
    # The language of the last page saved (what the participant read).
    language = models.CharField(max_length=2, default="en")
    started = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    completed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "survey_code"],
                condition=models.Q(status="in_progress"),
                name="survey_one_in_progress",
            ),
            models.UniqueConstraint(
                fields=["participant", "survey_code"],
                condition=models.Q(status="completed"),
                name="survey_one_completed",
            ),
        ]
        indexes = [models.Index(fields=["survey_code", "status"])]

    def __str__(self) -> str:
        return f"{self.survey_code} response ({self.status})"

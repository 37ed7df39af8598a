"""Summary tables behind the recruitment dashboards.

Dashboards never group over the participants table per request (1M rows cost
65–270 ms per GROUP BY); they read these small tables, kept current inside the
transaction of every journey transition (`summaries.summary_on_state_change`).
`ParticipantFacts` remembers what each participant currently contributes, so a
change can subtract the old contribution and add the new one.
"""

from django.db import models


class ParticipantFacts(models.Model):
    """The dashboard dimensions one participant is counted under (write side only)."""

    participant = models.OneToOneField(
        "participants.Participant",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    signup_week = models.DateField()
    enrolled_week = models.DateField(null=True, blank=True)
    site_id = models.IntegerField(default=0)
    language = models.CharField(max_length=2)
    furthest = models.CharField(max_length=16)
    current = models.CharField(max_length=16)
    age_band = models.CharField(max_length=8, blank=True)
    ubr = models.CharField(max_length=8, blank=True)
    us_state = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=32, blank=True)
    sex = models.CharField(max_length=16, blank=True)
    races = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return f"facts of participant {self.participant_id}"


class StageSummary(models.Model):
    """Participants by sign-up week, site, language, furthest stage reached, current state."""

    week = models.DateField()
    site_id = models.IntegerField(default=0)
    language = models.CharField(max_length=2)
    furthest = models.CharField(max_length=16)
    current = models.CharField(max_length=16)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "site_id", "language", "furthest", "current"],
                name="stage_summary_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.furthest}/{self.current}: {self.n}"


class EnrollmentSummary(models.Model):
    """Enrolled participants (primary consent signed) by enrollment week, site, language
    and one dimension: `all` (code ""), `race`, `ubr`, `age_band`, `source`, `us_state`, `sex`.

    A participant with two race codes counts once under each; `ubr` counts each once.
    """

    week = models.DateField()
    site_id = models.IntegerField(default=0)
    language = models.CharField(max_length=2)
    dimension = models.CharField(max_length=12)
    code = models.CharField(max_length=32)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "site_id", "language", "dimension", "code"],
                name="enrollment_summary_key",
            )
        ]
        indexes = [models.Index(fields=["dimension", "week"])]

    def __str__(self) -> str:
        return f"{self.week} {self.dimension}={self.code}: {self.n}"

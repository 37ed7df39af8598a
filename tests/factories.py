"""factory_boy factories shared by the whole suite."""

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from participants.identifiers import new_participant_id, new_research_id
from participants.models import JourneyState, JourneyTransition, Participant, User
from portal.models import Site


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code.title()} Health Center")
    state = "TX"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant with a complete profile, at `state` (default `eligible`).

    The journey history is written as if they walked each step, so code that
    reads transitions sees a consistent record.
    """

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    participant_id = factory.LazyFunction(new_participant_id)
    research_id = factory.LazyFunction(new_research_id)
    site = factory.SubFactory(SiteFactory, code="site-a")
    state = JourneyState.ELIGIBLE
    screener_passed_at = factory.LazyFunction(timezone.now)
    legal_first_name = "Ana"
    legal_last_name = "García"
    preferred_name = ""
    date_of_birth = dt.date(1956, 4, 2)
    birth_year = 1956
    address_line1 = "12 Main St"
    city = "Austin"
    us_state = "TX"
    postal_code = "78701"
    phone = "(512) 555-0134"
    preferred_language = "en"
    profile_completed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if not create:
            return
        from participants.journey import ORDER

        path = ORDER[: ORDER.index(obj.state) + 1] if obj.state in ORDER else [ORDER[0], obj.state]
        previous = ""
        for state in path:
            JourneyTransition.objects.create(
                participant=obj,
                from_state=previous,
                to_state=state,
                actor=obj.user,
                reason="factory",
            )
            previous = state

"""Demo data for `make run`: each app's seeder (registered in portal.hooks), in order.

Never loaded in production.
"""

from django.db import transaction

from portal import hooks


@transaction.atomic
def seed_demo() -> list[tuple[str, str, str]]:
    """Runs every app's demo seeder; the demo log-ins, one per e-mail address."""
    logins: dict[str, list[str]] = {}
    for _name, seeder in hooks.demo_seeders():
        for email, password, what in seeder() or []:
            if email in logins:
                logins[email][1] += f"; {what}"
            else:
                logins[email] = [email, password, what]
    return [tuple(login) for login in logins.values()]


def seed_demo_cohort(*, participants: int, stdout) -> None:
    """Tops the synthetic cohort up to `participants` (only the missing ones are added)."""
    for seeder in hooks.demo_cohort_seeders():
        seeder(participants=participants, stdout=stdout)

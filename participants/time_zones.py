"""Which time zone a participant reads times in: their state's, else their browser's.

Times are stored in UTC. A participant sees them in the zone of the state in their
profile (the zone most of the state's people live in), or, before the profile says,
in the zone their browser reports (portal.js sets the `tz` cookie).
"""

import zoneinfo

from django.http import HttpRequest

SESSION_KEY = "time_zone"
COOKIE_NAME = "tz"

STATE_TIME_ZONES = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
    "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
    "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
    "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
    "ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago", "KS": "America/Chicago", "KY": "America/New_York",
    "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
    "MA": "America/New_York", "MI": "America/Detroit", "MN": "America/Chicago",
    "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
    "NE": "America/Chicago", "NV": "America/Los_Angeles", "NH": "America/New_York",
    "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
    "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
    "OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York",
    "RI": "America/New_York", "SC": "America/New_York", "SD": "America/Chicago",
    "TN": "America/Chicago", "TX": "America/Chicago", "UT": "America/Denver",
    "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
    "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
    "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan", "AS": "Pacific/Pago_Pago",
}  # fmt: skip


def time_zone_for_state(us_state: str) -> str | None:
    return STATE_TIME_ZONES.get((us_state or "").upper())


def remember_time_zone(request: HttpRequest, participant) -> None:
    """Keeps the participant's zone in the session, so no page needs a query for it."""
    zone = time_zone_for_state(getattr(participant, "us_state", ""))
    if zone:
        request.session[SESSION_KEY] = zone
    else:
        request.session.pop(SESSION_KEY, None)


def time_zone_for_request(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    session = getattr(request, "session", None)
    name = session.get(SESSION_KEY) if session is not None else None
    name = name or request.COOKIES.get(COOKIE_NAME, "")
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None

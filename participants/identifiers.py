"""Participant and research identifiers: random, independent, not sequential."""

import secrets

# Crockford base32 without I, L, O, U: nothing to misread over the phone.
_RESEARCH_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_participant_id(value: str) -> bool:
    # ASCII digits only: str.isdigit() also says yes to "²" or "١", which int() refuses.
    if len(value) != 10 or value[0] != "P" or not (value.isascii() and value[1:].isdigit()):
        return False
    return luhn_check_digit(value[1:9]) == value[9]


def new_participant_id() -> str:
    """`P` + 8 random digits + a Luhn check digit (catches one mistyped digit)."""
    body = f"{secrets.randbelow(10**8):08d}"
    return f"P{body}{luhn_check_digit(body)}"


def new_research_id() -> str:
    return "R" + "".join(secrets.choice(_RESEARCH_ALPHABET) for _ in range(11))

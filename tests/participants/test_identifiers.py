import itertools

from participants.identifiers import (
    is_valid_participant_id,
    luhn_check_digit,
    new_participant_id,
    new_research_id,
)


def test_luhn_check_digit_matches_the_standard_example():
    # 7992739871 is the textbook Luhn example: its check digit is 3.
    assert luhn_check_digit("7992739871") == "3"


def test_participant_id_format_and_check_digit():
    for _ in range(500):
        pid = new_participant_id()
        assert len(pid) == 10 and pid[0] == "P" and pid[1:].isdigit()
        assert is_valid_participant_id(pid)


def test_one_mistyped_digit_is_caught():
    pid = new_participant_id()
    for position in range(1, 10):
        wrong = str((int(pid[position]) + 1) % 10)
        typo = pid[:position] + wrong + pid[position + 1 :]
        assert not is_valid_participant_id(typo)


def test_ids_are_random_not_sequential_and_independent():
    pids = [new_participant_id() for _ in range(2000)]
    rids = [new_research_id() for _ in range(2000)]
    assert len(set(pids)) == 2000 and len(set(rids)) == 2000
    numbers = sorted(int(p[1:9]) for p in pids)
    gaps = {b - a for a, b in itertools.pairwise(numbers)}
    assert len(gaps) > 100  # not a sequence
    assert all(r[0] == "R" and len(r) == 12 for r in rids)
    assert not any(p[1:9] in r for p, r in zip(pids, rids, strict=True))

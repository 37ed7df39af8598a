"""The comprehension check asked before the primary consent (texts/comprehension.json)."""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

QUESTIONS_FILE = Path(__file__).resolve().parent / "texts" / "comprehension.json"


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    options: tuple[Option, ...]
    correct: str
    explanation: str


@cache
def _raw() -> tuple[list[dict], str]:
    data = QUESTIONS_FILE.read_bytes()
    return json.loads(data), hashlib.sha256(data).hexdigest()


def questions_sha256() -> str:
    return _raw()[1]


def comprehension_questions(language: str) -> list[Question]:
    lang = "es" if language == "es" else "en"
    return [
        Question(
            code=q["code"],
            text=q["question"][lang],
            options=tuple(Option(o["code"], o["label"][lang]) for o in q["options"]),
            correct=q["correct"],
            explanation=q["explanation"][lang],
        )
        for q in _raw()[0]
    ]


def comprehension_grade(answers: dict[str, str]) -> dict[str, bool]:
    """{question code: answered correctly}; a missing answer counts as wrong."""
    return {q["code"]: answers.get(q["code"]) == q["correct"] for q in _raw()[0]}

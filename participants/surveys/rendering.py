"""What a survey page template needs: each visible item with its texts, ids and values.

Templates get plain data; they never evaluate branching. Everything here is text, and the
templates escape it (free text is stored as typed: `<script>` stays `<script>` in the
database and is shown as those characters).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from participants.surveys.branching import visible_items
from participants.surveys.definition import (
    RESERVED_OPTION_CODES,
    Item,
    SurveyDefinition,
)
from participants.surveys.validation import DEFAULT_MAX_TEXT_LENGTH, PageError

# Chrome strings that belong with the survey text rather than the page (so a survey page
# shown in Spanish reads in Spanish even when only the survey has that language).
DATE_PARTS = {
    "en": (("month", "Month"), ("day", "Day"), ("year", "Year")),
    "es": (("day", "Día"), ("month", "Mes"), ("year", "Año")),
}


@dataclass
class OptionView:
    code: str
    label: str
    input_id: str
    checked: bool
    exclusive: bool = False


@dataclass
class DatePartView:
    name: str
    label: str
    input_id: str
    value: str
    size: int


@dataclass
class ItemView:
    code: str
    type: str
    widget: str  # radios, checkboxes, text, textarea, number, date, descriptive, computed
    text: str
    help: str
    required: bool
    input_id: str
    value: str = ""
    options: list[OptionView] = field(default_factory=list)
    # PNA / DK beside a typed input, posted under the item's own name.
    specials: list[OptionView] = field(default_factory=list)
    error: str = ""
    unit: str = ""
    inputmode: str = ""
    max_length: int | None = None
    scale_labels: list[str] = field(default_factory=list)
    date_parts: list[DatePartView] = field(default_factory=list)
    # Staff previews draw every item; this marks those that branching may hide.
    conditional: bool = False
    # Filled in from the participant's profile (surveys.services.PROFILE_PREFILL).
    prefilled: bool = False

    @property
    def help_id(self) -> str:
        return f"{self.input_id}-help"

    @property
    def error_id(self) -> str:
        return f"{self.input_id}-error"

    @property
    def legend_id(self) -> str:
        return f"{self.input_id}-legend"

    @property
    def grouped(self) -> bool:
        """Drawn as a fieldset with a legend (choices, scale, date, or input + PNA/DK)."""
        return self.widget in {"radios", "checkboxes", "date"} or bool(self.specials)

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(self.help_id)
        if self.unit:
            ids.append(f"{self.input_id}-unit")
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def focus_id(self) -> str:
        """Where an error-summary link should land: the first control of the item."""
        if self.options:
            return self.options[0].input_id
        if self.date_parts:
            return self.date_parts[0].input_id
        return self.input_id


def survey_language(definition: SurveyDefinition, language: str) -> str:
    """The language the survey's own texts will be in: the asked one, else the first."""
    return language if language in definition.languages else definition.languages[0]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def _posted(raw_post: Mapping[str, Sequence[str] | str], name: str) -> list[str]:
    values = raw_post.get(name, [])
    return [values] if isinstance(values, str) else [v for v in values if isinstance(v, str)]


def _widget(item: Item) -> str:
    if item.type == "single_choice" or item.type == "scale":
        return "radios"
    if item.type == "multiple_choice":
        return "checkboxes"
    if item.type == "free_text":
        return "textarea" if item.multiline else "text"
    if item.type in {"integer", "decimal", "year"}:
        return "number"
    return item.type  # date, descriptive, computed


def item_view(
    definition: SurveyDefinition,
    item: Item,
    language: str,
    *,
    answer: Any,
    posted: Mapping[str, Sequence[str] | str] | None,
    error: PageError | None,
) -> ItemView:
    """One item ready to draw. `posted` (the failed POST) wins over the stored answer, so a
    participant whose page came back with an error never loses what they typed."""
    text_of = definition.text
    widget = _widget(item)
    view = ItemView(
        code=item.code,
        type=item.type,
        widget=widget,
        text=text_of(item.text, language),
        help=text_of(item.help, language),
        required=item.required,
        input_id=f"q-{item.code}",
        error=error.message if error else "",
    )
    if posted is not None:
        chosen = [v.strip() for v in _posted(posted, item.code)]
    elif isinstance(answer, list):
        chosen = [str(v) for v in answer]
    else:
        chosen = [_as_text(answer)] if answer is not None else []

    if widget in {"radios", "checkboxes"} and item.type != "scale":
        view.options = [
            OptionView(
                code=option.code,
                label=text_of(option.label, language),
                input_id=f"q-{item.code}-{index}",
                checked=option.code in chosen,
                exclusive=option.exclusive,
            )
            for index, option in enumerate(item.options)
        ]
        return view

    specials = [option for option in item.options if option.code in RESERVED_OPTION_CODES]
    view.specials = [
        OptionView(
            code=option.code,
            label=text_of(option.label, language),
            input_id=f"q-{item.code}-{option.code.lower()}",
            checked=option.code in chosen,
        )
        for option in specials
    ]
    typed = [v for v in chosen if v not in {o.code for o in specials}]

    if item.type == "scale":
        assert item.scale is not None  # noqa: S101 - guaranteed by load_definition
        low, high = item.scale["min"], item.scale["max"]
        view.options = [
            OptionView(
                code=str(n),
                label=str(n),
                input_id=f"q-{item.code}-{n - low}",
                checked=str(n) in typed,
            )
            for n in range(low, high + 1)
        ]
        for key, position in (("min_label", low), ("mid_label", None), ("max_label", high)):
            if item.scale.get(key):
                label = text_of(item.scale[key], language)
                view.scale_labels.append(f"{position}: {label}" if position is not None else label)
        # The specials join the radios of a scale: one choice among all.
        view.options += view.specials
        view.specials = []
        return view

    if item.unit:
        view.unit = text_of(item.unit.get("label"), language)
    if widget == "number":
        view.inputmode = "decimal" if item.type == "decimal" else "numeric"
        view.max_length = 4 if item.type == "year" else 20
    if item.type == "free_text":
        view.max_length = item.validation.get("max_length", DEFAULT_MAX_TEXT_LENGTH)
    if item.type == "date":
        parts = dict.fromkeys(("year", "month", "day"), "")
        if posted is not None:
            for name in parts:
                values = _posted(posted, f"{item.code}__{name}")
                parts[name] = values[0] if values else ""
        elif typed and len(typed[0]) == 10:
            parts["year"], parts["month"], parts["day"] = typed[0].split("-")
        labels = DATE_PARTS.get(language, DATE_PARTS["en"])
        view.date_parts = [
            DatePartView(
                name=f"{item.code}__{name}",
                label=label,
                input_id=f"q-{item.code}-{name}",
                value=parts[name],
                size=4 if name == "year" else 2,
            )
            for name, label in labels
        ]
        return view
    view.value = typed[0] if typed else ""
    return view


def page_items(
    definition: SurveyDefinition,
    page_code: str,
    answers: Mapping[str, Any],
    language: str,
    *,
    posted: Mapping[str, Sequence[str] | str] | None = None,
    errors: Mapping[str, PageError] | None = None,
    show_all: bool = False,
) -> list[ItemView]:
    """The page's items a participant sees now (`show_all` for staff previews)."""
    if show_all:
        items = list(definition.page(page_code).items)
    else:
        items = visible_items(definition, answers, page_code=page_code)
    errors = errors or {}
    views = []
    for item in items:
        view = item_view(
            definition,
            item,
            language,
            answer=answers.get(item.code),
            posted=posted,
            error=errors.get(item.code),
        )
        view.conditional = item.show_if is not None
        views.append(view)
    return views


def answer_text(definition: SurveyDefinition, item: Item, value: Any, language: str) -> str:
    """An answer as the participant would say it, for the review page."""
    values = value if isinstance(value, list) else [value]
    parts = []
    for one in values:
        option = item.option(one) if isinstance(one, str) else None
        if option is not None:
            parts.append(definition.text(option.label, language))
        else:
            text = _as_text(one)
            if item.unit and not isinstance(one, str):
                text = f"{text} {definition.text(item.unit.get('label'), language)}"
            parts.append(text)
    return "; ".join(parts)

"""The seams between apps: every registry one app fills and another app calls.

A lower app (portal, participants) calls a hook; a higher app (results, staff, the
participant sub-apps) registers its function here in its `AppConfig.ready()`. That way
`portal` imports no app and `participants` never imports `results`, and a newcomer finds
every cross-app call in this one file. docs/architecture.md lists them with their callers.

Every hook runs in the caller's transaction unless it says otherwise, and must be
idempotent: a retried task or a double submit may call it twice. Registering the same
function twice is a no-op.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Hook = Callable[..., Any]


def _add(registry: list, hook: Hook) -> None:
    if hook not in registry:
        registry.append(hook)


# --- /me/ home page panels -------------------------------------------------------------
# `fn(request, participant) -> {"banners": [...], "sections": [...], "context": {...}}`
# where a banner is `{"text", "url", "action"}` and a section is a template name rendered
# with the page's context. Called by participants.views.home.
_home_panels: list[Hook] = []


def register_home_panel(provider: Hook) -> None:
    _add(_home_panels, provider)


def home_panels(request, participant) -> dict:
    banners: list[dict] = []
    sections: list[str] = []
    extra: dict = {}
    for provider in _home_panels:
        panel = provider(request, participant) or {}
        banners += panel.get("banners", [])
        sections += panel.get("sections", [])
        extra.update(panel.get("context", {}))
    return {"banners": banners, "sections": sections, **extra}


# --- profile saved -------------------------------------------------------------------
# `fn(participant=, changed=, first_time=)` after every profile save, inside its
# transaction, with the names of the changed fields. Called by
# participants.enrollment.profile_update.
_profile_saved: list[Hook] = []


def register_profile_saved_hook(hook: Hook) -> None:
    _add(_profile_saved, hook)


def profile_saved_hooks() -> list[Hook]:
    return list(_profile_saved)


# --- withdrawal ----------------------------------------------------------------------
# `fn(participant=, tier=, actor=)`: downstream effects of a withdrawal (reports hidden,
# queued work cancelled, extracts flagged), inside the withdrawal's transaction.
# Called by participants.enrollment.participant_withdraw.
_withdrawal_effects: list[Hook] = []


def register_withdrawal_effect(effect: Hook) -> None:
    _add(_withdrawal_effects, effect)


def withdrawal_effects() -> list[Hook]:
    return list(_withdrawal_effects)


# --- genomic results no longer wanted ------------------------------------------------
# `fn(participant=, actor=)` when a participant stops wanting genomic results (gror
# withdrawn or changed away from "yes"), inside the transaction, so the results app can
# hide reports. Called by participants.consent.services.
_gror_withdrawn: list[Hook] = []


def register_gror_withdrawn_hook(hook: Hook) -> None:
    _add(_gror_withdrawn, hook)


def gror_withdrawn(*, participant, actor) -> None:
    for hook in _gror_withdrawn:
        hook(participant=participant, actor=actor)


# --- data use resumed ----------------------------------------------------------------
# `fn(participant=, actor=)` when the last "pause data use until re-consent" campaign
# waiting for a participant lifts, inside that transaction, so held work is queued again.
# Called by participants.consent.campaigns.data_use.data_use_resume_if_lifted.
_data_use_resumed: list[Hook] = []


def register_data_use_resumed_hook(hook: Hook) -> None:
    _add(_data_use_resumed, hook)


def data_use_resumed(*, participant, actor) -> None:
    for hook in _data_use_resumed:
        hook(participant=participant, actor=actor)


# --- journey state changed -----------------------------------------------------------
# `fn(participant=, from_state=, to_state=)` in the transaction of every journey state
# change, to keep derived data (dashboard summaries) in step. Called by
# participants.journey and participants.enrollment.
_state_changed: list[Hook] = []


def register_state_change_hook(hook: Hook) -> None:
    _add(_state_changed, hook)


def state_changed(*, participant, from_state: str, to_state: str) -> None:
    for hook in _state_changed:
        hook(participant=participant, from_state=from_state, to_state=to_state)


# --- duplicate accounts merged -------------------------------------------------------
# `fn(keep=, retire=) -> int` (rows moved), by name, inside the merge's transaction.
# Called by participants.duplicates.services.
_merge_movers: dict[str, Hook] = {}


def register_merge_mover(name: str, mover: Hook) -> None:
    _merge_movers[name] = mover


def merge_movers() -> dict[str, Hook]:
    return dict(_merge_movers)


# --- the participant's copy of their data --------------------------------------------
# `fn(participant=, tier=, language=, builder=, files=, subject=) -> {"reports": n, ...}`
# adds its resources to the FHIR bundle and its files to the zip; the counts are added to
# the export's contents. Called by participants.data_export.build_zip (in the task).
_data_export_sections: list[Hook] = []


def register_data_export_section(section: Hook) -> None:
    _add(_data_export_sections, section)


def data_export_sections() -> list[Hook]:
    return list(_data_export_sections)


# --- kit tracker ---------------------------------------------------------------------
# `fn(participant, since) -> (sample_at, results_at)`: when the lab first read DNA of the
# participant after `since` (a kit's arrival), and when results were released after that.
# Called by participants.kits.selectors.tracker; none registered means neither happened.
_kit_progress: list[Hook] = []


def register_kit_progress(fn: Hook) -> None:
    _add(_kit_progress, fn)


def kit_progress(participant, since) -> tuple[Any, Any]:
    for fn in _kit_progress:
        return fn(participant, since)
    return None, None


# --- language chosen -----------------------------------------------------------------
# `fn(user=, language=)` when a logged-in user picks a language in the switcher.
# Called by portal.language.set_language.
_language_chosen: list[Hook] = []


def register_language_chosen_hook(hook: Hook) -> None:
    _add(_language_chosen, hook)


def language_chosen(*, user, language: str) -> None:
    for hook in _language_chosen:
        hook(user=user, language=language)


# --- time zone of a request ----------------------------------------------------------
# `fn(request) -> str | None`: the IANA zone to show times in. The first answer wins.
# Called by portal.middleware.TimeZoneMiddleware.
_time_zone_sources: list[Hook] = []


def register_time_zone_source(fn: Hook) -> None:
    _add(_time_zone_sources, fn)


def time_zone_for_request(request) -> str | None:
    for fn in _time_zone_sources:
        zone = fn(request)
        if zone:
            return zone
    return None


# --- private files -------------------------------------------------------------------
@dataclass(frozen=True)
class PrivateFiles:
    """A private-storage folder in which every file belongs to a row.

    `folder` ends in "/"; `columns` are the `("app_label.Model", "field")` CharFields that
    hold names of files in it (every FileField of every model is checked anyway);
    `never_sweep` returns folders inside it that hold operators' files, never swept.
    """

    folder: str
    columns: tuple[tuple[str, str], ...] = ()
    never_sweep: Callable[[], Iterable[str]] | None = field(default=None, compare=False)


# Called by portal.storage_sweep (the orphaned-file sweep).
_private_files: dict[str, PrivateFiles] = {}


def register_private_files(
    folder: str,
    *,
    columns: Iterable[tuple[str, str]] = (),
    never_sweep: Callable[[], Iterable[str]] | None = None,
) -> None:
    parts = folder.split("/")[:-1]
    if not parts or not folder.endswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise ValueError(f"not a safe storage folder to sweep: {folder!r}")
    _private_files[folder] = PrivateFiles(folder, tuple(columns), never_sweep)


def private_files() -> list[PrivateFiles]:
    return list(_private_files.values())


# --- demo seeding (`make run`) -------------------------------------------------------
# `fn() -> [(email, password, what), ...]`, in `order`, all in one transaction; a log-in
# already listed gets "; what" added. Then each cohort seeder `fn(participants=, stdout=)`
# tops the synthetic cohort up. Called by portal.demo (`manage.py seed_demo`);
# idempotent: `make run` calls it on every start.
_demo_seeders: list[tuple[int, str, Hook]] = []
_demo_cohort: list[Hook] = []


def register_demo_seeder(name: str, fn: Hook, *, order: int) -> None:
    if all(existing != name for _order, existing, _fn in _demo_seeders):
        _demo_seeders.append((order, name, fn))
        _demo_seeders.sort(key=lambda item: item[0])


def demo_seeders() -> list[tuple[str, Hook]]:
    return [(name, fn) for _order, name, fn in _demo_seeders]


def register_demo_cohort(fn: Hook) -> None:
    _add(_demo_cohort, fn)


def demo_cohort_seeders() -> list[Hook]:
    return list(_demo_cohort)

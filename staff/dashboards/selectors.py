"""Reads behind the aggregate exports (suppressed; never participant-level)."""

from participants.journey import ORDER
from portal.disclosure import SUPPRESSED_TEXT, suppress_matrix
from portal.models import Site
from staff.dashboards.figures import STAGE_LABELS, Filters, dashboard_figures, enrolled_atoms


def _cell(value: int | None) -> str:
    return SUPPRESSED_TEXT if value is None else str(value)


def export_rows(table: str, filters: Filters) -> list[list[object]]:
    """Header + rows of one aggregate table, suppressed. Never participant-level."""
    if table == "weekly":
        # Sums of atom cells (week x site x language) of 20 or more: see figures.py.
        counts: dict[tuple, int] = {}
        trues: dict[tuple, int] = {}
        for week, site_id, _language, kept, true in enrolled_atoms(filters):
            counts[week, site_id] = counts.get((week, site_id), 0) + kept
            trues[week, site_id] = trues.get((week, site_id), 0) + true
        sites = {s.pk: s.name for s in Site.objects.all()} | {0: "No site yet"}
        site_ids = sorted({s for _w, s in counts})
        weeks = sorted({w for w, _s in counts})
        matrix = [[counts.get((w, s), 0) for s in site_ids] for w in weeks]
        hidden = suppress_matrix(matrix) if matrix else []
        header = ["week starting", *[sites.get(s, str(s)) for s in site_ids]]
        return [header] + [
            [
                w.isoformat(),
                *[
                    _cell(None if v == 0 and trues.get((w, s), 0) else v)
                    for s, v in zip(site_ids, row, strict=True)
                ],
            ]
            for w, row in zip(weeks, hidden, strict=True)
        ]
    fig = dashboard_figures(filters)
    if table == "funnel":
        return [["stage", "participants"]] + [[c.label, _cell(c.value)] for c in fig.funnel]
    if table == "by_site":
        header = ["site", *[STAGE_LABELS[s] for s in ORDER], "enrolled in period"]
        return [header] + [[r["site"], *[_cell(v) for v in r["values"]]] for r in fig.by_site]
    if table == "by_state":
        return [["state", "enrolled"]] + [[c.label, _cell(c.value)] for c in fig.by_state]
    rows: list[list[object]] = [["breakdown", "group", "enrolled"]]
    for name, cells in fig.breakdowns.items():
        rows += [[name, c.label, _cell(c.value)] for c in cells]
    return rows

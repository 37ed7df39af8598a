"""What a traits report says."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import labels, wording
from .common import _label, _summary


def build(context: dict[str, Any], interpretation: dict[str, Any]) -> None:
    rows = []
    raw = interpretation.get("traits") or {}
    # A fixed order (the catalogue's), so two reports always list traits the same way.
    order = {rsid: n for n, rsid in enumerate(labels.TRAIT_NAMES)}
    for rsid in sorted(raw, key=lambda r: (order.get(r, len(order)), r)):
        trait = raw[rsid] or {}
        status_raw = trait.get("status")
        status = labels.TYPICAL if status_raw == "called" else labels.NOT_DETERMINED
        count = trait.get("effect_allele_count")
        if status == labels.TYPICAL and count is not None:
            plain = ngettext(
                "You carry %(n)d copy of the variant linked to this trait.",
                "You carry %(n)d copies of the variant linked to this trait.",
                int(count),
            ) % {"n": int(count)}
        else:
            # Never a result: no genotype, no interpretation, only that it was not read.
            plain = str(wording.TRAIT_UNREAD_WHY)
        called = status == labels.TYPICAL
        rows.append(
            {
                "rsid": str(rsid),
                "name": _label(labels.TRAIT_NAMES, rsid) or str(rsid),
                "gene": str(trait.get("gene") or ""),
                "genotype": str(trait.get("genotype") or "") if called else "",
                "effect_allele": str(trait.get("effect_allele") or ""),
                "effect_allele_count": "" if count is None or not called else str(count),
                "interpretation_en": str(trait.get("interpretation") or "") if called else "",
                "status": status,
                "status_label": str(_("read") if called else wording.TRAIT_UNREAD),
                "plain": plain,
            }
        )
    context["traits"] = rows
    read = [r for r in rows if r["status"] == labels.TYPICAL]
    context["summary"] = _summary(
        found=[
            ngettext(
                "We looked at %(n)d DNA position linked to everyday traits.",
                "We looked at %(n)d DNA positions linked to everyday traits.",
                len(rows),
            )
            % {"n": len(rows)},
            ngettext("We could read %(n)d of them.", "We could read %(n)d of them.", len(read))
            % {"n": len(read)},
        ],
        means=[
            _(
                "These results are for interest only. They can be fun to compare with what "
                "you know about yourself."
            )
        ],
        not_mean=[
            _(
                "They are not medical results. Traits depend on many genes and on your "
                "environment, so your DNA does not decide them."
            )
        ],
        next_steps=[_("No action is needed.")],
    )
    context["title"] = _("Your DNA and everyday traits")
    context["chart"] = {
        "title": _("Trait positions we checked"),
        "description": _(
            "One row per DNA position: a circle means we read it, a square with a question "
            "mark means not determined."
        ),
        "rows": [
            {"label": r["name"], "status": r["status"], "status_label": r["status_label"]}
            for r in rows
        ],
    }

"""What kits add to /me/: the tracker section once the participant may order a kit."""

from participants.kits import selectors
from participants.kits.services import may_order


def kits_home_panel(request, participant) -> dict:
    kit = selectors.current_kit(participant)
    if kit is None and not may_order(participant):
        return {}
    return {
        "sections": ["kits/home_section.html"],
        "context": {
            "kit_panel": {
                "kit": kit,
                "stages": selectors.tracker(participant, kit) if kit else [],
            }
        },
    }

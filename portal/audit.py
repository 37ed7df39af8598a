from typing import Any

from django.db import models

from portal.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: Any = None,
    participant: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Writes one audit row. Call it inside the service's transaction."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        participant=participant,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        data=data or {},
    )

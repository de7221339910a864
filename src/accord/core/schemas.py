"""API shapes shared by every app."""

from ninja import ModelSchema

from accord.core.models import AuditEntry


class AuditEntryOut(ModelSchema):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "timestamp",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "subject",
            "before",
            "after",
            "request_id",
        ]

"""The models of seguimiento, one module per subject; imported from here by every caller."""

from seguimiento.models.figures import AllianceFigures, NationalFigures
from seguimiento.models.imports import Import
from seguimiento.models.record import (
    OPEN_STATUSES,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    CommitmentUpdate,
    Export,
    HealthCheck,
    HealthCheckAnswer,
    Measurement,
    MeasurementCorrection,
)
from seguimiento.models.reminders import (
    EmailOptOut,
    OutgoingMessage,
    Reminder,
    ReminderClaim,
    ReminderPolicy,
    ReminderRule,
)

__all__ = [
    "OPEN_STATUSES",
    "AllianceFigures",
    "Commitment",
    "CommitmentKind",
    "CommitmentStatus",
    "CommitmentUpdate",
    "EmailOptOut",
    "Export",
    "HealthCheck",
    "HealthCheckAnswer",
    "Import",
    "Measurement",
    "MeasurementCorrection",
    "NationalFigures",
    "OutgoingMessage",
    "Reminder",
    "ReminderClaim",
    "ReminderPolicy",
    "ReminderRule",
]

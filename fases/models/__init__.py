"""The models of fases, one module per subject; imported from here by every caller."""

from fases.models.agreements import (  # noqa: F401
    Agreement,
    AgreementContribution,
    AgreementSignature,
    AgreementVersion,
    SignatureMethod,
    agreement_of,
    current_agreement,
)
from fases.models.evaluation import (  # noqa: F401
    Evaluation,
    EvaluationRating,
    current_evaluation,
    evaluations_so_far,
)
from fases.models.governance import (  # noqa: F401
    ActionPoint,
    CalendarFeed,
    CommitteeMember,
    CommitteeRole,
    Decision,
    Meeting,
    Risk,
)
from fases.models.network import NetworkFigures  # noqa: F401

"""Every system table, gathered so Alembic sees the whole schema."""

from app.auth.models import ApiToken, LoginFailure, Role, Team, User  # noqa: F401
from metadata.models import Document, DocumentVersion  # noqa: F401
from metadata.orm import Base
from runtime.capture.imports.models import Import, ImportRow  # noqa: F401
from runtime.capture.models import (  # noqa: F401
    CaptureCounter,
    IdempotentRequest,
    WebhookDelivery,
    WebhookEndpoint,
)
from runtime.events.models import EventDelivery, RecordEventRow  # noqa: F401
from runtime.exports.models import Export  # noqa: F401
from runtime.identity.models import (  # noqa: F401
    IdentityBlock,
    IdentityCandidate,
    IdentityKey,
    IdentityMerge,
    IdentityScan,
    IdentityTombstone,
)
from runtime.jobs.models import PeriodicRun  # noqa: F401
from runtime.notify.models import MessageClick, OutboxMessage, Unsubscribe  # noqa: F401
from runtime.routing.models import RecordAssignment, RoutingCursor, RoutingMember  # noqa: F401
from runtime.rules.models import (  # noqa: F401
    Incident,
    Notification,
    RuleJob,
    ScheduledRun,
    ScoreEntry,
)
from runtime.storage.models import Attachment, AuditEntry, FormTable, Sequence  # noqa: F401
from runtime.workflows.models import (  # noqa: F401
    WorkflowInstance,
    WorkflowStep,
    WorkflowTask,
    WorkflowTimer,
    WorkflowToken,
)

target_metadata = Base.metadata

"""Import every domain's tables so metadata (and Alembic) sees the whole schema."""
from onecast.analytics import models as analytics_indexes  # noqa: F401
from onecast.billing.models import BillingAccount, LedgerEntry  # noqa: F401
from onecast.channels.models import Channel  # noqa: F401
from onecast.channels.sandbox.models import SandboxDelivery, SandboxSettings  # noqa: F401
from onecast.channels.sms_smpp.models import SmppPart, SmppPendingReceipt  # noqa: F401
from onecast.channels.whatsapp.models import WhatsAppSession  # noqa: F401
from onecast.compat.bird.models import BirdMessage  # noqa: F401
from onecast.content.models import ContentFile, ContentSettings  # noqa: F401
from onecast.delivery.models import OutboxJob  # noqa: F401
from onecast.devices.models import PushDevice  # noqa: F401
from onecast.inbound_email.models import Email2SmsAdaptor  # noqa: F401
from onecast.kit.db import Base
from onecast.kit.models import Event, IdempotencyRecord  # noqa: F401
from onecast.links.models import ShortLink  # noqa: F401
from onecast.messages.models import Message, MessageStatusEvent  # noqa: F401
from onecast.profiles.audiences.models import Audience  # noqa: F401
from onecast.profiles.imports.models import ProfileImport, ProfileImportRow  # noqa: F401
from onecast.profiles.models import Profile  # noqa: F401
from onecast.retention.models import RetentionPolicy  # noqa: F401
from onecast.rules.models import InboundRule, OptInChange  # noqa: F401
from onecast.spaces.models import Account, ApiKey, ApiSpace  # noqa: F401
from onecast.templates.models import Template, TemplateApproval  # noqa: F401
from onecast.verify.models import VerifyRequest  # noqa: F401
from onecast.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookOutbox  # noqa: F401

metadata = Base.metadata
from onecast.appusers.models import AppSession, AuthChallenge, SpaceAuthConfig  # noqa: F401
from onecast.chat.models import AgentPresence, Chat, ChatTeam  # noqa: F401
from onecast.console.models import ConsoleLoginFailures, ConsoleSession, ConsoleUser  # noqa: F401
from onecast.conversations.models import (  # noqa: F401
    Conversation,
    ConversationEvent,
    ConversationMessage,
    ConversationParticipant,
)
from onecast.realtime.models import LargeNotice, SocketConnection  # noqa: F401
from onecast.spacepush.models import SpacePushCredential  # noqa: F401

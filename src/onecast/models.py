"""Import every domain's tables so metadata (and Alembic) sees the whole schema."""
from onecast.channels.models import Channel  # noqa: F401
from onecast.channels.sandbox.models import SandboxDelivery, SandboxSettings  # noqa: F401
from onecast.delivery.models import OutboxJob  # noqa: F401
from onecast.kit.db import Base
from onecast.kit.models import Event, IdempotencyRecord  # noqa: F401
from onecast.messages.models import Message, MessageStatusEvent  # noqa: F401
from onecast.profiles.models import Profile  # noqa: F401
from onecast.spaces.models import Account, ApiKey, ApiSpace  # noqa: F401

metadata = Base.metadata
from onecast.appusers.models import AppSession, AuthChallenge, SpaceAuthConfig  # noqa: F401
from onecast.conversations.models import Conversation, ConversationEvent, ConversationMessage  # noqa: F401
from onecast.conversations.models import ConversationParticipant  # noqa: F401
from onecast.realtime.models import LargeNotice, SocketConnection  # noqa: F401
from onecast.chat.models import AgentPresence, Chat, ChatTeam  # noqa: F401

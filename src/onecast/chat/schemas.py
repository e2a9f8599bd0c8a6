"""Agent chat shapes (One API §8)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onecast.conversations.schemas import ConversationIdStr, MessagePost, ProfileIdStr, Text

Name = Annotated[str, StringConstraints(min_length=1, max_length=500)]
TeamIdStr = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f\x7f]+$")]
ChannelIdStr = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:.-]+$")]
HourMinute = Annotated[str, StringConstraints(max_length=5, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Day = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Weekend",
              "Monday to Friday"]


class ChatParticipant(BaseModel):
    id: ProfileIdStr
    role: Literal["agent", "participant"] = "participant"


class ChatContext(BaseModel):
    model_config = ConfigDict(extra="ignore")
    conversationId: ConversationIdStr | None = None


class ChatIn(BaseModel):
    id: ConversationIdStr | None = None
    name: Name
    teamId: TeamIdStr
    channelId: ChannelIdStr
    description: Text | None = None
    participants: Annotated[list[ChatParticipant], Field(max_length=100)] = []
    context: ChatContext | None = None


class ChatUpdate(BaseModel):
    name: Name
    description: Text | None = None


class ChatOut(BaseModel):
    id: str
    name: str
    description: str | None
    teamId: str
    originalTeamId: str
    channelId: str
    status: Literal["new", "replied", "closed"]
    agentId: str | None
    participants: list[ChatParticipant]
    context: dict[str, Any]
    etag: str = Field(alias="_etag")
    createdOn: str = Field(alias="_createdOn")
    updatedOn: str = Field(alias="_updatedOn")
    closedOn: str | None = Field(alias="_closedOn")
    isDeleted: bool = Field(alias="_isDeleted")


class AssignIn(BaseModel):
    teamId: TeamIdStr
    agentId: ProfileIdStr | None = None


class CloseIn(BaseModel):
    bypassMessage: bool = False


class ChannelIn(BaseModel):
    channelId: ChannelIdStr


class FormIn(BaseModel):
    formTemplateId: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class ChatMessagePost(MessagePost):
    isAutomatedSend: bool = False


class WelcomeMessage(BaseModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    timeout: Annotated[int, Field(ge=0, le=86_400)] = 0


class AppMessagingConfig(BaseModel):
    welcomeMessage: WelcomeMessage | None = None
    replyAs: Literal["team", "individual"] = "individual"


class WorkingHours(BaseModel):
    days: Day
    from_: HourMinute = Field(alias="from")
    to: HourMinute


class TeamSettings(BaseModel):
    closeMessage: Text | None = None
    avatarUrl: Annotated[str, StringConstraints(max_length=2000)] | None = None
    outOfHoursMessage: Text | None = None
    outOfHoursMessageEnabled: bool = False
    outOfHoursFormTemplateId: Annotated[str, StringConstraints(max_length=255)] | None = None
    workingHours: Annotated[list[WorkingHours], Field(max_length=50)] = []
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        "UTC", description="IANA time zone the working hours are in")


class TeamMember(BaseModel):
    username: ProfileIdStr


class TeamIn(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f\x7f]+$")]
    members: Annotated[list[TeamMember], Field(max_length=1000, description=(
        "The team's agents: sessions of these profiles act as agents in its chats"))] = []
    isPublic: bool | None = Field(None, description=(
        "Published for app users (the web widget, the SDK): they may open chats with the team. "
        "Omitted: a new team is not published, an existing one keeps its state"))


class TeamOut(BaseModel):
    id: str
    name: str
    members: list[TeamMember]
    isPublic: bool


class TeamConfigOut(BaseModel):
    teamId: str
    name: str
    isPublic: bool
    channels: dict[str, Any]
    settings: dict[str, Any] | None


class ChatConfigOut(BaseModel):
    teams: list[TeamConfigOut]


class ChannelConfig(BaseModel):
    """A team's config for one more channel (sms, fbMessenger, email): free fields, such as the
    number, page or address that routes inbound messages to this team."""

    model_config = ConfigDict(extra="allow")


class AgentPresenceOut(BaseModel):
    profileId: str
    status: Literal["away", "available", "offline"]
    isAway: bool
    isConnected: bool
    lastUpdatedOn: str | None


class UserPresenceOut(BaseModel):
    profileId: str
    status: Literal["online", "offline"]
    lastUpdatedOn: str | None
    createdOn: str | None

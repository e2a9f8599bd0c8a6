from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onecast.channels.schemas import ChannelIdStr

DOMAIN_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
SENDER_PATTERN = r"^([^@\s<>,;\"()\[\]\\]{1,64}@|@)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
Sender = Annotated[str, Field(max_length=320, pattern=SENDER_PATTERN)]


class Email2SmsIn(BaseModel):
    """How mail to <number>@<domain> becomes an SMS."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    enabled: bool = True
    domain: str = Field(max_length=253, pattern=DOMAIN_PATTERN,
                        description="Mail to <number>@<domain> is sent on as an SMS, e.g. sms.example.com. "
                                    "Point the domain's MX record at the Onecast inbound SMTP listener.")
    allowedSenders: list[Sender] = Field(min_length=1, max_length=100,
                                         description="Envelope senders allowed to send SMS: `user@example.com` "
                                                     "or a whole domain as `@example.com`")
    rules: list[ChannelIdStr] = Field(default_factory=lambda: ["sms"], min_length=1, max_length=5,
                                      description="Channels to send the SMS on, in order (as in a message's rules)")
    from_: str | None = Field(default=None, alias="from", min_length=2, max_length=15,
                              description="The SMS sender (channelOptions.sms.from)")
    content: Literal["body", "subject", "subjectAndBody"] = Field(
        default="body", description="What of the mail becomes the SMS text")
    endMarker: str | None = Field(default=None, min_length=1, max_length=50,
                                  description="Text from this marker on is dropped (e.g. a signature)")
    maxLength: int = Field(default=2000, ge=1, le=2000, description="The SMS text is cut to this many characters")

    @field_validator("domain")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("allowedSenders")
    @classmethod
    def _lower_senders(cls, value: list[str]) -> list[str]:
        return [sender.lower() for sender in value]

    @field_validator("rules")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a channel appears twice")
        return value


class Email2SmsOut(Email2SmsIn):
    createdOn: str
    updatedOn: str

"""Webhook configuration in and out (One API `WebhookConfigurationCreateUpdate`), deliveries, replay."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Name = Annotated[str, Field(min_length=1, max_length=200)]


class SubscriptionFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, examples=["channel"])
    value: str = Field(max_length=1000, examples=["sms"])


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(min_length=1, max_length=100, examples=["message.delivered"])
    filters: list[SubscriptionFilter] = Field(default_factory=list, max_length=20)


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["crm_system"])
    url: str = Field(min_length=1, max_length=2048, examples=["https://example.com/hooks/onecast"])
    secret: str | None = Field(None, min_length=1, max_length=255,
                               description="HMAC secret; generated (`whsec_...`) when absent on create, "
                                           "kept when absent on update")
    subscriptions: list[Subscription] = Field(default_factory=list, max_length=100)
    batch: bool = Field(False, description="Send events as a JSON array of up to maxBatchSize envelopes")
    maxBatchSize: int = Field(100, ge=1, le=500)
    batchTimeout: int = Field(60, ge=1, le=60, description="Seconds to wait for a batch to fill")
    enabled: bool = True


class WebhookOut(BaseModel):
    id: str
    name: str
    url: str
    secret: str
    subscriptions: list[Subscription]
    batch: bool
    maxBatchSize: int
    batchTimeout: int
    enabled: bool
    disabledReason: str | None = None
    createdOn: str = Field(alias="_createdOn")
    createdBy: str = Field(alias="_createdBy")
    updatedOn: str = Field(alias="_updatedOn")
    updatedBy: str = Field(alias="_updatedBy")
    deletedOn: str | None = Field(None, alias="_deletedOn")


class FilterOut(BaseModel):
    name: str
    path: str
    required: bool
    description: str


class EventTypeOut(BaseModel):
    type: str
    description: str
    filters: list[FilterOut]
    schema_: dict | None = Field(None, alias="schema")


class TemplateOut(BaseModel):
    name: str
    description: str
    events: list[str]


class AttemptOut(BaseModel):
    attemptedOn: str
    responseCode: int | None
    latencyMs: int
    outcome: str
    error: str | None


class DeliveryOut(BaseModel):
    id: str
    eventId: str
    eventName: str
    revision: int
    status: str = Field(description="pending, delivered or dead")
    attempts: int
    responseCode: int | None
    latencyMs: int | None
    error: str | None
    nextAttemptOn: str | None
    createdOn: str
    deliveredOn: str | None
    replay: bool
    attemptLog: list[AttemptOut]


class ReplayIn(BaseModel):
    """Either one event (`eventId`) or every subscribed event in [`from`, `to`)."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    eventId: str | None = Field(None, min_length=1, max_length=36)
    from_: datetime | None = Field(None, alias="from")
    to: datetime | None = None

    @model_validator(mode="after")
    def one_form(self) -> ReplayIn:
        if (self.eventId is None) == (self.from_ is None):
            raise ValueError("give either eventId or from (with an optional to)")
        if self.eventId is not None and self.to is not None:
            raise ValueError("to goes with from, not with eventId")
        return self


class ReplayOut(BaseModel):
    replayed: int
    deliveryIds: list[str]

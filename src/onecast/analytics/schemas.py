"""Analytics answers (One API OAS-anl): one entry per time bucket, oldest first."""
from __future__ import annotations

from pydantic import BaseModel

Counts = dict[str, int]


class Bucket(BaseModel):
    date: str
    dateUtc: str


class MessageAnalytics(Bucket):
    attempted: int
    failed: int
    queued: Counts
    queuedSegments: Counts
    success: Counts
    successSegements: Counts
    delivered: Counts
    deliveredSegements: Counts
    read: Counts
    readSegements: Counts
    undeliverable: Counts
    undeliverableSegements: Counts
    expired: Counts
    expiredSegements: Counts
    filtered: Counts
    inbound: Counts


class SmsOutboundAnalytics(Bucket):
    submitted: int
    delivered: int
    filtered: int
    undeliverable: int


class SmsInboundAnalytics(Bucket):
    received: int


class SmsTrackingAnalytics(Bucket):
    sent: int
    clicks: int
    uniqueClicks: int


class SmsVerifyAnalytics(Bucket):
    notVerifed: int
    verified: int
    expired: int
    locked: int


class SessionAnalytics(Bucket):
    started: dict[str, Counts]
    ended: int


class ConversationMessageAnalytics(Bucket):
    sent: int
    delivered: int
    read: int

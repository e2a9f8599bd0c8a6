"""Prometheus metrics of this process. Counters move only after the transaction that did the
work has committed (kit.db.after_commit), so a rolled-back send is never counted."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # the _created series double the output and nobody graphs them

REGISTRY = CollectorRegistry(auto_describe=True)

ACCEPTED = Counter("onecast_messages_accepted", "Messages accepted by the API", registry=REGISTRY)
STATUS = Counter("onecast_message_status", "Message status changes (sent, delivered, failed, ...)",
                 ["status", "direction"], registry=REGISTRY)
ACCEPT_TO_SENT = Histogram(
    "onecast_accept_to_sent_seconds", "Time from API accept to the provider taking the message",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600), registry=REGISTRY)
REQUEST_SECONDS = Histogram(
    "onecast_http_request_seconds", "HTTP request latency by route template", ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY)
QUEUE_DEPTH = Gauge("onecast_queue_depth", "Outbox jobs waiting for delivery", ["state"], registry=REGISTRY)
RATE_LIMITED = Counter("onecast_rate_limited_requests", "Requests refused with 429 by the per-key limit",
                       registry=REGISTRY)

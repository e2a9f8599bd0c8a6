"""Fault tests run real `onecast api` / `onecast worker` processes on a database of their own
(a SQLite file, or a throwaway database on the PostgreSQL of ONECAST_TEST_DATABASE_URL)."""
from __future__ import annotations

import os

import pytest

from tests.reliability.cluster import Cluster, Database

# Scaled-down timings for CI: a killed worker's jobs come back after the lease, transient
# failures are retried within a second, and there are enough attempts to outlast an outage
# of a few seconds. bench/faults.py runs the same scenarios with the full durations.
FAST = {"ONECAST_LEASE_SECONDS": "4", "ONECAST_RETRY_BASE_SECONDS": "0.2", "ONECAST_RETRY_MAX_SECONDS": "1",
        "ONECAST_MAX_ATTEMPTS": "60", "ONECAST_WORKER_CONCURRENCY": "4", "ONECAST_SMPP_REFRESH_SECONDS": "0.2",
        "ONECAST_IDEMPOTENCY_TAKEOVER_SECONDS": "3"}


@pytest.fixture
def cluster():
    database = Database(os.environ.get("ONECAST_TEST_DATABASE_URL"))
    running = Cluster(database, dict(FAST))
    try:
        yield running
    finally:
        running.stop()
        database.drop()

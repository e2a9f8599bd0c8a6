"""A custom channel's (or a webhook's) receiver for fault tests: checks the signature like CustomReceiver, notes
when (monotonic clock of the test process) each webhook-id arrived, takes a little time to
answer so sends are in flight when a process is killed, and can answer 500 for a while."""
from __future__ import annotations

import collections
import threading
import time
from typing import Any

from tests.peers.custom_receiver import CustomReceiver
from tests.peers.http_peer import Recorded


class CountingReceiver(CustomReceiver):
    def __init__(self, secret: str, answer_after: float = 0.02) -> None:
        super().__init__(secret)
        self.answer_after = answer_after
        self.failing = False  # True: every request is answered 500 and not counted
        self.arrivals: list[tuple[float, str, str]] = []  # (monotonic time, webhook-id, body text)
        self.refused = 0
        self.lock = threading.Lock()

    def route(self, request: Recorded) -> tuple[int, Any]:
        time.sleep(self.answer_after)
        if self.failing:
            with self.lock:
                self.refused += 1
            return 500, {"error": "receiver down"}
        status, body = super().route(request)
        if status == 200:
            with self.lock:
                self.arrivals.append((time.monotonic(), request.headers["webhook-id"], self.what(request.json)))
        return status, body

    @staticmethod
    def what(document: Any) -> str:
        """A custom channel's message: its body text; a platform event: "<name> <entity id>"."""
        document = document if isinstance(document, dict) else {}
        if "eventId" in document:
            return f"{document.get('name')} {(document.get('payload') or {}).get('id')}"
        return document.get("body", "")

    def counts(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(webhook_id for _, webhook_id, _ in self.arrivals)

    def first_arrival(self) -> dict[str, float]:
        first: dict[str, float] = {}
        with self.lock:
            for at, webhook_id, _ in self.arrivals:
                first.setdefault(webhook_id, at)
        return first

    def bodies(self) -> set[str]:
        with self.lock:
            return {body for _, _, body in self.arrivals}

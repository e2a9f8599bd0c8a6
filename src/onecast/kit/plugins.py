"""Resolve "module:attribute" strings from the registration lists (routers, providers, services)."""
from __future__ import annotations

import importlib
from typing import Any


def load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)

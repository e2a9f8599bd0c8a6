"""Provider names -> implementations; instances are built per configured channel and reused."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from onecast.channels.base import Provider
from onecast.channels.builtin import PROVIDERS
from onecast.kit.plugins import load
from onecast.kit.ratelimit import BucketMap
from onecast.kit.ssrf import AddressGuard

ProviderFactory = Callable[[dict[str, Any], Any], Provider]
# Built-in factories also take the outbound AddressGuard (for the URLs in configs and messages).
_FACTORIES: dict[str, Callable[[dict[str, Any], Any, AddressGuard], Provider]] = {}


def register(name: str, factory: ProviderFactory) -> None:
    _FACTORIES[name] = lambda config, db, guard: factory(config, db)


def provider_names() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def validate_config(name: str, config: dict[str, Any]) -> None:
    """A built-in provider may refuse a config that cannot work: a `validate_config(config)` beside
    its factory raises ValueError (with a `field` attribute naming the config key)."""
    target = PROVIDERS.get(name)
    if target is not None:
        check = getattr(importlib.import_module(target.partition(":")[0]), "validate_config", None)
        if check is not None:
            check(config)


def _load_builtin() -> None:
    for name, target in PROVIDERS.items():
        if name not in _FACTORIES:
            _FACTORIES[name] = _lazy(target)


def _lazy(target: str) -> Callable[[dict[str, Any], Any, AddressGuard], Provider]:
    """Import the provider's module on first use, so unused providers cost nothing."""
    def factory(config: dict[str, Any], db: Any, guard: AddressGuard) -> Provider:
        return load(target)(config, db, guard)
    return factory


class ProviderPool:
    """Keeps one provider instance per (channel row, revision), so connections are reused."""

    def __init__(self, db: Any, guard: AddressGuard | None = None) -> None:
        self.db = db
        self.guard = guard or AddressGuard()  # no settings: public addresses only
        self._instances: dict[tuple[str, int], Provider] = {}
        self.throttle = BucketMap()  # per-channel send rate, see delivery.throttle

    def get(self, provider: str, key: tuple[str, int], config: dict[str, Any]) -> Provider:
        _load_builtin()
        instance = self._instances.get(key)
        if instance is None:
            instance = _FACTORIES[provider](config, self.db, self.guard)
            self._instances[key] = instance
        return instance

    async def close(self) -> None:
        for instance in self._instances.values():
            await instance.close()
        self._instances.clear()

"""Provider names -> implementations; instances are built per configured channel and reused."""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from onecast.channels.base import Provider
from onecast.channels.builtin import PROVIDERS
from onecast.kit.plugins import load

ProviderFactory = Callable[[dict[str, Any], Any], Provider]
_FACTORIES: dict[str, ProviderFactory] = {}


def register(name: str, factory: ProviderFactory) -> None:
    _FACTORIES[name] = factory


def provider_names() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def check_config(name: str, config: dict[str, Any]) -> None:
    """A provider module may define `validate_config(config)`, raising ValueError (with a
    `field` attribute naming the config key) for a config it cannot work with."""
    target = PROVIDERS.get(name)
    validator = getattr(import_module(target.partition(":")[0]), "validate_config", None) if target else None
    if validator is not None:
        validator(config)


def _load_builtin() -> None:
    for name, target in PROVIDERS.items():
        if name not in _FACTORIES:
            _FACTORIES[name] = _lazy(target)


def _lazy(target: str) -> ProviderFactory:
    """Import the provider's module on first use, so unused providers cost nothing."""
    def factory(config: dict[str, Any], db: Any) -> Provider:
        return load(target)(config, db)
    return factory


class ProviderPool:
    """Keeps one provider instance per (channel row, revision), so connections are reused."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._instances: dict[tuple[str, int], Provider] = {}

    def get(self, provider: str, key: tuple[str, int], config: dict[str, Any]) -> Provider:
        _load_builtin()
        instance = self._instances.get(key)
        if instance is None:
            instance = _FACTORIES[provider](config, self.db)
            self._instances[key] = instance
        return instance

    async def close(self) -> None:
        for instance in self._instances.values():
            await instance.close()
        self._instances.clear()

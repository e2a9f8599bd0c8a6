"""An sms_smpp channel's `config`, read and checked once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onecast.channels.base import ConfigError
from onecast.channels.sms_encoding import sender_error

BIND_MODES = ("transceiver", "transmitter+receiver")


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int = 2775
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    bind_mode: str = "transceiver"
    binds: int = 1  # sessions per channel (pairs in transmitter+receiver mode)
    source_ton: int | None = None  # None: 5/0 for alphanumeric senders, 1/1 for numbers
    source_npi: int | None = None
    dest_ton: int = 1
    dest_npi: int = 1
    sender: str | None = None
    throughput: float = 0.0  # submit_sm per second for the whole channel; 0 = no limit
    window: int = 10  # requests in flight per bind
    enquire_link_seconds: float = 30.0
    response_timeout_seconds: float = 10.0
    submit_timeout_seconds: float = 30.0  # how long a send waits through reconnects and throttling
    reconnect_max_seconds: float = 30.0
    registered_delivery: bool = True

    @property
    def endpoint(self) -> tuple:
        """What identifies the connection: a change here needs new binds."""
        return (self.host, self.port, self.system_id, self.password, self.system_type, self.bind_mode, self.binds)


_FIELDS = {  # config key -> (attribute, type, lower bound, upper bound)
    "host": ("host", str, 1, 255), "port": ("port", int, 1, 65535), "systemId": ("system_id", str, 1, 15),
    "password": ("password", str, 0, 8), "systemType": ("system_type", str, 0, 12),
    "bindMode": ("bind_mode", str, 0, 40), "binds": ("binds", int, 1, 16),
    "sourceTon": ("source_ton", int, 0, 6), "sourceNpi": ("source_npi", int, 0, 18),
    "destTon": ("dest_ton", int, 0, 6), "destNpi": ("dest_npi", int, 0, 18), "from": ("sender", str, 2, 15),
    "throughputPerSecond": ("throughput", float, 0, 100000), "windowSize": ("window", int, 1, 1000),
    "enquireLinkSeconds": ("enquire_link_seconds", float, 0.05, 3600),
    "responseTimeoutSeconds": ("response_timeout_seconds", float, 0.1, 300),
    "submitTimeoutSeconds": ("submit_timeout_seconds", float, 0.1, 3600),
    "reconnectMaxSeconds": ("reconnect_max_seconds", float, 0.1, 3600),
    "registeredDelivery": ("registered_delivery", bool, 0, 1),
}
REQUIRED = ("host", "systemId")


def parse_config(config: dict[str, Any]) -> SmppConfig:
    """Raises ConfigError naming the `config.<key>` at fault."""
    values: dict[str, Any] = {}
    for key in REQUIRED:
        if key not in config:
            raise ConfigError(key, "is required for an sms_smpp channel")
    for key, value in config.items():
        if key not in _FIELDS:
            raise ConfigError(key, f"unknown setting; known: {', '.join(_FIELDS)}")
        attr, kind, low, high = _FIELDS[key]
        if kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(key, "must be true or false")
        elif kind is str:
            if not isinstance(value, str) or not low <= len(value) <= high:
                raise ConfigError(key, f"must be a string of {low} to {high} characters")
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
                raise ConfigError(key, f"must be a{'n integer' if kind is int else ' number'}")
            if not low <= value <= high:
                raise ConfigError(key, f"must be between {low} and {high}")
            value = kind(value)
        values[attr] = value
    if values.get("bind_mode", "transceiver") not in BIND_MODES:
        raise ConfigError("bindMode", f"must be one of {', '.join(BIND_MODES)}")
    if values.get("sender") and sender_error(values["sender"]):
        raise ConfigError("from", sender_error(values["sender"]))
    return SmppConfig(**values)


def validate_config(config: dict[str, Any]) -> None:
    parse_config(config)

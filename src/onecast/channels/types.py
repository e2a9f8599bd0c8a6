"""Built-in channel types and how each one addresses a recipient."""
from __future__ import annotations

# channel type -> the `to` / profile field that addresses a recipient on it
ADDRESS_FIELD = {
    "sms": "phoneNumber",
    "mms": "phoneNumber",
    "whatsApp": "phoneNumber",
    "rcs": "phoneNumber",
    "email": "email",
    "fbMessenger": "fbMessengerId",
    "telegram": "telegramChatId",
    "nativePush": "profileId",
    "appMessaging": "profileId",
}
BUILTIN_TYPES = tuple(ADDRESS_FIELD)
CUSTOM_TYPE = "custom"
PHONE_TYPES = {"sms", "mms", "whatsApp", "rcs"}
SMS_TYPES = {"sms", "mms"}


def address_field(channel_type: str, config: dict | None = None) -> str:
    if channel_type == CUSTOM_TYPE:
        return (config or {}).get("idField") or "profileId"
    return ADDRESS_FIELD[channel_type]

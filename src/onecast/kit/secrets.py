"""Secrets at rest: columns typed EncryptedJSON / EncryptedText are Fernet-encrypted in the
database with the process's keyring (ONECAST_SECRET_KEYS, or a key file). Several keys make
rotation possible: the first encrypts, all of them decrypt; `onecast secrets rotate` re-encrypts."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:v1:"
_keyring: MultiFernet | None = None
_settings: Any = None  # where to find or make the key file when a secret is first needed


class SecretKeyMissing(RuntimeError):
    pass


def configure(keys: list[str]) -> None:
    global _keyring, _settings
    _settings = None
    try:
        _keyring = MultiFernet([Fernet(key.strip().encode()) for key in keys if key.strip()])
    except (ValueError, TypeError):
        raise SecretKeyMissing("a secret key is not a Fernet key (`onecast secrets generate-key` makes one)") from None


def generate_key() -> str:
    return Fernet.generate_key().decode()


def key_file_for(settings: Any) -> Path:
    """ONECAST_SECRET_KEY_FILE, else beside the SQLite database file, else in the working directory."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///"):]).resolve().parent / "onecast-secret.key"
    return Path("onecast-secret.key").resolve()


def read_key_file(path: Path, *, create: bool) -> list[str]:
    if not path.exists():
        if not create:
            return []
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key() + "\n")
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def configure_from(settings: Any) -> None:
    """Keys from ONECAST_SECRET_KEYS (comma separated, first encrypts) or the key file, which is
    made with a new key when a secret is first stored (so `make run` needs no setup)."""
    global _keyring, _settings
    keys = [k for k in settings.secret_keys.split(",") if k.strip()] if settings.secret_keys else []
    if keys:
        configure(keys)
    else:
        _keyring, _settings = None, settings


def _ring() -> MultiFernet:
    if _keyring is None:
        from onecast.config import Settings

        configure(read_key_file(key_file_for(_settings or Settings.from_env()), create=True))
    assert _keyring is not None  # configure() set it
    return _keyring


def encrypt_text(plain: str) -> str:
    return PREFIX + _ring().encrypt(plain.encode()).decode()


def decrypt_text(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was turned on; `secrets rotate` encrypts it
    try:
        return _ring().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise SecretKeyMissing("a stored secret cannot be decrypted with the configured keys "
                               "(ONECAST_SECRET_KEYS / the key file)") from None


def rotate_text(stored: str) -> str:
    """The same secret, encrypted with the first key (plaintext is encrypted)."""
    if not stored.startswith(PREFIX):
        return encrypt_text(stored)
    return PREFIX + _ring().rotate(stored[len(PREFIX):].encode()).decode()


class EncryptedText(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt_text(value)


class EncryptedJSON(TypeDecorator):
    """A JSON document stored encrypted: it cannot be queried in SQL, only read whole."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else encrypt_text(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return json.loads(decrypt_text(value))

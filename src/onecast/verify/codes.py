"""Verification codes: random digits, kept only as a salted PBKDF2 hash.

A short numeric code has little entropy, so a fast hash could be reversed by trying every code;
the salt and iterations make each guess cost, and the code is worthless after at most 30 minutes.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets


def new_code(length: int) -> str:
    return f"{secrets.randbelow(10 ** length):0{length}d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_code(code: str, salt: str, iterations: int) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), iterations)
    return f"{iterations}${digest.hex()}"


def matches(code: str, salt: str, stored: str) -> bool:
    iterations = int(stored.split("$", 1)[0])
    return hmac.compare_digest(hash_code(code, salt, iterations), stored)

"""Password hashing (argon2id) and API token generation/hashing."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
TOKEN_PREFIX = "cn_"
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for accounts created without one (printed once)."""
    return secrets.token_urlsafe(12)


def new_api_token() -> tuple[str, str]:
    """``(token, sha256 hash)``: the token is shown once, only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # tokens are long and random, so a fast hash suffices (no dictionary attack applies)
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

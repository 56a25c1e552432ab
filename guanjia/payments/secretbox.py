"""Merchant secrets at rest: encrypted with a key derived from ``SECRET_KEY`` (Fernet: AES-128-CBC
and HMAC-SHA256), so a copy of the database alone does not give away the merchant's private key or
APIv3 key. Pages never show a stored secret again; they only say that one is set."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _box() -> Fernet:
    key = hashlib.sha256(b"guanjia.payments:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _box().encrypt(value.encode()).decode() if value else ""


def open_sealed(token: str) -> str:
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""  # SECRET_KEY changed: the secret must be entered again

"""Symmetric encryption for small secrets (MFA seeds), keyed from SECRET_KEY.

The current key encrypts; SECRET_KEY_FALLBACKS still decrypt, so rotating the
secret key does not lock anyone out of their authenticator.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet_for(secret: str) -> Fernet:
    digest = hashlib.sha256(f"portal-secret-encryption:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _multi() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet_for(k) for k in keys])


def encrypt_text(text: str) -> str:
    return _multi().encrypt(text.encode()).decode()


def decrypt_text(token: str) -> str:
    return _multi().decrypt(token.encode()).decode()

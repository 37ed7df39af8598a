from allauth.mfa.adapter import DefaultMFAAdapter

from portal.crypto import decrypt_text, encrypt_text


class EncryptingMFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP seeds in clear unless encrypt/decrypt are overridden."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)

"""The application's own credential for Entra ID, as msal takes it: a client secret or a certificate.

Used by both of the service's confidential flows: on-behalf-of (Graph) and client credentials (Azure OpenAI).
"""
from __future__ import annotations

from pathlib import Path


def load_client_credential(secret: str, certificate_path: str) -> str | dict:
    """What msal takes as client_credential: the secret, or {private_key, public_certificate} from one PEM
    file (MSAL 1.35+ signs its client assertion with PS256 and the certificate's SHA-256 thumbprint)."""
    if secret:
        return secret
    if not certificate_path:
        raise ValueError("DRAFTER_CLIENT_SECRET: required (or set DRAFTER_CLIENT_CERTIFICATE_PATH)")
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        pem = Path(certificate_path).read_bytes()
    except OSError as exc:
        raise ValueError(f"DRAFTER_CLIENT_CERTIFICATE_PATH: cannot read {certificate_path!r} "
                         f"({exc.strerror or type(exc).__name__})") from None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
        certificate = x509.load_pem_x509_certificate(pem)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"DRAFTER_CLIENT_CERTIFICATE_PATH: needs an unencrypted private key and its certificate "
                         f"in PEM ({type(exc).__name__})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("DRAFTER_CLIENT_CERTIFICATE_PATH: Entra ID takes RSA certificates only, "
                         f"this key is {type(key).__name__.removesuffix('PrivateKey').strip('_') or 'another kind'}")
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise ValueError("DRAFTER_CLIENT_CERTIFICATE_PATH: the certificate does not belong to the private key")
    return {
        "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode(),
        "public_certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }

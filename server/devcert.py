"""The development certificate for https://localhost:3000: a local CA (created once) and a server cert.

Office loads add-ins only over https, so `make run` serves TLS from the start. The CA's private key stays in
the instance folder; the user trusts ca.pem once (see `trust_instructions`).
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
CERT_DAYS = 397  # browsers refuse leaf certificates valid for longer


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Drafter development"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def ensure_dev_certificate(folder: str | os.PathLike, hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
                           ) -> tuple[Path, Path, Path, bool]:
    """Return (ca.pem, cert.pem, key.pem, created_ca). Reuses the CA; renews the leaf when near expiry."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, ca_key_path = folder / "ca.pem", folder / "ca-key.pem"
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    now = dt.datetime.now(dt.UTC)
    created_ca = False
    if ca_path.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = (
            x509.CertificateBuilder().subject_name(_name("Drafter development CA")).issuer_name(
                _name("Drafter development CA")).public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write(ca_key_path, _pem_key(ca_key), 0o600)
        _write(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        created_ca = True
    if not created_ca and cert_path.exists() and key_path.exists():
        leaf = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if leaf.not_valid_after_utc - now > dt.timedelta(days=30) and leaf.issuer == ca_cert.subject:
            return ca_path, cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(key_path, _pem_key(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return ca_path, cert_path, key_path, created_ca


def trust_instructions(ca_path: Path) -> str:
    return "\n".join([
        f"Trust the development CA once so Office and your browser accept https://localhost:3000 ({ca_path}):",
        f"  Windows (PowerShell):  Import-Certificate -FilePath \"{ca_path}\" -CertStoreLocation Cert:\\CurrentUser\\Root",
        f"  macOS:                 sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain \"{ca_path}\"",
        f"  Debian/Ubuntu:         sudo cp \"{ca_path}\" /usr/local/share/ca-certificates/drafter-dev.crt && sudo update-ca-certificates",
    ])

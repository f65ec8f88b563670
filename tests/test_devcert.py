"""The development certificate: a local CA once, a localhost certificate that TLS clients accept."""
from __future__ import annotations

import socket
import ssl
import threading

from cryptography import x509

from server.devcert import ensure_dev_certificate, trust_instructions


def test_created_once_then_reused(tmp_path):
    ca, cert, key, created = ensure_dev_certificate(tmp_path)
    assert created
    before = (ca.read_bytes(), cert.read_bytes())
    ca2, cert2, _, created_again = ensure_dev_certificate(tmp_path)
    assert not created_again
    assert (ca2.read_bytes(), cert2.read_bytes()) == before
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "ca-key.pem").stat().st_mode & 0o777) == "0o600"


def test_certificate_names_localhost_and_loopback(tmp_path):
    _, cert, _, _ = ensure_dev_certificate(tmp_path)
    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


def test_a_tls_client_trusting_the_ca_accepts_the_server(tmp_path):
    ca, cert, key, _ = ensure_dev_certificate(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"ok")
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(ca))
    with socket.create_connection(("127.0.0.1", port)) as raw, \
            client_context.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.recv(2) == b"ok"
    thread.join(5)
    listener.close()


def test_a_leaf_from_another_ca_is_reissued(tmp_path):
    ensure_dev_certificate(tmp_path / "a")
    ensure_dev_certificate(tmp_path / "b")
    (tmp_path / "a" / "cert.pem").write_bytes((tmp_path / "b" / "cert.pem").read_bytes())
    ca, cert, _, _ = ensure_dev_certificate(tmp_path / "a")
    leaf = x509.load_pem_x509_certificate(cert.read_bytes())
    assert leaf.issuer == x509.load_pem_x509_certificate(ca.read_bytes()).subject


def test_trust_instructions_name_the_file_for_each_system(tmp_path):
    text = trust_instructions(tmp_path / "ca.pem")
    assert text.count(str(tmp_path / "ca.pem")) == 4
    assert "Windows" in text and "macOS" in text and "Debian" in text

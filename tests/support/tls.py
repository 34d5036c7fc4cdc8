"""Local TLS for tests: a CA from ``trustme`` and server contexts with good and bad certificates.

    ca = LocalCA(tmp_path)                        # ca.pem: the CA's certificate, to trust
    ctx = ca.server_context("127.0.0.1", "127.0.0.2")   # a valid certificate for these addresses
    ca.server_context("127.0.0.3", expired=True)  # expired yesterday (future=True: valid from tomorrow)
    ca.server_context("wrong-host.test")          # valid, but for another name
    LocalCA(tmp_path, "other").server_context("127.0.0.4")  # issued by a CA nobody trusts

Certificates are made at run time (ECDSA keys, fast), never kept in the repository.
"""
from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path


class LocalCA:
    def __init__(self, where: Path, name: str = "test-ca") -> None:
        import trustme

        self.ca = trustme.CA(organization_name=f"Syndication Archive {name}")
        self.pem = Path(where) / f"{name}.pem"
        self.ca.cert_pem.write_to_path(str(self.pem))

    def server_context(self, *identities: str, expired: bool = False, future: bool = False) -> ssl.SSLContext:
        """A server context whose certificate names ``identities`` (host names or IP addresses);
        ``expired``: valid from 30 days ago until yesterday; ``future``: valid from tomorrow."""
        now = dt.datetime.now(dt.timezone.utc)
        window: dict[str, dt.datetime] = {}
        if expired:
            window = {"not_before": now - dt.timedelta(days=30), "not_after": now - dt.timedelta(days=1)}
        elif future:
            window = {"not_before": now + dt.timedelta(days=1), "not_after": now + dt.timedelta(days=30)}
        leaf = self.ca.issue_cert(*identities, **window)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(ctx)
        return ctx

    def write_leaf(self, where: Path, *identities: str) -> tuple[Path, Path]:
        """(certificate chain PEM, private key PEM) files for a server run as another process."""
        leaf = self.ca.issue_cert(*identities)
        cert, key = Path(where) / "server-cert.pem", Path(where) / "server-key.pem"
        cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        leaf.private_key_pem.write_to_path(str(key))
        return cert, key

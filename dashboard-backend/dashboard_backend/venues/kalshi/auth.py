"""Kalshi API-key signing: the RSA-PSS (SHA-256) signature of the websocket handshake.

Headers: `KALSHI-ACCESS-KEY` (the key id), `KALSHI-ACCESS-TIMESTAMP` (milliseconds) and
`KALSHI-ACCESS-SIGNATURE` = base64 of the RSA-PSS signature (MGF1-SHA256, salt of digest length)
of `{timestamp}{METHOD}{path}`, e.g. `1767000000000GET/trade-api/ws/v2`. A fresh signature is made
for every connection. The private key is read from a PEM file and never logged: errors name the
file, never its content.

`write_test_key_pair` makes a throwaway pair at run time for the offline stand-in (the demo and
the tests): no private key is ever stored in the repository.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from dashboard_backend.errors import ConfigError

WS_PATH = "/trade-api/ws/v2"
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    """The RSA private key in a PEM file; ConfigError (naming only the file) otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"KALSHI_PRIVATE_KEY_PATH {path} cannot be read: {exc.strerror}"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigError(
            f"KALSHI_PRIVATE_KEY_PATH {path} is not an unencrypted PEM private key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"KALSHI_PRIVATE_KEY_PATH {path} is not an RSA key")
    return key


def load_public_key(path: Path) -> rsa.RSAPublicKey:
    """The RSA public key in a PEM file (the stand-in checks handshakes with it)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"public key {path} cannot be read: {exc.strerror}") from None
    except (ValueError, TypeError):
        raise ConfigError(f"public key {path} is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError(f"public key {path} is not an RSA key")
    return key


def write_test_key_pair(private_path: Path, public_path: Path) -> rsa.RSAPrivateKey:
    """Generate a fresh 2048-bit pair: the private key (owner-only file) and its public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.touch(mode=0o600)
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key


def signed_headers(
    key_id: str,
    key: rsa.RSAPrivateKey,
    method: str = "GET",
    path: str = WS_PATH,
    timestamp_ms: int | None = None,
) -> dict[str, str]:
    """The three authentication headers for one request or websocket handshake."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    signature = key.sign(f"{ts}{method.upper()}{path}".encode(), _PSS, hashes.SHA256())
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": ts,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
    }


def verify_headers(
    headers: dict[str, str],
    public_key: rsa.RSAPublicKey,
    method: str = "GET",
    path: str = WS_PATH,
    now_ms: int | None = None,
    max_skew_ms: int = 30_000,
) -> bool:
    """Whether the headers carry a valid, fresh signature (the stand-in's handshake check)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    ts = lowered.get("kalshi-access-timestamp", "")
    signature = lowered.get("kalshi-access-signature", "")
    if not lowered.get("kalshi-access-key") or not ts.isdigit() or not signature:
        return False
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    if abs(now - int(ts)) > max_skew_ms:
        return False
    try:
        public_key.verify(
            base64.b64decode(signature),
            f"{ts}{method.upper()}{path}".encode(),
            _PSS,
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True

"""Kalshi handshake signing: RSA-PSS over timestamp + method + path; the key is never logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dashboard_backend.errors import ConfigError
from dashboard_backend.venues.kalshi.auth import load_private_key, signed_headers, verify_headers


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("kalshi") / "test-key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path, key


def test_signed_handshake_verifies_and_tampering_fails(
    key_pair: tuple[Path, rsa.RSAPrivateKey],
) -> None:
    path, original = key_pair
    key = load_private_key(path)
    headers = signed_headers("key-id-1", key, timestamp_ms=1_767_000_000_000)
    assert headers["KALSHI-ACCESS-KEY"] == "key-id-1"
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1767000000000"
    public = original.public_key()
    now = 1_767_000_000_500
    assert verify_headers(headers, public, now_ms=now)
    # Signed for the websocket path: another path, method, timestamp or key does not verify.
    assert not verify_headers(headers, public, path="/trade-api/v2/portfolio", now_ms=now)
    assert not verify_headers(headers, public, method="POST", now_ms=now)
    assert not verify_headers(
        {**headers, "KALSHI-ACCESS-TIMESTAMP": "1767000000001"}, public, now_ms=now
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    assert not verify_headers(headers, other, now_ms=now)
    assert not verify_headers(headers, public, now_ms=now + 60_000)  # stale
    # PSS is randomised: two signatures of the same message differ, both verify.
    again = signed_headers("key-id-1", key, timestamp_ms=1_767_000_000_000)
    assert again["KALSHI-ACCESS-SIGNATURE"] != headers["KALSHI-ACCESS-SIGNATURE"]
    assert verify_headers(again, public, now_ms=now)


def test_a_bad_key_file_is_refused_without_showing_its_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----\n"
    path = tmp_path / "bad.pem"
    path.write_text(secret)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as info:
        load_private_key(path)
    assert str(path) in str(info.value)
    assert "TOPSECRETMATERIAL" not in str(info.value)
    assert "TOPSECRETMATERIAL" not in caplog.text
    with pytest.raises(ConfigError, match="cannot be read"):
        load_private_key(tmp_path / "missing.pem")

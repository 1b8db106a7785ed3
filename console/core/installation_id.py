"""This installation's Ed25519 signing key: who made a session bundle.

Kept beside the audit key in the key directory (console/store/keys.py), mode 0600, made
on first use. The public key travels inside every bundle; its fingerprint (the first 16
hex digits of the SHA-256 of the raw public key) is the installation id. A receiving
console remembers the key of each installation id it has seen (`known-installations.json`
in its key directory) and refuses a bundle that claims a known id with another key.
Uses `cryptography` (no home-made crypto).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from console.store.keys import key_dir

KEY_FILE = "bundle-signing.key"
KNOWN_FILE = "known-installations.json"


class KeyMismatch(ValueError):
    """A bundle claims an installation id this console knows with another key."""


def installation_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Installation:
    id: str
    public_key_b64: str

    def verify(self, signature: bytes, message: bytes) -> bool:
        raw = base64.b64decode(self.public_key_b64)
        if installation_id(raw) != self.id:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class SigningKey:
    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or key_dir()) / KEY_FILE
        self._key: Ed25519PrivateKey | None = None

    def _load(self) -> Ed25519PrivateKey:
        if self._key is None:
            if not self.path.exists():
                self._create()
            key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{self.path} is not an Ed25519 key")
            self._key = key
        return self._key

    def _create(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # made by another process just now: use theirs
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())

    @property
    def installation(self) -> Installation:
        raw = (
            self._load()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return Installation(installation_id(raw), base64.b64encode(raw).decode())

    def sign(self, message: bytes) -> bytes:
        return self._load().sign(message)


def remember(installation: Installation, directory: Path | None = None) -> bool:
    """Trust on first use: record the key of a new installation id (True when new);
    KeyMismatch when the id is known with another key."""
    path = (directory or key_dir()) / KNOWN_FILE
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = {}
    except (OSError, ValueError) as exc:
        raise KeyMismatch(f"{path} cannot be read ({exc}); fix or remove it") from exc
    seen = known.get(installation.id)
    if seen == installation.public_key_b64:
        return False
    if seen is not None:
        raise KeyMismatch(
            f"the bundle claims to come from installation {installation.id}, but this "
            "console knows that installation with another key: it was not made there"
        )
    known[installation.id] = installation.public_key_b64
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(known, f, indent=2)
    os.replace(tmp, path)
    return True

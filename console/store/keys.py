"""The installation's secret and the chain heads: files an edit of the database cannot
reach, in the key directory (the per-user data directory, 0700, or $PEN_CONSOLE_KEY_DIR).

`installation.key` holds 32 random bytes (hex), mode 0600, made at the first audited
write on this machine. Every database of the installation (and its backups) uses it.
The audit chain is an HMAC-SHA256 chain under this key (the standard library's `hmac`),
so someone who can edit a database but not read this file cannot recompute the chain.

`heads/<digest of the database's path>.json` holds that database's chain head: the last
audit row's number and hash, with an HMAC of its own so it cannot be forged either. It
is rewritten (temporary file and rename) after every committed append, so deleting the
last audit rows, or all of them, is found.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import platformdirs

KEY_BYTES = 32
SECRET_MODE = 0o600
DIR_MODE = 0o700
KEY_DIR_ENV = "PEN_CONSOLE_KEY_DIR"
APP_NAME = "pen-console"


def data_dir() -> Path:
    """The per-user data directory: the default home of the database and the key."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def key_dir() -> Path:
    override = os.environ.get(KEY_DIR_ENV)
    return Path(override) if override else data_dir()


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    # An existing data directory may have been made 0755; one that is not ours to change
    # (a shared mount) keeps its mode, and the key file itself is still 0600.
    with contextlib.suppress(OSError):
        os.chmod(path, DIR_MODE)
    return path


def key_path(directory: Path | None = None) -> Path:
    return (directory or key_dir()) / "installation.key"


def head_path(db_path: Path, directory: Path | None = None) -> Path:
    where = str(db_path.resolve())
    name = hashlib.sha256(where.encode()).hexdigest()[:24]
    return (directory or key_dir()) / "heads" / f"{name}.json"


class KeyFileError(RuntimeError):
    """The key file is unreadable or malformed; the message says which file and why."""


class InstallationKey:
    """The secret beside one database, loaded on first use and created on first write."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = key_path(directory)
        self._secret: bytes | None = None

    def exists(self) -> bool:
        return self._secret is not None or self.path.exists()

    def load(self, *, create: bool) -> bytes | None:
        """The secret; None when there is none and `create` is false."""
        if self._secret is not None:
            return self._secret
        if not self.path.exists():
            if not create:
                return None
            self._create()
        try:
            text = self.path.read_text(encoding="ascii").strip()
            secret = bytes.fromhex(text)
        except (OSError, ValueError) as exc:
            raise KeyFileError(f"the installation key {self.path} cannot be read ({exc})") from exc
        if len(secret) != KEY_BYTES:
            raise KeyFileError(f"the installation key {self.path} is not {KEY_BYTES} bytes long")
        self._secret = secret
        return secret

    def _create(self) -> None:
        _private_dir(self.path.parent)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE)
        except FileExistsError:
            return  # another process made it first: use theirs
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(KEY_BYTES) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def mac(self, message: bytes, *, create: bool = False) -> str | None:
        secret = self.load(create=create)
        if secret is None:
            return None
        return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last audit row's number and hash, as written in the sidecar and in manifests."""

    entry_id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """`ID:HASH`, as `str()` prints it; ValueError with a sentence otherwise."""
        number, sep, digest = text.strip().partition(":")
        if not sep or not number.isdigit() or len(digest) != 64:
            raise ValueError(
                f"{text!r} is not a chain head; give it as printed, NUMBER:HASH "
                "(64 hex digits), e.g. from a backup's manifest"
            )
        try:
            int(digest, 16)
        except ValueError:
            raise ValueError(f"{text!r}: the hash part is not hexadecimal") from None
        return cls(int(number), digest.lower())


class HeadFile:
    """The chain-head sidecar. Written only after a commit; never moves backwards."""

    def __init__(self, db_path: Path, key: InstallationKey) -> None:
        self.path = head_path(db_path, key.path.parent)
        self.db_path = db_path
        self._key = key

    def _mac(self, head: ChainHead) -> str | None:
        return self._key.mac(f"head|{head.entry_id}|{head.hash}".encode(), create=True)

    def read(self) -> tuple[ChainHead | None, str | None]:
        """(head, problem): the head, or a sentence saying why it cannot be trusted."""
        if not self.path.exists():
            return None, None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            head = ChainHead(int(data["id"]), str(data["hash"]))
            mac = str(data["mac"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return None, f"the chain-head file {self.path} cannot be read ({exc})"
        expected = self._key.mac(f"head|{head.entry_id}|{head.hash}".encode())
        if expected is None or not hmac.compare_digest(expected, mac):
            return None, f"the chain-head file {self.path} was not written with this key"
        return head, None

    def write(self, head: ChainHead) -> None:
        current, _problem = self.read()
        if current is not None and current.entry_id > head.entry_id:
            return  # another process wrote a later head already
        payload = {
            "id": head.entry_id,
            "hash": head.hash,
            "mac": self._mac(head),
            "database": str(self.db_path.resolve()),
        }
        _private_dir(self.path.parent)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, SECRET_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def reset(self, head: ChainHead | None) -> None:
        """Replace the head outright (after a checked restore); None removes it."""
        if head is None:
            self.path.unlink(missing_ok=True)
            return
        self.path.unlink(missing_ok=True)
        self.write(head)

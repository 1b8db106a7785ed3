"""What a login name and a password must be. Pure functions, no I/O.

Login names are NFKC-normalised, lower-cased and limited to ASCII letters, digits and
`. _ -`, so look-alike names (a Cyrillic `ѕup` beside `sup`) cannot exist; the name a
person is shown by is a separate display name. Passwords need at least 10 characters,
not all whitespace, and must not be among common passwords (a bundled list of the most
used ones, with their obvious variants: digits or `!` appended, letters repeated).
"""

from __future__ import annotations

import re
import unicodedata

MIN_PASSWORD_CHARS = 10
MAX_NAME_CHARS = 32
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")

# The most used passwords of public breach lists that are 10 characters or longer once
# lower-cased, and bases that people pad with digits to reach a length rule.
_COMMON = frozenset(
    [
        "1234567890",
        "0123456789",
        "12345678910",
        "1111111111",
        "0000000000",
        "1234512345",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwertyuiop1",
        "asdfghjkl1",
        "zxcvbnm123",
        "qwerty1234",
        "qwerty12345",
        "1q2w3e4r5t6y",
        "123qweasdzxc",
        "password12",
        "password123",
        "password1234",
        "passw0rd12",
        "p@ssw0rd123",
        "iloveyou12",
        "iloveyou123",
        "princess12",
        "sunshine12",
        "football12",
        "baseball12",
        "welcome123",
        "welcome1234",
        "letmein123",
        "trustno1trustno1",
        "abc1234567",
        "abcdefghij",
        "abcdef1234",
        "aaaaaaaaaa",
        "changeme12",
        "changeme123",
        "administrator",
        "admin12345",
        "admin123456",
        "administrator1",
        "superman12",
        "starwars12",
        "dragon1234",
        "monkey1234",
        "master1234",
        "michael123",
        "jennifer12",
        "computer12",
        "whatever12",
        "babygirl12",
        "chocolate1",
        "butterfly1",
        "basketball",
        "basketball1",
        "michelle12",
        "liverpool1",
        "chelsea123",
        "cookie1234",
        "summer2024",
        "summer2025",
        "summer2026",
        "winter2024",
        "winter2025",
        "winter2026",
        "spring2025",
        "spring2026",
        "autumn2025",
        "password2024",
        "password2025",
        "password2026",
        "qazwsxedc1",
        "zaq12wsxcde",
        "987654321a",
        "9876543210",
        "1029384756",
        "5555555555",
        "7777777777",
        "8888888888",
        "9999999999",
        "1212121212",
        "1231231231",
        "147258369a",
        "1472583690",
        "microneedle",
        "microneedling",
        "clinic1234",
        "clinic12345",
        "doctor1234",
        "nurse12345",
        "supervisor",
        "supervisor1",
        "practitioner",
        "penconsole",
        "pen-console",
        "pen_console",
    ]
)
_BASES = frozenset(
    [
        "password",
        "passw0rd",
        "p@ssword",
        "p@ssw0rd",
        "qwerty",
        "qwertz",
        "azerty",
        "letmein",
        "welcome",
        "iloveyou",
        "admin",
        "administrator",
        "monkey",
        "dragon",
        "master",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "abc123",
        "abcdef",
        "123456",
        "12345678",
        "123456789",
        "trustno1",
        "secret",
        "changeme",
        "clinic",
        "doctor",
        "nurse",
        "supervisor",
        "practitioner",
        "console",
    ]
)


class CredentialError(ValueError):
    """A login name or password that is not allowed; the message says what to change."""


def normalise_login(name: str) -> str:
    """The form a login name is stored and looked up in (may still be invalid)."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def check_login(name: str) -> str:
    """The normalised login name, or CredentialError saying what to change."""
    login = normalise_login(name)
    if not login:
        raise CredentialError("the login name is empty; give one such as 'dr.lee'")
    if len(login) > MAX_NAME_CHARS:
        raise CredentialError(f"the login name is longer than {MAX_NAME_CHARS} characters")
    if not _NAME.fullmatch(login):
        raise CredentialError(
            f"the login name {login!r} may only use the letters a-z, digits and . _ - "
            "(starting with a letter or digit); put the full name in the display name"
        )
    return login


def check_display_name(display_name: str, login: str) -> str:
    """The display name to store: printable text, or the login when empty."""
    text = unicodedata.normalize("NFKC", display_name).strip()
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise CredentialError("the display name contains control characters; retype it")
    if len(text) > 80:
        raise CredentialError("the display name is longer than 80 characters")
    return text or login


def check_password(password: str, login: str = "") -> None:
    """CredentialError unless the password is long, not blank and not common."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise CredentialError(
            f"the password must have at least {MIN_PASSWORD_CHARS} characters; "
            "a few unrelated words make a good one"
        )
    if not password.strip():
        raise CredentialError("the password cannot be only spaces; choose another")
    if is_common(password, login):
        raise CredentialError(
            "that password is among the most commonly used ones and is guessed first; "
            "choose another (a few unrelated words make a good one)"
        )


def is_common(password: str, login: str = "") -> bool:
    word = password.strip().lower()
    if word in _COMMON or len(set(word)) <= 2:
        return True
    if login and login in word and len(word) - len(login) < 6:
        return True  # the login name with a few characters added
    core = word.rstrip("0123456789!?.#*@$ ")
    return core in _BASES or core in _COMMON

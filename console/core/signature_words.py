"""Signatures in words for the review's detail header, and who may sign.

`badge_words` reads "✔ Approved by dr.lee, 2 Dec 2026 14:03" (local time, the zone is
named once elsewhere). `sign_refusal` says which role may sign when the person at the
console may not: "Only a supervisor can sign sessions; you are signed in as nurse.kim,
practitioner." The rule itself is in roles.py and is checked by signing.py.

Qt-free.
"""

from __future__ import annotations

from datetime import tzinfo

from console.core.access import roles_allowed
from console.core.accounts import User
from console.core.event_words import parse_utc, resolve_tz
from console.core.roles import Action
from console.store.signatures import Signature

__all__ = ["NOT_SIGNED", "badge_words", "sign_refusal", "signed_time"]

NOT_SIGNED = "Not signed"


def signed_time(utc_iso: str, tz: str | tzinfo | None) -> str:
    """ "2 Dec 2026 14:03" in the session's zone."""
    t = parse_utc(utc_iso).astimezone(resolve_tz(tz))
    return f"{t.day} {t.strftime('%b %Y %H:%M')}"


def badge_words(signature: Signature, tz: str | tzinfo | None) -> str:
    meaning = signature.meaning.capitalize()
    return f"✔ {meaning} by {signature.signer}, {signed_time(signature.signed_utc, tz)}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def sign_refusal(user: User | None, *, you: bool = True) -> str | None:
    """None when `user` may sign; else the sentence naming the role that may. `you`:
    the user is the one signed in at the console (else a name typed into the dialog)."""
    if user is not None and user.may(Action.SIGN):
        return None
    only = f"Only {_a(' or '.join(r.value for r in roles_allowed(Action.SIGN)))} can sign sessions"
    if user is None:
        return f"{only}; nobody is signed in."
    if not user.active:
        return f"{only}; the account {user.name} is disabled."
    if you:
        return f"{only}; you are signed in as {user.name}, {user.role}."
    return f"{only}; {user.name} is {_a(str(user.role))}."

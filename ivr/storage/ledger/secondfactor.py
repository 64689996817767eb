"""The phone's second factor (the last four digits of the DNI), kept only as a salted hash.

A verifier reads ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``: each student has their
own random salt, and the cost travels with the hash so it can be raised later without
breaking the stored ones. Four digits are only 10,000 possibilities, so the hash slows down
someone who copied the database but cannot stop them: what protects students by phone is the
lockout after repeated failures, and the database file must be kept private all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

ALGORITHM = "pbkdf2_sha256"
# About 3 ms per check on a small server: verification runs inside a Twilio webhook.
DEFAULT_ITERATIONS = 8_000
SALT_BYTES = 16
LAST4 = re.compile(r"^\d{4}$")


def make_verifier(
    last4: str, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None
) -> str:
    """Return the verifier to store for these four digits."""
    if not LAST4.match(last4):
        raise ValueError("the second factor is exactly four digits")
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", last4.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def check_verifier(verifier: str, last4: str) -> bool:
    """Return whether ``last4`` matches the stored verifier (in constant time)."""
    try:
        algorithm, iterations, salt, expected = verifier.split("$")
        rounds = int(iterations)
        salt_bytes = bytes.fromhex(salt)
    except ValueError:
        return False
    if algorithm != ALGORITHM or rounds < 1:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", last4.encode(), salt_bytes, rounds)
    return hmac.compare_digest(digest.hex(), expected) and bool(LAST4.match(last4))

"""The phone's second factor (the last four digits of the DNI), kept only as a keyed hash.

A verifier reads ``hmac_sha256$<key id>$<hash hex>``: HMAC-SHA256, under the server key's
``second-factor`` subkey (``ivr.secret``), of the student's normalised code, a colon and the
four digits. Four digits are only 10,000 possibilities, so no hashing cost could protect them
from someone holding the database; a key kept outside the database does: without it a stolen
copy cannot check a single guess. Hashing the code along with the digits keeps two students
with the same digits from having the same verifier. A check costs microseconds.

The key id (a fingerprint of the subkey, which reveals nothing of it) says which key made a
verifier: during a key rotation the previous key still checks the verifiers it made until the
next import rewrites them with the new one, and ``ivr ledger verifiers`` counts how many are
left (docs/deploy.md, "Rotating the server key").

Verifiers written by earlier versions, ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``,
are still checked, so no student is locked out by the upgrade; the next import of the students
export replaces them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Literal

from ivr.secret import subkey

ALGORITHM = "hmac_sha256"
LEGACY_ALGORITHM = "pbkdf2_sha256"
PURPOSE = "second-factor"
LAST4 = re.compile(r"^\d{4}$")
_KEY_ID_BYTES = 4  # 8 hex digits: tells two keys apart, says nothing about either

KeyAge = Literal["current", "previous", "legacy", "unknown"]


def key_id(server_key: bytes) -> str:
    """Return the id that verifiers made with ``server_key`` carry."""
    return subkey(server_key, PURPOSE + "-id")[:_KEY_ID_BYTES].hex()


class SecondFactor:
    """Makes verifiers with the server key; checks them with it or, in a rotation, the previous.

    Messages and logs never see the digits or a verifier: this class only answers yes or no.
    """

    def __init__(self, server_key: bytes, previous_key: bytes | None = None) -> None:
        self.key_id = key_id(server_key)
        self._keys = {self.key_id: subkey(server_key, PURPOSE)}
        self.previous_key_id: str | None = None
        if previous_key is not None and key_id(previous_key) != self.key_id:
            self.previous_key_id = key_id(previous_key)
            self._keys[self.previous_key_id] = subkey(previous_key, PURPOSE)

    def make(self, code: str, last4: str) -> str:
        """Return the verifier to store for this student's normalised code and four digits."""
        if not LAST4.match(last4):
            raise ValueError("the second factor is exactly four digits")
        return f"{ALGORITHM}${self.key_id}${self._digest(self.key_id, code, last4)}"

    def check(self, verifier: str, code: str, last4: str) -> bool:
        """Return whether ``last4`` matches the stored verifier of ``code`` (in constant time)."""
        if not LAST4.match(last4):
            return False
        algorithm, _, rest = verifier.partition("$")
        if algorithm == LEGACY_ALGORITHM:
            return _check_legacy(rest, last4)
        made_with, _, expected = rest.partition("$")
        if algorithm != ALGORITHM or made_with not in self._keys:
            return False
        return hmac.compare_digest(self._digest(made_with, code, last4), expected)

    def age(self, verifier: str) -> KeyAge:
        """Return which key made ``verifier``: this one, the previous one, PBKDF2, or unknown."""
        algorithm, _, rest = verifier.partition("$")
        if algorithm == LEGACY_ALGORITHM:
            return "legacy"
        made_with = rest.partition("$")[0] if algorithm == ALGORITHM else None
        if made_with == self.key_id:
            return "current"
        if made_with is not None and made_with == self.previous_key_id:
            return "previous"
        return "unknown"

    def count_ages(self, verifiers: Iterable[str]) -> dict[KeyAge, int]:
        """Return how many of ``verifiers`` each key made (every age present, zero or not)."""
        counts: dict[KeyAge, int] = {"current": 0, "previous": 0, "legacy": 0, "unknown": 0}
        for verifier in verifiers:
            counts[self.age(verifier)] += 1
        return counts

    def _digest(self, made_with: str, code: str, last4: str) -> str:
        # The code is letters and digits, so the colon cannot be part of either half.
        message = f"{code}:{last4}".encode()
        return hmac.new(self._keys[made_with], message, hashlib.sha256).hexdigest()


def _check_legacy(rest: str, last4: str) -> bool:
    """Check an earlier version's salted PBKDF2 verifier (``<iterations>$<salt>$<hash>``)."""
    try:
        iterations, salt, expected = rest.split("$")
        rounds = int(iterations)
        salt_bytes = bytes.fromhex(salt)
    except ValueError:
        return False
    if rounds < 1:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", last4.encode(), salt_bytes, rounds)
    return hmac.compare_digest(digest.hex(), expected)

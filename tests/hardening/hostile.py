"""Values an attacker (or a broken carrier) puts in a webhook, and the planted secrets to hunt.

Shared by the in-process fuzzing (test_fuzz.py) and the 10,000 requests sent to real gunicorn
(test_served.py). No log line, call record or header may ever hold PLANTED_CODE's digits or
PLANTED_DNI, whatever field they came in.
"""

from __future__ import annotations

PLANTED_CODE = "N00098765"
PLANTED_DNI = "71829364"
PLANTED = (PLANTED_CODE[1:], PLANTED_DNI)  # what must never appear, masked or not

# Short values: every class of trouble, each on its own or joined with the others.
SHORT = [
    "\x00", "a\x00b", "\r\n", "x\n2026-11-18T15:00:00.000Z CRITICAL ivr forged", "\u2028",
    "\x85", "\u202e", "東京", "😀", "ñandú", "%00", "%0A", "</Say><Dial>+1</Dial>", "%s%n{0}",
    PLANTED_CODE, PLANTED_DNI, PLANTED_CODE[1:], "S/ 2,995.50", "CA" + "0" * 31 + "€",
    "CA" + "f" * 32, "+5116044700", "+15005550006", "٣", "\ud7ff\ue000\U0010fffd",
]  # fmt: skip
# Huge values, cheap to build: each well under the 64 kB body limit on its own.
HUGE = ["9" * 5000, "ñ" * 4000, "a" * 30_000]
HOSTILE = SHORT + HUGE

"""The payment policies the fee tests run on: the shipped billing/policy.yaml and a second set."""

from __future__ import annotations

from ivr.config.billing import POLICY_FILE, parse_policy
from ivr.config.source import Collector
from ivr.core.fees import FeePolicy
from tests.adoption.second import POLICY as SECOND_POLICY_YAML
from tests.helpers import ROOT


def read_policy(text: str) -> FeePolicy:
    """Parse a billing/policy.yaml text, failing on any problem."""
    collector = Collector()
    root = collector.parse(text, POLICY_FILE)
    policy = parse_policy(collector, root) if root is not None else None
    assert [str(p) for p in collector.problems] == []
    assert policy is not None
    return policy


SHIPPED_POLICY = read_policy((ROOT / POLICY_FILE).read_text(encoding="utf-8"))
SECOND_POLICY = read_policy(SECOND_POLICY_YAML)

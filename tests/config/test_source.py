"""The YAML boundary: libyaml reads the files, PyYAML's own parser words what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ivr.config.source import Collector, _compose
from tests.helpers import ROOT

SHIPPED = sorted(
    path.relative_to(ROOT)
    for part in ("campuses.yaml", "queues.yaml", "menus", "schedules", "billing")
    for path in ([ROOT / part] if part.endswith(".yaml") else (ROOT / part).rglob("*.yaml"))
)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", SHIPPED, ids=str)
def test_both_parsers_read_a_shipped_file_into_the_same_nodes(name: Path) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    read = []
    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        collector = Collector()
        root, constructor = _compose(text, loader)
        assert root is not None
        read.append((collector._convert(root, str(name), "", constructor), collector.problems))
    assert read[0] == read[1]


def test_a_syntax_error_is_worded_by_pyyaml_not_libyaml() -> None:
    collector = Collector()
    text = "nodes:\n  help-desk:\n    title: [Help Desk\n    type: transfer\n"
    assert collector.parse(text, "menus/x.yaml") is None
    [problem] = collector.problems
    # libyaml says "did not find expected ',' or ']'"; the operator reads PyYAML's words.
    assert str(problem) == (
        "menus/x.yaml:4: YAML syntax error: expected ',' or ']', but got ':' "
        "(check the indentation and quoting on this line and the one above)"
    )

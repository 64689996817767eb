"""Read operators' YAML into located nodes, and check their shape with located problems.

This is the only module that imports ``yaml``. It keeps the line of every node and the raw text
of every scalar, so that the parsers can say where a problem is and can see through PyYAML's
YAML 1.1 traps: ``9:30`` loads as 570, ``0123`` as 83, ``no`` as False, a repeated key silently
wins. Mapping keys are always their raw text (``1:`` and ``'1':`` are both ``"1"``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from yaml.constructor import SafeConstructor

from ivr.config.errors import Problem

_Choice = TypeVar("_Choice", bound=str)
_SEXAGESIMAL = re.compile(r"^[-+]?\d+(?::[0-5]?\d)+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


@dataclass
class YNode:
    """A YAML node with where it stands: file, 1-based line, dotted path."""

    file: str
    line: int
    path: str
    kind: Literal["map", "seq", "scalar"]
    mapping: dict[str, YNode] = field(default_factory=dict)
    sequence: list[YNode] = field(default_factory=list)
    value: object = None
    raw: str = ""
    quoted: bool = False

    def child_path(self, key: str | int) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def describe(self) -> str:
        if self.kind == "scalar":
            return (
                repr(self.raw)
                if self.quoted or not isinstance(self.value, str)
                else repr(self.value)
            )
        return "a list" if self.kind == "seq" else "a mapping"


class Collector:
    """Gathers every problem found across files so they are reported together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # worth fixing, but the file still works

    # -- reporting ------------------------------------------------------------------------
    def add(self, node: YNode, message: str, hint: str = "", *, path: str | None = None) -> None:
        self.problems.append(
            Problem(node.file, node.line, node.path if path is None else path, message, hint)
        )

    def warn(self, node: YNode, message: str, hint: str = "") -> None:
        self.warnings.append(Problem(node.file, node.line, node.path, message, hint))

    def add_file(self, file: str, message: str, hint: str = "", line: int = 0) -> None:
        self.problems.append(Problem(file, line, "", message, hint))

    # -- reading --------------------------------------------------------------------------
    def load(self, path: Path, shown_as: str) -> YNode | None:
        """Parse one YAML file into nodes, or record why it cannot be read."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.add_file(shown_as, "file not found")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.add_file(shown_as, f"cannot read the file: {exc}", "save it as UTF-8 text")
            return None
        return self.parse(text, shown_as)

    def parse(self, text: str, shown_as: str) -> YNode | None:
        try:
            root, loader = _compose(text, _FAST_LOADER)
        except yaml.YAMLError:
            root, loader = None, None
        if loader is None:  # read again by PyYAML's own parser: its messages are the ones shown
            try:
                root, loader = _compose(text, yaml.SafeLoader)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                line = mark.line + 1 if mark else 0
                what = exc.problem or "not valid YAML"
                self.add_file(
                    shown_as,
                    f"YAML syntax error: {what}",
                    "check the indentation and quoting on this line and the one above",
                    line,
                )
                return None
            except yaml.YAMLError as exc:
                self.add_file(shown_as, f"YAML error: {exc}")
                return None
        if root is None:
            self.add_file(
                shown_as, "the file is empty", "see the examples in docs/configuration.md"
            )
            return None
        return self._convert(root, shown_as, "", loader)

    def _convert(self, node: yaml.Node, file: str, path: str, loader: SafeConstructor) -> YNode:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = YNode(file, line, path, "map")
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(
                            file, key_node.start_mark.line + 1, path, "a key must be plain text"
                        )
                    )
                    continue
                key = key_node.value
                child_path = f"{path}.{key}" if path else key
                if key in out.mapping:
                    first = out.mapping[key].line
                    self.problems.append(
                        Problem(
                            file,
                            key_node.start_mark.line + 1,
                            child_path,
                            f"duplicate key (first defined on line {first})",
                            "remove one of them: YAML would silently keep only the last",
                        )
                    )
                    continue
                child = self._convert(value_node, file, child_path, loader)
                # A problem with a value is reported where its key is written.
                child.line = key_node.start_mark.line + 1
                out.mapping[key] = child
            return out
        if isinstance(node, yaml.SequenceNode):
            out = YNode(file, line, path, "seq")
            for index, item in enumerate(node.value):
                item_path = f"{path}.{index}" if path else str(index)
                out.sequence.append(self._convert(item, file, item_path, loader))
            return out
        assert isinstance(node, yaml.ScalarNode)
        try:
            value = loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):  # e.g. 2026-02-30: a date PyYAML cannot build
            value = node.value
        return YNode(
            file,
            line,
            path,
            "scalar",
            value=value,
            raw=node.value,
            quoted=node.style in "'\"|>" if node.style else False,
        )

    # -- shape checks ---------------------------------------------------------------------
    def mapping(
        self,
        node: YNode,
        required: Collection[str] = (),
        optional: Collection[str] = (),
        *,
        what: str = "this",
    ) -> dict[str, YNode] | None:
        """Return the node's keys if it is a mapping with only known keys, recording problems."""
        if node.kind != "map":
            self.add(node, f"expected a mapping of keys for {what}, found {node.describe()}")
            return None
        known = [*required, *optional]
        for key, child in node.mapping.items():
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(known)
                self.add(child, f"unknown key '{key}'", hint)
        for key in required:
            if key not in node.mapping:
                self.add(node, f"missing required key '{key}'")
        return node.mapping

    def sequence(self, node: YNode, *, what: str = "this") -> list[YNode] | None:
        if node.kind != "seq":
            self.add(node, f"expected a list for {what}, found {node.describe()}")
            return None
        return node.sequence

    def text(
        self, node: YNode, *, max_length: int | None = None, max_bytes: int | None = None
    ) -> str | None:
        """Return a non-empty string, or record why the node is not one."""
        if node.kind != "scalar" or node.value is None:
            self.add(
                node,
                f"expected text, found {node.describe() if node.kind != 'scalar' else 'nothing'}",
            )
            return None
        if isinstance(node.value, bool):
            self.add(node, f"{node.raw} was read as a yes/no value", f"quote it: '{node.raw}'")
            return None
        if not isinstance(node.value, str):
            if _SEXAGESIMAL.match(node.raw) and ":" in node.raw:
                self.add(
                    node,
                    f"{node.raw} was read as the number {node.value}",
                    f"quote it: '{node.raw}'",
                )
                return None
            return node.raw
        value = node.value.strip()
        if not value:
            self.add(node, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(
                node,
                f"is {len(value)} characters long; the limit is {max_length}",
                "shorten it or split it into two messages",
            )
            return None
        size = len(value.encode("utf-8"))
        if max_bytes is not None and size > max_bytes:
            self.add(
                node,
                f"is {size} bytes long; one <Say> speaks at most {max_bytes}",
                "shorten it or split it into two messages",
            )
            return None
        return value

    def time_of_day(self, node: YNode) -> time | None:
        """Return a time written as quoted 'HH:MM', explaining YAML's sexagesimal trap."""
        if (
            node.kind == "scalar"
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
            and ":" in node.raw
        ):
            self.add(
                node,
                f"{node.raw} was read as the number {node.value}, not a time",
                f"quote times: '{_pad_time(node.raw)}'",
            )
            return None
        if node.kind != "scalar" or not isinstance(node.value, str):
            self.add(node, f"expected a time like '09:00', found {node.describe()}")
            return None
        match = _TIME.match(node.value.strip())
        if match is None:
            hint = (
                "to stay open until midnight write '23:59:59'"
                if node.value.strip() == "24:00"
                else "write it as 'HH:MM', e.g. '09:00'"
            )
            self.add(node, f"'{node.value}' is not a time of day", hint)
            return None
        hour, minute, second = match.groups()
        return time(int(hour), int(minute), int(second or 0))

    def day(self, node: YNode) -> date | None:
        """Return a calendar date written YYYY-MM-DD (quoted or not)."""
        value = node.value
        if node.kind == "scalar" and isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if node.kind == "scalar" and isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(
            node, f"{node.describe()} is not a date", "write it as YYYY-MM-DD, e.g. 2026-07-28"
        )
        return None

    def integer(
        self, node: YNode, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = node.value
        if node.kind != "scalar" or isinstance(value, bool) or not isinstance(value, int):
            self.add(node, f"expected a whole number, found {node.describe()}")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = (
                f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            )
            self.add(node, f"{value} is out of range", f"use a number {bounds}")
            return None
        return value

    def boolean(self, node: YNode) -> bool | None:
        if node.kind != "scalar" or not isinstance(node.value, bool):
            self.add(node, f"expected true or false, found {node.describe()}")
            return None
        return node.value

    def choice(self, node: YNode, options: Collection[_Choice]) -> _Choice | None:
        """Return the option the node names (typed as the options are), or record a problem."""
        value = self.text(node)
        if value is None:
            return None
        for option in options:
            if option == value:
                return option
        close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "one of: " + ", ".join(options)
        self.add(node, f"'{value}' is not one of the accepted values", hint)
        return None

    def texts(self, node: YNode) -> Iterator[tuple[YNode, str]]:
        """Yield the items of a list of strings (a single string counts as a list of one)."""
        if node.kind == "scalar":
            value = self.text(node)
            if value is not None:
                yield node, value
            return
        for item in self.sequence(node) or []:
            value = self.text(item)
            if value is not None:
                yield item, value


# libyaml's parser, several times faster than PyYAML's (the operator files are read at every
# start and reload), when PyYAML was built with it; both build the same nodes.
_FAST_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def _compose(
    text: str, loader_class: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
) -> tuple[yaml.Node | None, SafeConstructor]:
    """Return the document's root node (None: empty) and the loader that builds its scalars."""
    loader = loader_class(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


def _pad_time(raw: str) -> str:
    hour, _, rest = raw.partition(":")
    return f"{int(hour):02d}:{rest}" if hour.isdigit() else raw

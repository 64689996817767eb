"""Draw the menu tree for operators: indented text, an SVG picture, a self-contained HTML page.

Pure: a ``MenuTree`` and a ``Snapshot`` (the lines and swaps at one instant) in, a string out.
The picture is a layered tree: each node sits in the column of its distance from the start
menu (breadth-first), nodes reached only from the call settings (on_failure, after_hours,
goodbye) or from nowhere follow. No scripts, fonts, images or styles from elsewhere: the
HTML file opens anywhere, offline. Every operator text is escaped.
"""

from __future__ import annotations

import textwrap
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from typing import Literal, assert_never

from ivr.core.lima import to_lima
from ivr.core.menu import (
    BACK,
    HangupNode,
    MenuNode,
    MenuTree,
    MessageNode,
    Node,
    SelfServiceNode,
    TransferNode,
)
from ivr.core.schedule.evaluation import LineStatus, Reason
from ivr.core.schedule.model import Slot
from ivr.core.schedule.snapshot import (
    REASONS,
    REASONS_ES,
    SLOT_NAMES_ES,
    Snapshot,
    describe_active,
    describe_line,
    when,
)
from ivr.core.spoken import date_words

RowKind = Literal["say", "option", "next", "closed", "desk", "info", "now"]
SETTINGS = ("start", "on_failure", "after_hours", "goodbye")

_SHORT_TEXT = 72  # characters of a spoken text shown in the text view; the YAML has all of it


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a node's description; ``target`` is the node it leads to, if any."""

    text: str
    kind: RowKind
    target: str | None = None
    full: str | None = None  # the untruncated text, when ``text`` is cut
    swap: bool = False  # a message swap changes what this node says now
    target_name: str | None = None  # how the target is named, if not by its id


def _when_es(moment: datetime) -> str:
    """'miércoles 18 de noviembre, 10:00' in Lima time."""
    local = to_lima(moment)
    return f"{date_words(local.date())}, {local:%H:%M}"


def _line_es(name: str, line: LineStatus) -> str:
    """'línea central: cerrada (feriado: Navidad) hasta el viernes 26 de diciembre, 09:00'."""
    why = REASONS_ES[line.reason] + (f": {line.label}" if line.label else "")
    text = f"línea {name}: {'abierta' if line.open else 'cerrada'} ({why})"
    return text + (f" hasta el {_when_es(line.next_change)}" if line.next_change else "")


def _active_es(snapshot: Snapshot) -> str:
    """'saludo_fuera_de_horario (saludo), cuota_5 (anuncio)' or 'ninguno'."""
    shown = []
    for name in snapshot.active.names:
        slot = snapshot.slots.get(name)
        shown.append(f"{name} ({SLOT_NAMES_ES[slot] if slot else '?'})")
    return ", ".join(shown) or "ninguno"


@dataclass(frozen=True, slots=True)
class Words:
    """What the map says around the operators' own texts: English (``ivr graph``) by default.

    Node ids, kinds and setting names stay as the YAML spells them: the operator looks them up
    there.
    """

    when: Callable[[datetime], str] = when
    line: Callable[[str, LineStatus], str] = describe_line
    active: Callable[[Snapshot], str] = describe_active
    reasons: dict[Reason, str] = field(default_factory=lambda: dict(REASONS))
    slots: dict[Slot, str] = field(default_factory=dict)  # a slot's name, if not its own
    heading: str = "Menu at {at}, America/Lima"
    picture: str = "Menu tree"
    picture_desc: str = "At {at}: {lines}; active messages: {active}"
    callers_hear: str = "callers hear"
    override: str = "Emergency override"
    no_swaps: str = "Active message swaps: none."
    swap_columns: tuple[str, str, str] = ("active message", "slot", "text")
    says: str = "says"
    prompt: str = "prompt"
    back: str = "next: back to the menu the caller came from"
    next: str = "next"
    queue: str = "queue {queue}"
    dial: str = "dial {number}"
    line_plain: str = "line {line}"
    line_now: str = "line {line}: {state} now ({why})"
    open_closed: tuple[str, str] = ("OPEN", "CLOSED")
    when_closed: str = "when closed"
    hang_up: str = "then hang up"
    self_service: str = "balance and due dates, after the caller is verified"
    billing: str = "billing desk"
    greeting_swap: str = "now: greeting replaced by '{name}'"
    announcement: str = "now: announcement '{name}' before this menu"
    text_swap: str = "now: text replaced by '{name}'"
    swapped: str = " (a message swap applies now)"
    # Node ids shown beside their titles (``ivr graph``); the console names nodes by title.
    ids: bool = True
    kinds: dict[str, str] = field(default_factory=dict)  # a node kind's name, if not its own
    marks: dict[str, str] = field(default_factory=dict)  # a setting's name, if not its own

    def kind(self, node: Node) -> str:
        return self.kinds.get(node.kind, node.kind)

    def mark(self, setting: str) -> str:
        return self.marks.get(setting, setting)

    def node(self, tree: MenuTree, node_id: str) -> str:
        """Name a node: its id, or in the console its title."""
        found = tree.nodes.get(node_id)
        return node_id if self.ids or found is None else found.title


ENGLISH = Words()
SPANISH = Words(
    when=_when_es,
    line=_line_es,
    active=_active_es,
    reasons=dict(REASONS_ES),
    slots=dict(SLOT_NAMES_ES),
    heading="Menú el {at}, hora de Lima",
    picture="Árbol del menú",
    picture_desc="El {at}: {lines}; mensajes activos: {active}",
    callers_hear="quienes llaman oyen",
    override="Cierre de emergencia",
    no_swaps="Mensajes cambiados activos: ninguno.",
    swap_columns=("mensaje activo", "espacio", "texto"),
    says="dice",
    prompt="pide",
    back="luego: vuelve al menú del que vino",
    next="luego",
    queue="cola de espera",  # the desk is the node: its title names it
    dial="marca {number}",
    line_plain="línea {line}",
    line_now="línea {line}: {state} ahora ({why})",
    open_closed=("ABIERTA", "CERRADA"),
    when_closed="si está cerrada",
    hang_up="luego cuelga",
    self_service="saldo y vencimientos, tras verificar a quien llama",
    billing="mesa de facturación",
    greeting_swap="ahora: el saludo es «{name}»",
    announcement="ahora: el anuncio «{name}» suena antes de este menú",
    text_swap="ahora: el texto es «{name}»",
    swapped=" (ahora se aplica un mensaje cambiado)",
    ids=False,
    kinds={
        "menu": "menú",
        "message": "mensaje",
        "transfer": "transferencia",
        "hangup": "fin de llamada",
        "selfservice": "autoservicio",
    },
    marks={
        "start": "inicio",
        "on_failure": "tras errores",
        "after_hours": "fuera de horario",
        "goodbye": "despedida",
        "human": "asesor",
        "not reachable": "inalcanzable",
    },
)


@dataclass(frozen=True, slots=True)
class Layout:
    """The nodes by column (distance from the start), and why the late ones are there."""

    columns: tuple[tuple[str, ...], ...]
    roots: dict[str, str]  # node id -> "start" / a settings name / "not reachable"


# -- what each node says and where it leads ----------------------------------------------------
def rows(
    tree: MenuTree, node: Node, snapshot: Snapshot | None = None, words: Words = ENGLISH
) -> tuple[Row, ...]:
    """Return the rows describing ``node``: texts, keys and targets, transfers, state now."""
    found = _rows(tree, node, snapshot, words)
    if words.ids:
        return found
    return tuple(
        replace(row, target_name=words.node(tree, row.target)) if row.target else row
        for row in found
    )


def _rows(tree: MenuTree, node: Node, snapshot: Snapshot | None, words: Words) -> tuple[Row, ...]:
    out = _now_rows(tree, node, snapshot, words)
    match node:
        case MenuNode():
            if node.say:
                out.append(_said(node.say, words.says))
            if node.prompt:
                out.append(_said(node.prompt, words.prompt))
            out += [Row(f"{o.key}  {o.label}", "option", o.target) for o in node.options]
        case MessageNode():
            out += [_said(text, words.says) for text in node.say]
            if node.next == BACK:
                out.append(Row(words.back, "next"))
            else:
                out.append(Row(words.next, "next", node.next))
        case TransferNode():
            if node.say:
                out.append(_said(node.say, words.says))
            target = (
                words.queue.format(queue=node.queue)
                if node.queue
                else words.dial.format(number=node.dial)
            )
            out.append(Row(target, "info"))
            state = snapshot.line(node.line) if snapshot else None
            if state is None:
                out.append(Row(words.line_plain.format(line=node.line), "info"))
            else:
                why = words.reasons[state.reason] + (f": {state.label}" if state.label else "")
                now = words.open_closed[0 if state.open else 1]
                out.append(Row(words.line_now.format(line=node.line, state=now, why=why), "now"))
            if node.closed:
                out.append(Row(words.when_closed, "closed", node.closed))
            else:
                after = tree.settings.after_hours
                where = "settings.after_hours" if words.ids else words.mark("after_hours")
                out.append(Row(f"{words.when_closed} ({where})", "closed", after))
        case HangupNode():
            out += [_said(text, words.says) for text in node.say]
            out.append(Row(words.hang_up, "info"))
        case SelfServiceNode():
            out.append(Row(words.self_service, "info"))
            if node.billing_desk:
                out.append(Row(words.billing, "desk", node.billing_desk))
            out.append(Row(words.next, "next", node.next))
        case _:
            assert_never(node)
    return tuple(out)


def _said(text: str, what: str) -> Row:
    shown = _cut(text, _SHORT_TEXT)
    return Row(f'{what}: "{shown}"', "say", full=text if shown != text else None)


def _now_rows(tree: MenuTree, node: Node, snapshot: Snapshot | None, words: Words) -> list[Row]:
    """Note the message swaps that change what this node says at the snapshot's instant."""
    if snapshot is None:
        return []
    out: list[Row] = []
    if node.id == tree.settings.start:
        # ivr.core.flow.start: a greeting swap replaces the greeting; announcements play after it.
        out += [
            Row(words.greeting_swap.format(name=n), "now", swap=True)
            for n in _named(snapshot, "greeting")
        ]
        out += [
            Row(words.announcement.format(name=n), "now", swap=True)
            for n in _named(snapshot, "announcement")
        ]
    if node.id == tree.settings.after_hours:
        # ivr.core.flow.enter: an after_hours swap replaces the after-hours node's texts.
        names = _named(snapshot, "after_hours")
        out += [Row(words.text_swap.format(name=names[0]), "now", swap=True)] if names else []
    return out


def _named(snapshot: Snapshot, slot: Slot) -> list[str]:
    return [name for name in snapshot.active.names if snapshot.slots.get(name) == slot]


def _cut(text: str, size: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1].rstrip() + "…"


def settings_targets(tree: MenuTree) -> tuple[tuple[str, str], ...]:
    """Return (setting name, node id) for start, on_failure, after_hours and goodbye."""
    settings = tree.settings
    return tuple((name, str(getattr(settings, name))) for name in SETTINGS)


# -- layout ------------------------------------------------------------------------------------
def layout(tree: MenuTree) -> Layout:
    """Place every node in a column: its breadth-first distance from its root."""
    depth: dict[str, int] = {}
    roots: dict[str, str] = {}
    order: list[str] = []
    candidates = [(target, name) for name, target in settings_targets(tree)]
    candidates += [(node_id, "not reachable") for node_id in sorted(tree.nodes)]
    for root, why in candidates:
        if root in depth or root not in tree.nodes:
            continue
        roots[root] = why
        depth[root] = 0
        order.append(root)
        queue = deque([root])
        while queue:
            current = queue.popleft()
            for row in rows(tree, tree.nodes[current]):
                target = row.target
                if target is None or target in depth or target not in tree.nodes:
                    continue
                depth[target] = depth[current] + 1
                order.append(target)
                queue.append(target)
    width = max(depth.values(), default=-1) + 1
    columns = tuple(tuple(n for n in order if depth[n] == c) for c in range(width))
    return Layout(columns, roots)


# -- text ---------------------------------------------------------------------------------------
def render_text(tree: MenuTree, snapshot: Snapshot) -> str:
    """Return the tree indented, each node once in full, later mentions pointing back."""
    out = [f"Menu tree at {when(snapshot.moment)}, America/Lima"]
    out += [f"  {describe_line(name, status)}" for name, status in snapshot.lines]
    out.append(f"  active messages: {describe_active(snapshot)}")
    if snapshot.override is not None:
        out.append(f"  EMERGENCY OVERRIDE: {snapshot.override.message}")
    out.append(
        "  settings: " + ", ".join(f"{name} -> {node}" for name, node in settings_targets(tree))
    )
    shown: set[str] = set()
    plan = layout(tree)
    for root, why in plan.roots.items():
        out.append("")
        if why != "start":
            out.append(f"({why})" if why == "not reachable" else f"(settings.{why})")
        _text_node(tree, snapshot, root, 0, shown, out)
    return "\n".join(out) + "\n"


def _text_node(
    tree: MenuTree,
    snapshot: Snapshot,
    node_id: str,
    level: int,
    shown: set[str],
    out: list[str],
    lead: str = "",
) -> None:
    """Print a node on one line (after ``lead``: the key that leads to it), its rows below."""
    node = tree.nodes[node_id]
    marks = [name for name, target in settings_targets(tree) if target == node_id]
    tag = f"  ({', '.join(marks)})" if marks else ""
    out.append(f"{'  ' * level}{lead}{node.id} [{_kind(node)}] {node.title}{tag}")
    shown.add(node_id)
    pad = "  " * (level + 1)
    for row in rows(tree, node, snapshot):
        if row.target is None:
            out.append(f"{pad}{row.text}")
        elif row.target in shown or row.target not in tree.nodes:
            out.append(f"{pad}{row.text} -> {row.target} (shown above)")
        else:
            _text_node(tree, snapshot, row.target, level + 1, shown, out, f"{row.text} -> ")


def _kind(node: Node) -> str:
    return node.kind


# -- SVG ----------------------------------------------------------------------------------------
# The picture fits a 1366-pixel-wide screen: at most PICTURE_WIDTH pixels (the screen less a
# scroll bar and the page's margins) for up to five columns. Boxes share what is left
# after the gutters; every text is wrapped to the box's width, never cut, except the spoken
# texts (whole in their tooltip and in the node cards). Arrows run only in the gutters between
# columns and in lanes above the boxes, so none crosses a box.
SCREEN_WIDTH = 1366
PICTURE_WIDTH = SCREEN_WIDTH - 46
MAX_BOX_W = 320
MIN_BOX_W = 180  # narrower is unreadable: a tree of more than 5 columns scrolls sideways
GUTTER = 64  # left of each column, and right of the last one
HEAD_LINE = 16  # the bold heading's lines
ROW_H = 16  # a row's lines
PAD = 8
ROW_GAP = 22
MARGIN = 12
LANE_GAP = 8  # between the lanes above the boxes
# Average advance of a character, in pixels, at the picture's 12-pixel sans-serif (bold wider);
# a conservative figure for wrapping, as the picture does not know the viewer's fonts.
CHAR_W = 7.0
BOLD_CHAR_W = 8.0
FILL = {
    "menu": "#e8f0fe",
    "message": "#fef7e0",
    "transfer": "#e6f4ea",
    "hangup": "#f1f3f4",
    "selfservice": "#f3e8fd",
}
CLOSED_FILL = "#fce8e6"
NOW_STROKE = "#b06000"  # a box whose wording a message swap changes now


@dataclass(frozen=True, slots=True)
class _Box:
    node: Node
    x: int
    y: int
    width: int
    head: tuple[str, ...]  # the heading's lines: id, kind, settings, then the title
    rows: tuple[Row, ...]
    lines: tuple[tuple[str, ...], ...]  # each row's wrapped lines

    @property
    def height(self) -> int:
        return self.head_height + sum(len(lines) for lines in self.lines) * ROW_H + PAD

    @property
    def head_height(self) -> int:
        return PAD + len(self.head) * HEAD_LINE + 6

    def row_y(self, index: int) -> int:
        """The middle of the first line of row ``index``."""
        before = sum(len(lines) for lines in self.lines[:index])
        return self.y + self.head_height + before * ROW_H + ROW_H // 2


@dataclass(frozen=True, slots=True)
class Picture:
    """Where everything is drawn: boxes, and each arrow as its corner points."""

    width: int
    height: int
    boxes: dict[str, _Box]
    edges: tuple[tuple[str, int, str, tuple[tuple[int, int], ...]], ...]  # source, row, target


def box_width(columns: int) -> int:
    """Return the width of a box when ``columns`` columns share the picture."""
    shared = (PICTURE_WIDTH - 2 * MARGIN - (columns + 1) * GUTTER) // max(columns, 1)
    return max(MIN_BOX_W, min(MAX_BOX_W, shared))


def _wrap(text: str, width: int, char_w: float) -> tuple[str, ...]:
    chars = max(8, int((width - 2 * PAD) // char_w))
    return tuple(textwrap.wrap(" ".join(text.split()), chars, break_on_hyphens=False)) or ("",)


def _row_text(row: Row) -> str:
    return row.text + (f" → {row.target_name or row.target}" if row.target else "")


def place(tree: MenuTree, snapshot: Snapshot | None, words: Words = ENGLISH) -> Picture:
    """Lay out the picture: boxes in their columns, arrows routed around them."""
    plan = layout(tree)
    width_each = box_width(len(plan.columns))
    found: list[tuple[str, int, str]] = []
    sized: dict[str, tuple[tuple[str, ...], tuple[Row, ...], tuple[tuple[str, ...], ...]]] = {}
    for ids in plan.columns:
        for node_id in ids:
            node = tree.nodes[node_id]
            marks = [words.mark(n) for n, target in settings_targets(tree) if target == node.id]
            shown = f"{node.id} [{words.kind(node)}]" if words.ids else f"[{words.kind(node)}]"
            heading = shown + (f" ({', '.join(marks)})" if marks else "")
            head = _wrap(heading, width_each, BOLD_CHAR_W) + _wrap(node.title, width_each, CHAR_W)
            node_rows = rows(tree, node, snapshot, words)
            lines = tuple(_wrap(_row_text(row), width_each, CHAR_W) for row in node_rows)
            sized[node_id] = (head, node_rows, lines)
            found += [
                (node_id, i, row.target)
                for i, row in enumerate(node_rows)
                if row.target is not None and row.target in tree.nodes
            ]
    column_of = {node_id: c for c, ids in enumerate(plan.columns) for node_id in ids}
    # arrows to the next column run in the gutter between; the others go up to a lane of their own
    lanes = [edge for edge in found if column_of[edge[2]] != column_of[edge[0]] + 1]
    top = MARGIN + len(lanes) * LANE_GAP + (LANE_GAP if lanes else 0)
    boxes: dict[str, _Box] = {}
    for column, ids in enumerate(plan.columns):
        y = top
        x = MARGIN + GUTTER + column * (width_each + GUTTER)
        for node_id in ids:
            head, node_rows, lines = sized[node_id]
            box = _Box(tree.nodes[node_id], x, y, width_each, head, node_rows, lines)
            boxes[node_id] = box
            y += box.height + ROW_GAP
    columns = max(len(plan.columns), 1)
    width = 2 * MARGIN + GUTTER + columns * (width_each + GUTTER)
    height = MARGIN + max((b.y + b.height for b in boxes.values()), default=top)
    # tracks: each arrow's vertical run gets its own x in the gutter it uses
    uses: dict[int, list[tuple[str, int, str, str]]] = {}  # gutter -> (edge..., which end)
    for source, index, target in found:
        uses.setdefault(column_of[source] + 1, []).append((source, index, target, "out"))
        if (source, index, target) in lanes:
            uses.setdefault(column_of[target], []).append((source, index, target, "in"))
    track: dict[tuple[str, int, str, str], int] = {}
    for gutter, users in uses.items():
        left = MARGIN + gutter * (width_each + GUTTER)
        step = GUTTER / (len(users) + 1)
        for n, user in enumerate(users, 1):
            track[user] = round(left + n * step)
    edges = []
    for source, index, target in found:
        start, end = boxes[source], boxes[target]
        x1, y1 = start.x + start.width, start.row_y(index)
        x2, y2 = end.x, end.y + end.head_height // 2
        out = track[(source, index, target, "out")]
        points: tuple[tuple[int, int], ...]
        if (source, index, target) in lanes:
            up = MARGIN + lanes.index((source, index, target)) * LANE_GAP
            into = track[(source, index, target, "in")]
            points = ((x1, y1), (out, y1), (out, up), (into, up), (into, y2), (x2, y2))
        else:
            points = ((x1, y1), (out, y1), (out, y2), (x2, y2))
        edges.append((source, index, target, points))
    return Picture(width, height, boxes, tuple(edges))


def render_svg(
    tree: MenuTree, snapshot: Snapshot, *, standalone: bool = True, words: Words = ENGLISH
) -> str:
    """Return the picture: a box per node, an arrow per key or target; links when embedded."""
    picture = place(tree, snapshot, words)
    width, height = picture.width, picture.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img" '
        'aria-labelledby="menu-map-title menu-map-desc">',
        f'<title id="menu-map-title">{_e(words.picture)}</title>',
        f'<desc id="menu-map-desc">{_e(_describe_now(snapshot, words))}</desc>',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5f6368"/>'
        "</marker></defs>",
    ]
    for box in picture.boxes.values():
        out.append(_svg_box(box, snapshot, words, linked=not standalone))
    for source, index, _, points in picture.edges:
        kind = picture.boxes[source].rows[index].kind
        out.append(_svg_edge(points, kind))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _describe_now(snapshot: Snapshot, words: Words) -> str:
    lines = "; ".join(words.line(name, status) for name, status in snapshot.lines)
    at = words.when(snapshot.moment)
    return words.picture_desc.format(at=at, lines=lines, active=words.active(snapshot))


def _svg_box(box: _Box, snapshot: Snapshot, words: Words, *, linked: bool) -> str:
    node, kind = box.node, _kind(box.node)
    fill = FILL[kind]
    if isinstance(node, TransferNode):
        state = snapshot.line(node.line)
        fill = CLOSED_FILL if state is not None and not state.open else fill
    swapped = any(row.swap for row in box.rows)
    stroke = f'stroke="{NOW_STROKE}" stroke-width="3"' if swapped else 'stroke="#5f6368"'
    parts = [
        f'<g id="svg-{_e(node.id)}" class="node">',
        f"<title>{_e(node.id) + ': ' if words.ids else ''}{_e(node.title)}"
        f"{_e(words.swapped) if swapped else ''}</title>",
        f'<rect x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}" rx="6" '
        f'fill="{fill}" {stroke}/>',
    ]
    y = box.y + PAD + 12
    bold = len(box.head) - len(_wrap(node.title, box.width, CHAR_W))
    for weight, lines in ((' font-weight="bold"', box.head[:bold]), ("", box.head[bold:])):
        spans = "".join(
            f'<tspan x="{box.x + PAD}" y="{y + n * HEAD_LINE}">{_e(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(f"<text{weight}>{spans}</text>")
        y += len(lines) * HEAD_LINE
    rule = box.y + box.head_height - 3
    parts.append(
        f'<line x1="{box.x}" y1="{rule}" x2="{box.x + box.width}" y2="{rule}" stroke="#dadce0"/>'
    )
    for index, (row, lines) in enumerate(zip(box.rows, box.lines, strict=True)):
        style = ' font-style="italic" fill="#3c4043"' if row.kind in ("say", "now") else ""
        first = box.row_y(index) + 4
        spans = "".join(
            f'<tspan x="{box.x + PAD}" y="{first + n * ROW_H}">{_e(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        full = row.full or _row_text(row)
        parts.append(f"<text{style}><title>{_e(full)}</title>{spans}</text>")
    parts.append("</g>")
    group = "".join(parts)
    if linked:
        return f'<a href="#node-{_e(node.id)}">{group}</a>'
    return group


def _svg_edge(points: tuple[tuple[int, int], ...], kind: RowKind) -> str:
    path = "M" + " L".join(f"{x},{y}" for x, y in points)
    dash = "" if kind == "option" else ' stroke-dasharray="5,4"'
    return f'<path d="{path}" fill="none" stroke="#5f6368"{dash} marker-end="url(#arrow)"/>'


def _e(text: str) -> str:
    return escape(text, quote=True)


# -- HTML ---------------------------------------------------------------------------------------
_CSS = """
body { font-family: sans-serif; margin: 1.5rem; color: #202124; }
h1 { margin-bottom: 0.2rem; }
.at { color: #5f6368; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
td, th { border: 1px solid #dadce0; padding: 0.3rem 0.6rem; text-align: left;
         vertical-align: top; }
.map { overflow: auto; border: 1px solid #dadce0; padding: 0.5rem; background: #fff; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr));
         gap: 0.8rem; }
article { border: 1px solid #dadce0; border-radius: 6px; padding: 0.6rem 0.8rem; }
article h3 { margin: 0 0 0.2rem; font-size: 1rem; }
.type { font-weight: normal; color: #5f6368; }
.file, .mark { color: #5f6368; font-size: 0.85rem; }
.open { color: #137333; font-weight: bold; }
.closed { color: #a50e0e; font-weight: bold; }
.now { background: #fff8e1; }
ul { padding-left: 1.2rem; margin: 0.3rem 0; }
"""


def render_html(tree: MenuTree, snapshot: Snapshot, *, fingerprint: str = "") -> str:
    """Return one self-contained HTML page: the state now, the settings, the map, every node."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>IVR menu tree</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>IVR menu tree</h1>",
        f'<p class="at">At {_e(when(snapshot.moment))}, America/Lima'
        + (f" · configuration {_e(fingerprint)}" if fingerprint else "")
        + "</p>",
        "<h2>Now</h2>",
        _html_now(snapshot, ENGLISH),
        "<h2>Call settings</h2>",
        _html_settings(tree),
        "<h2>Map</h2>",
        '<div class="map">',
        render_svg(tree, snapshot, standalone=False),
        "</div>",
        "<h2>Nodes</h2>",
        '<div class="cards">',
    ]
    plan = layout(tree)
    for column in plan.columns:
        out += [_html_card(tree, tree.nodes[node_id], snapshot, ENGLISH) for node_id in column]
    out += ["</div>", "</body></html>"]
    return "\n".join(out) + "\n"


# The fragment's classes, for the page that embeds it (no style travels with the fragment, so a
# console that forbids inline styles shows it as designed).
FRAGMENT_CSS = """
.menu-map .map { overflow-x: auto; }
.menu-map .map svg { max-width: 100%; height: auto; }
.menu-map .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr));
                   gap: 0.8rem; }
.menu-map article { border: 1px solid #dadce0; border-radius: 6px; padding: 0.6rem 0.8rem; }
.menu-map .open { color: #137333; font-weight: bold; }
.menu-map .closed { color: #a50e0e; font-weight: bold; }
.menu-map .now { background: #fff8e1; }
"""


def render_fragment(tree: MenuTree, snapshot: Snapshot, words: Words = ENGLISH) -> str:
    """Return the map to embed in a page: the lines and swaps now, the picture, every node.

    Each box of the picture links to its node's card below it (the picture's text alternative:
    every text in full). Styles: ``FRAGMENT_CSS``. ``words=SPANISH`` for the console.
    """
    heading = words.heading.format(at=words.when(snapshot.moment))
    out = [
        '<section class="menu-map" aria-labelledby="menu-map-heading">',
        f'<h2 id="menu-map-heading">{_e(heading)}</h2>',
        _html_now(snapshot, words),
        '<div class="map">',
        render_svg(tree, snapshot, standalone=False, words=words),
        "</div>",
        '<div class="cards">',
    ]
    for column in layout(tree).columns:
        out += [_html_card(tree, tree.nodes[node_id], snapshot, words) for node_id in column]
    out += ["</div>", "</section>"]
    return "\n".join(out) + "\n"


def _html_now(snapshot: Snapshot, words: Words) -> str:
    out = ["<ul>"]
    for name, status in snapshot.lines:
        css = "open" if status.open else "closed"
        out.append(f'<li><span class="{css}">{_e(words.line(name, status))}</span>')
        if status.message:
            out.append(f"<br>{_e(words.callers_hear)}: “{_e(status.message)}”")
        out.append("</li>")
    if snapshot.override is not None:
        out.append(
            f'<li><span class="closed">{_e(words.override)}</span>: '
            f"{_e(snapshot.override.message)}</li>"
        )
    out.append("</ul>")
    if not snapshot.active.names:
        out.append(f"<p>{_e(words.no_swaps)}</p>")
        return "\n".join(out)
    heads = "".join(f"<th>{_e(h)}</th>" for h in words.swap_columns)
    out.append(f"<table><tr>{heads}</tr>")
    for name in snapshot.active.names:
        slot = snapshot.slots.get(name)
        shown = (words.slots.get(slot) or slot) if slot else ""
        text = snapshot.texts.get(name, "")
        out.append(f"<tr><td>{_e(name)}</td><td>{_e(shown)}</td><td>{_e(text)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _html_settings(tree: MenuTree) -> str:
    out = ["<table><tr><th>setting</th><th>node</th></tr>"]
    for name, node_id in settings_targets(tree):
        out.append(
            f'<tr><td>{name}</td><td><a href="#node-{_e(node_id)}">{_e(node_id)}</a></td></tr>'
        )
    out.append("</table>")
    return "\n".join(out)


def _html_card(tree: MenuTree, node: Node, snapshot: Snapshot, words: Words) -> str:
    marks = [words.mark(n) for n, target in settings_targets(tree) if target == node.id]
    name = node.id if words.ids else node.title
    out = [
        f'<article id="node-{_e(node.id)}">',
        f'<h3>{_e(name)} <span class="type">[{_e(words.kind(node))}]</span></h3>',
    ]
    if words.ids:
        out.append(f"<div>{_e(node.title)}</div>")
    where = tree.files.get(node.id)
    if where or marks:
        notes = ([_e(where)] if where else []) + [
            f"settings.{m}" if words.ids else _e(m) for m in marks
        ]
        out.append(f'<div class="file">{" · ".join(notes)}</div>')
    out.append("<ul>")
    for row in rows(tree, node, snapshot, words):
        text = _e(row.full) if row.full else _e(row.text)
        if row.kind == "say" and row.full:
            text = _e(row.text.split(":", 1)[0]) + f": “{_e(row.full)}”"
        if row.target:
            shown = row.target_name or row.target
            text += f' → <a href="#node-{_e(row.target)}">{_e(shown)}</a>'
        css = ' class="now"' if row.kind == "now" else ""
        out.append(f"<li{css}>{text}</li>")
    out.append("</ul></article>")
    return "\n".join(out)

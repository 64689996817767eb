"""The menu map on a 1366-pixel screen: boxes fit, labels whole, arrows around boxes, state now."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ivr.clock import LIMA
from ivr.config.loader import load_config
from ivr.console.menumap import (
    CLOSED_FILL,
    FILL,
    MIN_BOX_W,
    NOW_STROKE,
    PICTURE_WIDTH,
    SCREEN_WIDTH,
    SPANISH,
    Picture,
    box_width,
    layout,
    place,
    render_fragment,
    render_svg,
    rows,
)
from ivr.core.menu import MenuNode, MenuTree, Option, TransferNode
from ivr.core.schedule.model import Override
from ivr.core.schedule.snapshot import Snapshot, take_snapshot

SVG = "{http://www.w3.org/2000/svg}"
REPO = Path(__file__).resolve().parents[2]
WEDNESDAY_10 = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)  # the central is open
SUNDAY_10 = datetime(2026, 11, 22, 10, 0, tzinfo=LIMA)  # closed; the closed greeting plays
LONG_LABEL = "una etiqueta de opción bastante larga que antes se cortaba en cuarenta y cuatro"


@pytest.fixture(scope="module")
def shipped() -> tuple[MenuTree, object]:
    config = load_config(REPO)
    return config.menus, config.schedules


def snapshot_at(shipped: tuple[MenuTree, object], moment: datetime, **kw: object) -> Snapshot:
    return take_snapshot(shipped[1], moment, kw.get("override"))  # type: ignore[arg-type]


def deep(tree: MenuTree, levels: int) -> MenuTree:
    """The shipped tree with a chain of ``levels`` menus of long labels after the main menu."""
    nodes = dict(tree.nodes)
    start = nodes[tree.settings.start]
    assert isinstance(start, MenuNode)
    chain = [f"nivel-{n}" for n in range(levels)]
    for n, node_id in enumerate(chain):
        target = chain[n + 1] if n + 1 < levels else "help-desk"
        options = (
            Option("1", f"{LONG_LABEL} {n}", target, ()),
            Option("2", "volver al inicio", tree.settings.start, ()),  # an arrow backwards
            Option("3", "despedida", tree.settings.goodbye, ()),  # an arrow to an early column
        )
        nodes[node_id] = MenuNode(node_id, f"Nivel {n}: {LONG_LABEL}", None, None, options)
    nodes[start.id] = replace(start, options=(*start.options, Option("9", "más", chain[0], ())))
    return replace(tree, nodes=nodes)


def segments(points: tuple[tuple[int, int], ...]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return list(pairwise(points))


def crosses(a: tuple[int, int], b: tuple[int, int], box: tuple[int, int, int, int]) -> bool:
    """Whether the axis-aligned segment a-b passes through the inside of box (x, y, w, h)."""
    x, y, w, h = box
    (x1, y1), (x2, y2) = a, b
    assert x1 == x2 or y1 == y2, "arrows run horizontally and vertically only"
    low_x, high_x, low_y, high_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    return low_x < x + w and high_x > x and low_y < y + h and high_y > y


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param((0, 5), (20, 5), True, id="through"),
        pytest.param((0, 5), (5, 5), False, id="up-to-the-edge"),
        pytest.param((15, 0), (15, 20), False, id="along-the-right-side"),
        pytest.param((8, -5), (8, 1), True, id="into-the-top"),
        pytest.param((0, 12), (20, 12), False, id="below"),
    ],
)
def test_crossing(a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    assert crosses(a, b, (5, 0, 10, 10)) is expected


def check_geometry(picture: Picture) -> None:
    rects = {node_id: (b.x, b.y, b.width, b.height) for node_id, b in picture.boxes.items()}
    for node_id, (x, y, w, h) in rects.items():
        assert x >= 0 and x + w <= picture.width, node_id
        assert y >= 0 and y + h <= picture.height, node_id
        for other, (ox, oy, ow, oh) in rects.items():
            if other != node_id:
                assert not (x < ox + ow and ox < x + w and y < oy + oh and oy < y + h), (
                    f"{node_id} overlaps {other}"
                )
    for source, index, target, points in picture.edges:
        start, end = picture.boxes[source], picture.boxes[target]
        assert points[0] == (start.x + start.width, start.row_y(index))  # leaves its row
        assert points[-1] == (end.x, end.y + end.head_height // 2)  # enters the heading
        for a, b in segments(points):
            for node_id, rect in rects.items():
                assert not crosses(a, b, rect), f"{source}->{target} crosses {node_id}"


@pytest.mark.parametrize(
    ("levels", "columns", "fits"),
    [(0, 4, True), (4, 5, True), (6, 7, False), (9, 10, False)],
    ids=["shipped-4-columns", "5-columns", "7-columns", "10-columns"],
)
def test_boxes_fit_the_screen_and_no_arrow_crosses_a_box(
    shipped: tuple[MenuTree, object], levels: int, columns: int, fits: bool
) -> None:
    tree = deep(shipped[0], levels) if levels else shipped[0]
    picture = place(tree, snapshot_at(shipped, WEDNESDAY_10))
    assert len(layout(tree).columns) == columns
    check_geometry(picture)
    assert (picture.width <= PICTURE_WIDTH < SCREEN_WIDTH) is fits  # wider trees scroll
    assert {box.width for box in picture.boxes.values()} == {box_width(columns)}
    assert MIN_BOX_W <= box_width(columns) < SCREEN_WIDTH
    wanted = sum(
        1 for node in tree.nodes.values() for row in rows(tree, node) if row.target is not None
    )
    assert len(picture.edges) == wanted


def svg_texts(svg: str) -> list[str]:
    """Every text element of the picture as read (its lines joined), without tooltips."""
    root = ElementTree.fromstring(svg)
    out = []
    for text in root.iter(f"{SVG}text"):
        parts = [text.text or ""] + [span.text or "" for span in text.iter(f"{SVG}tspan")]
        out.append(" ".join(p for p in parts if p))
    return out


def test_labels_and_titles_are_whole(shipped: tuple[MenuTree, object]) -> None:
    tree = deep(shipped[0], 3)
    shown = " | ".join(svg_texts(render_svg(tree, snapshot_at(shipped, WEDNESDAY_10))))
    assert "…" not in re.sub(r'says: "[^"]*…"', "", shown)  # only spoken texts are shortened
    for node in tree.nodes.values():
        assert node.title in shown, node.id
        if isinstance(node, MenuNode):
            for option in node.options:
                assert f"{option.key} {option.label} → {option.target}" in shown


def test_the_picture_fits_1366_pixels(shipped: tuple[MenuTree, object]) -> None:
    svg = render_svg(shipped[0], snapshot_at(shipped, WEDNESDAY_10))
    root = ElementTree.fromstring(svg)
    assert int(root.get("width", "0")) <= PICTURE_WIDTH
    assert root.get("aria-labelledby") == "menu-map-title menu-map-desc"


def fills(svg: str) -> dict[str, tuple[str | None, str | None]]:
    root = ElementTree.fromstring(svg)
    out = {}
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        out[str(group.get("id"))[4:]] = (rect.get("fill"), rect.get("stroke"))
    return out


def test_what_is_active_now(shipped: tuple[MenuTree, object]) -> None:
    tree = shipped[0]
    open_now = render_svg(tree, snapshot_at(shipped, WEDNESDAY_10))
    closed_now = render_svg(tree, snapshot_at(shipped, SUNDAY_10))
    transfers = [n.id for n in tree.nodes.values() if isinstance(n, TransferNode)]
    assert {fills(open_now)[t][0] for t in transfers} == {FILL["transfer"]}
    assert {fills(closed_now)[t][0] for t in transfers} == {CLOSED_FILL}
    # Sunday: the closed greeting replaces the start menu's greeting
    assert fills(closed_now)["principal"][1] == NOW_STROKE
    assert fills(open_now)["principal"][1] != NOW_STROKE
    assert "now: greeting replaced by 'saludo_fuera_de_horario'" in " ".join(svg_texts(closed_now))
    desc = ElementTree.fromstring(closed_now).find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert desc.text.startswith("At Sun 2026-11-22 10:00: line central: closed (after hours)")
    assert "saludo_fuera_de_horario (greeting)" in desc.text


def test_an_emergency_closes_every_transfer(shipped: tuple[MenuTree, object]) -> None:
    override = Override("Cerrado por emergencia.", set_at=WEDNESDAY_10)
    svg = render_svg(shipped[0], snapshot_at(shipped, WEDNESDAY_10, override=override))
    transfers = [n.id for n in shipped[0].nodes.values() if isinstance(n, TransferNode)]
    assert {fills(svg)[t][0] for t in transfers} == {CLOSED_FILL}
    assert "line central: CLOSED now (emergency override)" in " ".join(svg_texts(svg))


def test_the_fragment_to_embed(shipped: tuple[MenuTree, object]) -> None:
    tree = shipped[0]
    fragment = render_fragment(tree, snapshot_at(shipped, SUNDAY_10))
    assert fragment.startswith('<section class="menu-map" aria-labelledby="menu-map-heading">')
    assert '<h2 id="menu-map-heading">Menu at Sun 2026-11-22 10:00, America/Lima</h2>' in fragment
    assert '<span class="closed">line central: closed (after hours)' in fragment
    assert "<tr><td>saludo_fuera_de_horario</td><td>greeting</td>" in fragment
    for node_id in tree.nodes:
        assert f'<a href="#node-{node_id}"><g id="svg-{node_id}" class="node">' in fragment
        assert f'<article id="node-{node_id}">' in fragment
    for outside in ("<script", "<style", " style=", "<link", " src="):
        assert outside not in fragment


def test_the_fragment_in_spanish_for_the_console(shipped: tuple[MenuTree, object]) -> None:
    tree = shipped[0]
    fragment = render_fragment(tree, snapshot_at(shipped, SUNDAY_10), SPANISH)
    heading = "Menú el domingo 22 de noviembre, 10:00, hora de Lima"
    assert f'<h2 id="menu-map-heading">{heading}</h2>' in fragment
    assert (
        '<span class="closed">línea central: cerrada (fuera de horario) '
        "hasta el lunes 23 de noviembre, 09:00</span>"
    ) in fragment
    assert "<tr><th>mensaje activo</th><th>espacio</th><th>texto</th></tr>" in fragment
    assert "<tr><td>saludo_fuera_de_horario</td><td>saludo</td>" in fragment
    svg = fragment[fragment.index("<svg") : fragment.index("</svg>") + 6]
    texts = " ".join(svg_texts(svg))
    assert "ahora: el saludo es «saludo_fuera_de_horario»" in texts
    assert "línea central: CERRADA ahora (fuera de horario)" in texts
    assert fills(svg)["principal"][1] == NOW_STROKE  # the swapped greeting is marked
    desc = ElementTree.fromstring(svg).find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert desc.text.endswith("mensajes activos: saludo_fuera_de_horario (saludo)")
    for english in ("Menu at", "callers hear", "says:", " now ", "next", "when closed", "queue "):
        assert english not in fragment, english

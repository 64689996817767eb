"""Small menu trees built in code, for unit tests of the core (no YAML, no Flask)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ivr.core.directory import Campus, Line
from ivr.core.flow import CallContext
from ivr.core.lima import LIMA
from ivr.core.menu import (
    HangupNode,
    MenuNode,
    MenuTree,
    MessageNode,
    Navigation,
    Node,
    Option,
    SelfServiceNode,
    Settings,
    Texts,
    TransferNode,
    Voice,
)

TEXTS = Texts(
    greeting="Bienvenido, sede {campus}.",
    greeting_unknown="Bienvenido.",
    invalid="Esa opción no es válida.",
    no_input="No recibimos ninguna opción.",
    too_many_failures="No pudimos entender su elección.",
    error="Lo sentimos.",
    transfer_failed="No podemos comunicarle.",
)
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=LIMA)
BRENA = Line("+5116044700", (Campus("brena", "Breña", "Lima", "+5116044700", "(01) 604-4700"),))


def tree() -> MenuTree:
    """Main menu (1 info message, 2 students), a student menu with a desk and self-service."""
    nodes: list[Node] = [
        MenuNode(
            "principal",
            "Menú principal",
            None,
            None,
            (
                Option("1", "información", "info", ("informacion",)),
                Option("2", "estudiantes", "estudiantes", ("alumnos",)),
            ),
        ),
        MenuNode(
            "estudiantes",
            "Estudiantes",
            None,
            None,
            (
                Option("1", "Help Desk", "helpdesk", ("soporte",)),
                Option("5", "su estado de cuenta", "cuenta", ("saldo",)),
            ),
        ),
        MessageNode("info", "Información", ("Atendemos de lunes a sábado.",), "back"),
        TransferNode("helpdesk", "Help Desk", "Le comunicamos.", "helpdesk", None, "central", None),
        SelfServiceNode("cuenta", "Estado de cuenta", None, "estudiantes"),
        MessageNode("fuera", "Fuera de horario", ("Estamos cerrados.",), "back"),
        HangupNode("adios", "Adiós", ("Gracias por llamar.",)),
    ]
    settings = Settings(
        start="principal",
        on_failure="adios",
        after_hours="fuera",
        goodbye="adios",
        max_no_input=3,
        max_invalid=3,
        max_steps=60,
        voice=Voice(),
        navigation=Navigation(),
        texts=TEXTS,
    )
    return MenuTree(settings, {n.id: n for n in nodes}, {})


@dataclass(frozen=True)
class Status:
    open: bool
    message: str | None = None
    reason: str = "weekly"
    label: str | None = None
    next_change: datetime | None = None


def context(
    *,
    is_open: bool = True,
    message: str | None = None,
    line: Line | None = BRENA,
    active: Callable[[], Mapping[str, tuple[str, ...]]] = dict,
) -> CallContext:
    return CallContext(
        tree=tree(),
        now=NOON,
        line=line,
        status=lambda _line: Status(is_open, message),
        hours="de lunes a viernes",
        active=active,
    )


def at_noon(menus: MenuTree, *, is_open: bool = True) -> CallContext:
    """Return the context of a call at noon to an unknown number, every line open or closed."""
    return CallContext(menus, NOON, None, lambda _line: Status(is_open), "de lunes a viernes")

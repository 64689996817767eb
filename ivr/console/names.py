"""How the console names what the operator files name: desks, campuses, nodes and roles.

The call records keep ids (a desk's Twilio queue, a node's id, ``unknown`` for a number no
campus answers on); the pages show the names the files give them, in Spanish.
"""

from __future__ import annotations

from ivr.actions.users import ROLE_WORDS
from ivr.core.menu import MenuTree, TransferNode
from ivr.storage.calls import UNKNOWN_CAMPUS

#: A call to a number no campus answers on (the recorder's UNKNOWN_CAMPUS), on every page.
CAMPUS_UNKNOWN = "Número no reconocido"


def desk_name(menus: MenuTree, queue: str) -> str:
    """Name a desk by the title of the transfer to its queue (the queue itself if none)."""
    for node in menus.nodes.values():
        if isinstance(node, TransferNode) and node.queue == queue:
            return node.title
    return queue


def campus_name(campus: str) -> str:
    """Name the campus of a call: as recorded, or «Número no reconocido»."""
    return CAMPUS_UNKNOWN if campus == UNKNOWN_CAMPUS else campus


def node_name(menus: MenuTree, node_id: str) -> str:
    """Name a node by its title (its id if the files no longer have it)."""
    node = menus.node(node_id)
    return node.title if node is not None else node_id


def role_name(role: str) -> str:
    """Name a console role in Spanish: «operador», «lector»."""
    return ROLE_WORDS.get(role, role)

"""What the commands that act share: the operator as an ``Actor``, a refusal as one line."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ivr.actions import ActionRefused, Actor, Door


def operator() -> Actor:
    """Return who runs the command: their login name, as ``getpass.getuser`` finds it.

    That is $LOGNAME, $USER, $LNAME or $USERNAME, else the passwd entry of the process's user;
    with neither (some containers) the audit log says just "cli".
    """
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = ""
    return Actor(name, Door.CLI)


@contextmanager
def refusals(**options: str | None) -> Iterator[None]:
    """Print an ActionRefused as one line: ``Error: ...``, exit 1.

    A refusal about an input listed in ``options`` (the action's field name, then the option
    as click names it, or None) is a usage error instead, exit 2, like every bad option value.
    """
    try:
        yield
    except ActionRefused as error:
        if error.field is not None and error.field in options:
            hint = options[error.field]
            if hint is None:
                raise click.UsageError(error.en) from None
            raise click.BadParameter(error.en, param_hint=hint) from None
        raise click.ClickException(error.en) from None

"""``ivr fallback-twiml``: what Twilio says by itself when no host of ours answers.

Twilio fetches a number's "primary handler fails" URL when the webhook fails or times out. If
every host is down, that URL must not be ours either: paste this static document into a TwiML
Bin (hosted by Twilio) and use the Bin's URL. It apologises, says the central's hours, and
speaks the goodbye node's texts (the other channels), in the configured voice; then hangs up.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click

from ivr import clock, twiml
from ivr.config.errors import ConfigError
from ivr.config.loader import Config, load_config
from ivr.core.flow import CallContext, Hangup, Say, State
from ivr.core.menu import HangupNode, MessageNode
from ivr.core.schedule.wording import describe_hours
from ivr.settings import load_settings


def fallback_twiml(config: Config) -> str:
    """Return the static TwiML document for a TwiML Bin.

    The goodbye's texts are filled as the flow fills them, for no particular campus and with the
    central taken as open: a Bin is fetched at any hour and cannot say whether it is closed.
    """
    settings = config.menus.settings
    hours = describe_hours(config.schedules)
    ctx = CallContext(
        tree=config.menus,
        now=clock.now(),
        line=None,
        status=lambda _line: _AnyHour(),
        hours=hours,
    )
    said = [Say(settings.texts.error), Say(f"La central atiende {hours}.")]
    goodbye = config.menus.nodes.get(settings.goodbye)
    if isinstance(goodbye, HangupNode | MessageNode):
        said += ctx.texts(goodbye.say, State(goodbye.id))[0]
    return twiml.render((*said, Hangup()), settings.voice, _no_callbacks)


class _AnyHour:
    """The line status a Bin assumes: nothing to say about a closure it cannot know of."""

    open = True
    message: str | None = None
    reason = "weekly"
    label: str | None = None
    next_change: datetime | None = None


def _no_callbacks(route: str, state: State) -> str:
    raise AssertionError("a TwiML Bin has no callbacks")  # only <Say> and <Hangup> here


@click.command("fallback-twiml")
def fallback_command() -> None:
    """Print static TwiML for a TwiML Bin: the number's fallback when every host is down."""
    try:
        config = load_config(load_settings().config_dir)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(fallback_twiml(config))

"""``ivr fallback-twiml``: what Twilio says by itself when no host of ours answers.

Twilio fetches a number's "primary handler fails" URL when the webhook fails or times out. If
every host is down, that URL must not be ours either: paste this static document into a TwiML
Bin (hosted by Twilio) and use the Bin's URL. It apologises, says the central's hours, and
speaks the goodbye node's texts (WhatsApp and tickets), in the configured voice; then hangs up.
"""

from __future__ import annotations

import sys

import click
from twilio.twiml.voice_response import VoiceResponse

from ivr.config.errors import ConfigError
from ivr.config.loader import Config, load_config
from ivr.core.menu import HangupNode, MessageNode
from ivr.core.schedule.wording import describe_hours
from ivr.settings import load_settings

GENERIC_CAMPUS = "la universidad"  # a Bin serves every number: no campus is known


def fallback_twiml(config: Config) -> str:
    """Return the static TwiML document for a TwiML Bin."""
    settings = config.menus.settings
    voice = settings.voice
    hours = describe_hours(config.schedules)
    texts = [settings.texts.error, f"La central atiende {hours}."]
    goodbye = config.menus.nodes.get(settings.goodbye)
    if isinstance(goodbye, HangupNode | MessageNode):
        texts.extend(goodbye.say)
    response = VoiceResponse()
    for text in texts:
        spoken = text.format(campus=GENERIC_CAMPUS, hours=hours) if "{" in text else text
        response.say(spoken, voice=voice.voice, language=voice.language)
    response.hangup()
    return str(response.to_xml(xml_declaration=True))


@click.command("fallback-twiml")
def fallback_command() -> None:
    """Print static TwiML for a TwiML Bin: the number's fallback when every host is down."""
    try:
        config = load_config(load_settings().config_dir)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(fallback_twiml(config))

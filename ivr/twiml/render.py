"""Turn call-flow actions into TwiML: the one place that builds what Twilio receives."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from twilio.twiml.voice_response import VoiceResponse

from ivr.core.flow import Action, Ask, Dial, Enqueue, Hangup, Say, State
from ivr.core.menu import NEUTRAL_APOLOGY, Settings, Voice
from ivr.core.queue.wait import Leave, Listen, Play, WaitAction
from ivr.core.routes import Route
from ivr.core.spoken import for_voice

UrlFor = Callable[[Route, State], str]  # (route, state) -> URL Twilio calls back

# Said when even the configuration cannot be used (a broken start-up): it names no channel,
# since the channels are the operator files' (settings.texts.apology says them).
STATIC_APOLOGY = NEUTRAL_APOLOGY


def render(actions: Iterable[Action], voice: Voice, url_for: UrlFor) -> str:
    """Return the TwiML document for a sequence of actions.

    Everything said before a question goes inside its <Gather>, so a key interrupts it
    (barge-in); what is said before a transfer or a hangup stays outside and is heard in full.
    Every text passes through ``for_voice``: phone numbers, addresses and acronyms in words.
    """
    response = VoiceResponse()
    speak = {"voice": voice.voice, "language": voice.language}
    said = voice.pronunciations
    pending: list[str] = []  # said before the next verb: inside a <Gather>, else before it
    for action in actions:
        if isinstance(action, Say):
            pending.append(for_voice(action.text, said))
            continue
        if isinstance(action, Ask):
            url = url_for(action.route, action.state)
            options = _gather_options(url, voice.input_timeout, action.digits)
            if action.speech:
                options.update(
                    input="dtmf speech",
                    language=voice.speech_language,
                    speech_timeout="auto",
                )
                if action.hints:
                    options["hints"] = ", ".join(action.hints)
            else:
                options["input"] = "dtmf"
            gather = response.gather(**options)
            for text in pending:
                gather.say(text, **speak)
            # One <Say> for the whole prompt: one speech synthesis, no gaps between options.
            gather.say(for_voice(" ".join(action.prompt), said), **speak)
            pending.clear()
            # Twilio falls through to the next verb on silence: come back as "no input".
            response.redirect(url, method="POST")
            continue
        for text in pending:
            response.say(text, **speak)
        pending.clear()
        if isinstance(action, Enqueue):
            # Our wait answer (ivr.core.queue.wait): the caller's place, the ways out, hold audio.
            response.enqueue(
                action.queue,
                action=url_for(Route.TRANSFER, action.state),
                method="POST",
                wait_url=url_for(Route.WAIT, action.state),
                wait_url_method="POST",
            )
        elif isinstance(action, Dial):
            dial = response.dial(
                action=url_for(Route.TRANSFER, action.state), method="POST", timeout=30
            )
            if action.address.startswith("sip"):
                dial.sip(action.address)
            else:
                dial.number(action.address)
        elif isinstance(action, Hangup):
            response.hangup()
    for text in pending:
        response.say(text, **speak)
    return str(response.to_xml())


def _gather_options(url: str, timeout: int, digits: int) -> dict[str, object]:
    """Return the <Gather> attributes shared by menus and wait answers."""
    options: dict[str, object] = {
        "action": url,
        "method": "POST",
        "timeout": timeout,
        "action_on_empty_result": False,
    }
    if digits == 1:
        # One key decides; '#' is a navigation key, so no key may end the input early.
        options.update(num_digits=1, finish_on_key="")
    else:
        options.update(finish_on_key="#")
    return options


def apology(settings: Settings | None = None) -> str:
    """Return static TwiML that apologises and ends the call: safe when nothing else is.

    With the loaded menus' settings it says their ``texts.apology`` (the channels callers can
    use instead) in their voice; without them, a neutral apology.
    """
    voice = settings.voice if settings is not None else Voice()
    text = settings.fill_contacts(settings.texts.apology) if settings else STATIC_APOLOGY
    response = VoiceResponse()
    response.say(for_voice(text, voice.pronunciations), voice=voice.voice, language=voice.language)
    response.hangup()
    return str(response.to_xml())


def render_wait(actions: Iterable[WaitAction], voice: Voice, url_for: UrlFor) -> str:
    """Return a wait document: only the verbs Twilio allows while a caller is queued."""
    response = VoiceResponse()
    speak = {"voice": voice.voice, "language": voice.language}
    said = voice.pronunciations
    for action in actions:
        if isinstance(action, Say):
            response.say(for_voice(action.text, said), **speak)
        elif isinstance(action, Play):
            response.play(action.url, loop=action.loop)
        elif isinstance(action, Listen):
            options = _gather_options(
                url_for(Route.WAIT_KEY, action.state), action.timeout, action.digits
            )
            gather = response.gather(input="dtmf", **options)
            for item in action.content:
                if isinstance(item, Say):
                    gather.say(for_voice(item.text, said), **speak)
                else:
                    gather.play(item.url, loop=item.loop)
        elif isinstance(action, Leave):
            response.leave()
    return str(response.to_xml())

"""TwiML for an agent's leg of a desk call: the whisper, then the bridge or the callback's dial."""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, VoiceResponse

from ivr.core.menu import Voice
from ivr.core.spoken import for_voice

CALLBACK_RING_S = 30  # seconds the student's phone rings before Twilio gives up (no-answer)
KEY_TIMEOUT_S = 8  # seconds the agent has, after the whisper, to key 1


def _speak(voice: Voice) -> dict[str, str]:
    return {"voice": voice.voice, "language": voice.language}


def bridge(whisper: str, desk: str, voice: Voice, action: str, bridged: str) -> str:
    """Whisper who is next, then take the front caller of the desk's queue (<Dial><Queue>).

    Twilio requests ``bridged`` on the caller's leg just before connecting them (the <Queue>
    noun's url): that is where the service learns who was answered, by whom.
    """
    response = VoiceResponse()
    response.say(for_voice(whisper), **_speak(voice))
    dial = Dial(action=action, method="POST")
    dial.queue(desk, url=bridged, method="POST")
    response.append(dial)
    return str(response)


def offer_callback(whisper: str, voice: Voice, key_url: str, no_key: str) -> str:
    """Whisper a callback and wait for the agent's key 1; silence leaves it pending."""
    response = VoiceResponse()
    gather = response.gather(
        action=key_url, method="POST", input="dtmf", num_digits=1, timeout=KEY_TIMEOUT_S
    )
    gather.say(for_voice(whisper), **_speak(voice))
    response.say(no_key, **_speak(voice))
    response.hangup()
    return str(response)


def dial_number(said: str, number: str, caller_id: str, voice: Voice, action: str) -> str:
    """Dial the student of a callback from the agent's leg."""
    response = VoiceResponse()
    response.say(said, **_speak(voice))
    dial = Dial(action=action, method="POST", caller_id=caller_id or None,
                timeout=CALLBACK_RING_S)  # fmt: skip
    dial.number(number)
    response.append(dial)
    return str(response)


def goodbye(text: str, voice: Voice) -> str:
    """Say a last sentence to the agent and hang up."""
    response = VoiceResponse()
    response.say(text, **_speak(voice))
    response.hangup()
    return str(response)


def bridging(text: str, voice: Voice) -> str:
    """What the caller hears just before the bridge (the <Queue> url document)."""
    response = VoiceResponse()
    response.say(text, **_speak(voice))
    return str(response)

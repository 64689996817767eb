"""Rendering the core's actions as TwiML: exact XML for each verb, no Flask involved."""

from __future__ import annotations

from ivr.core.flow import Ask, Dial, Enqueue, Hangup, Say, State
from ivr.core.menu import Voice
from ivr.twiml import apology, render
from tests.helpers import assert_valid_twiml

VOICE = Voice()
SPEAK = 'language="es-MX" voice="Polly.Mia-Neural"'


def url_for(route: str, state: State) -> str:
    return f"/voice/{route}/{state.node}?s={state.steps}"


def test_a_menu_question_is_a_gather_with_speech_then_a_redirect() -> None:
    """What is said before the question is inside the <Gather>: a key interrupts it."""
    ask = Ask(("Para A, marque 1.", "Para B, marque 2."), State("m", steps=3), ("a", "b"))
    xml = render((Say("Hola."), ask), VOICE, url_for)
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Gather action="/voice/menu/m?s=3" actionOnEmptyResult="false" finishOnKey="" '
        'hints="a, b" input="dtmf speech" language="es-PE" method="POST" numDigits="1" '
        'speechTimeout="auto" timeout="6">'
        f"<Say {SPEAK}>Hola.</Say>"
        f"<Say {SPEAK}>Para A, marque 1. Para B, marque 2.</Say></Gather>"
        '<Redirect method="POST">/voice/menu/m?s=3</Redirect></Response>'
    )
    assert_valid_twiml(xml.encode())


def test_digits_for_self_service_end_with_the_pound_key_and_no_speech() -> None:
    ask = Ask(("Marque su código.",), State("c", steps=4), route="selfservice", digits=12,
              speech=False)  # fmt: skip
    xml = render((ask,), VOICE, url_for)
    assert 'finishOnKey="#"' in xml and 'input="dtmf"' in xml and "numDigits" not in xml
    assert_valid_twiml(xml.encode())


def test_a_desk_is_an_enqueue_or_a_dial_with_its_action() -> None:
    here = State("helpdesk", steps=5)
    enqueue = render((Enqueue("helpdesk", here),), VOICE, url_for)
    assert (
        '<Enqueue action="/voice/transfer/helpdesk?s=5" method="POST" '
        'waitUrl="/voice/wait/helpdesk?s=5" waitUrlMethod="POST">helpdesk</Enqueue>' in enqueue
    )
    dial = render((Dial("+5116044700", here),), VOICE, url_for)
    assert "<Number>+5116044700</Number>" in dial and 'timeout="30"' in dial
    sip = render((Dial("sip:desk@pbx.example.edu", here),), VOICE, url_for)
    assert "<Sip>sip:desk@pbx.example.edu</Sip>" in sip
    for xml in (enqueue, dial, sip):
        assert_valid_twiml(xml.encode())


def test_texts_are_escaped_and_a_hangup_ends_the_document() -> None:
    xml = render((Say("A & B <C>"), Hangup()), VOICE, url_for)
    assert "A &amp; B &lt;C&gt;" in xml and xml.endswith("<Hangup /></Response>")


def test_the_static_apology_needs_nothing_else() -> None:
    xml = apology()
    assert "Lo sentimos" in xml and xml.endswith("<Hangup /></Response>")
    assert_valid_twiml(xml.encode())

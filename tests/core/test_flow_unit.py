"""The call flow as a pure function: a tree built in code, a context, an input; no HTTP."""

from __future__ import annotations

from dataclasses import replace

from ivr.core import flow
from ivr.core.flow import Ask, Enqueue, Hangup, Say, State
from ivr.core.menu import menu_prompt, spoken_key
from tests.core.trees import context, tree


def said(outcome: flow.Outcome) -> list[str]:
    out: list[str] = []
    for action in outcome.actions:
        if isinstance(action, Say):
            out.append(action.text)
        elif isinstance(action, Ask):
            out.extend(action.prompt)
    return out


def test_start_greets_the_campus_then_asks_the_main_menu() -> None:
    outcome = flow.start(context())
    assert outcome.event == "call_start"
    assert said(outcome)[0] == "Bienvenido, sede Breña."
    ask = outcome.actions[-1]
    assert isinstance(ask, Ask)
    assert (ask.state.node, ask.state.trail, ask.state.steps) == ("principal", (), 1)
    assert "Para estudiantes, marque 2." in ask.prompt


def test_unknown_number_gets_the_general_greeting() -> None:
    assert said(flow.start(context(line=None)))[0] == "Bienvenido."


def test_a_closed_central_says_why_after_the_greeting() -> None:
    outcome = flow.start(context(is_open=False, message="Hoy es feriado."))
    assert said(outcome)[:2] == ["Bienvenido, sede Breña.", "Hoy es feriado."]


def test_a_key_goes_to_its_option_and_remembers_the_menu_behind() -> None:
    outcome = flow.handle_input(context(), State("principal", steps=1), "2", None)
    ask = outcome.actions[-1]
    assert isinstance(ask, Ask)
    assert ask.state == State("estudiantes", trail=("principal",), steps=2)
    assert outcome.said == "2"


def test_an_open_desk_enqueues_the_caller() -> None:
    state = State("estudiantes", trail=("principal",), steps=2)
    outcome = flow.handle_input(context(), state, "1", None)
    assert outcome.event == "transfer" and outcome.detail == "helpdesk"
    assert isinstance(outcome.actions[0], Say)
    trail = ("principal", "estudiantes")  # where "back" returns after a failed transfer
    assert outcome.actions[-1] == Enqueue("helpdesk", State("helpdesk", trail, steps=3))


def test_a_closed_desk_says_why_and_returns_to_the_menu() -> None:
    state = State("estudiantes", trail=("principal",), steps=2)
    outcome = flow.handle_input(context(is_open=False, message="Cerrado."), state, "1", None)
    assert outcome.event == "after_hours"
    # why (not heard at the greeting), when the desk opens again (here: no end known), then
    # the after-hours node
    assert said(outcome)[:3] == [
        "Cerrado.",
        "Help Desk: por ahora no podemos indicarle cuándo volverá a atender.",
        "Estamos cerrados.",
    ]
    ask = outcome.actions[-1]
    assert isinstance(ask, Ask) and ask.state.node == "estudiantes"


def test_navigation_keys_repeat_go_back_and_go_home() -> None:
    state = State("estudiantes", trail=("principal",), steps=2)
    ctx = context()
    repeat = flow.handle_input(ctx, state, "*", None)
    back = flow.handle_input(ctx, state, "#", None)
    home = flow.handle_input(ctx, state, "0", None)
    assert (repeat.event, back.event, home.event) == ("repeat", "back", "main_menu")
    asks = [o.actions[-1] for o in (repeat, back, home)]
    assert [a.state.node for a in asks if isinstance(a, Ask)] == [
        "estudiantes",
        "principal",
        "principal",
    ]


def test_wrong_keys_and_silence_count_up_to_the_failure_destination() -> None:
    ctx = context()
    state = State("principal", steps=1)
    first = flow.handle_input(ctx, state, "9", None)
    assert first.event == "invalid" and said(first)[0] == "Esa opción no es válida."
    ask = first.actions[-1]
    assert isinstance(ask, Ask) and ask.state.invalid == 1
    last = flow.handle_input(ctx, replace(state, invalid=2), "9", None)
    assert last.event == "failed" and last.detail == "invalid"
    assert isinstance(last.actions[-1], Hangup)  # on_failure is the goodbye here
    silence = flow.handle_input(ctx, replace(state, no_input=2), None, None)
    assert silence.event == "failed" and silence.detail == "no_input"


def test_a_phrase_chooses_like_a_key() -> None:
    outcome = flow.handle_input(context(), State("principal", steps=1), None, "alumnos")
    ask = outcome.actions[-1]
    assert isinstance(ask, Ask) and ask.state.node == "estudiantes"


def test_a_message_that_goes_back_returns_to_the_menu_it_came_from() -> None:
    outcome = flow.handle_input(context(), State("principal", steps=1), "1", None)
    assert said(outcome)[0] == "Atendemos de lunes a sábado."
    ask = outcome.actions[-1]
    assert isinstance(ask, Ask) and ask.state.node == "principal"


def test_a_node_that_vanished_continues_at_the_main_menu() -> None:
    outcome = flow.enter(context(), State("gone", steps=3))
    assert outcome.event == "menu_changed"
    assert said(outcome)[0] == flow.MENU_CHANGED


def test_too_many_steps_end_the_call_politely() -> None:
    outcome = flow.enter(context(), State("principal", steps=61))
    assert outcome.event == "failed" and outcome.detail == "too_many_steps"
    assert said(outcome) == ["Gracias por llamar."]
    assert isinstance(outcome.actions[-1], Hangup)


def test_self_service_starts_by_asking_the_code_by_keypad_only() -> None:
    state = State("estudiantes", trail=("principal",), steps=2)
    outcome = flow.handle_input(context(), state, "5", None)
    ask = outcome.actions[-1]
    assert isinstance(ask, Ask)
    assert (ask.route, ask.digits, ask.speech, ask.state.step) == ("selfservice", 12, False, "code")


def test_every_node_type_names_its_successors() -> None:
    menus = tree()
    settings = menus.settings
    assert menus.nodes["principal"].successors(settings) == ("info", "estudiantes")
    assert menus.nodes["helpdesk"].successors(settings) == ("fuera", "adios")
    assert menus.nodes["cuenta"].successors(settings) == ("estudiantes",)
    assert menus.nodes["adios"].successors(settings) == ()


def test_menu_prompt_names_the_keys_as_callers_hear_them() -> None:
    menus = tree()
    prompt = menu_prompt(menus.nodes["estudiantes"], menus.settings, is_start=False)  # type: ignore[arg-type]
    assert prompt[0] == "Para Help Desk, marque 1."
    assert prompt[-1] == (
        "Para repetir, marque asterisco. Para volver, marque numeral. "
        "Para el menú principal, marque 0."
    )
    assert spoken_key("#") == "numeral"

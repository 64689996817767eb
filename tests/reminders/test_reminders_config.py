"""billing/reminders.yaml: off until enabled, defaults with only enabled, mistakes located."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config.errors import ConfigError
from ivr.config.loader import load_config
from ivr.core.reminders import DEFAULT_TEXTS, ReminderSettings
from tests.reminders.conftest import SENDER, enable_reminders

LONG = "x" * 280


def problems(config_dir: Path, text: str) -> list[str]:
    enable_reminders(config_dir, text)
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    return [str(p) for p in caught.value.problems]


def test_without_the_file_they_are_off(config_dir: Path) -> None:
    settings = load_config(config_dir).reminders
    assert not settings.enabled


def test_only_enabled_gives_the_defaults(config_dir: Path) -> None:
    enable_reminders(config_dir, "enabled: true\n")
    settings = load_config(config_dir).reminders
    assert settings == ReminderSettings(
        enabled=True,
        sender=SENDER,
        channels="WhatsApp 914 800 800 o https://contacto.upn.edu.pe/",
    )
    assert settings.texts.before == DEFAULT_TEXTS["before"]


def test_enabled_false_is_off(config_dir: Path) -> None:
    enable_reminders(config_dir, "enabled: false\ndays_before: 5\n")
    settings = load_config(config_dir).reminders
    assert not settings.enabled and settings.days_before == 5


def test_enabled_without_a_sending_number(config_dir: Path) -> None:
    (config_dir / "billing" / "reminders.yaml").write_text("enabled: true\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    assert [str(p) for p in caught.value.problems] == [
        "billing/reminders.yaml:1: enabled: reminders are enabled but no number sends them "
        "(add from: '+51...' here, or sms: from: in queues.yaml (a Twilio number that can "
        "send SMS))"
    ]


@pytest.mark.parametrize(
    ("yaml", "problem"),
    [
        (
            "enabled: true\ndays_before: 0\n",
            "billing/reminders.yaml:2: days_before: 0 is out of range (use a number from 1 to 30)",
        ),
        (
            "enabled: true\nper_weak: 2\n",
            "billing/reminders.yaml:2: per_weak: unknown key 'per_weak' (did you mean 'per_week'?)",
        ),
        (
            "enabled: true\ntexts:\n  before: 'Su {concepto} vence el {fecha}: {monto}.'\n",
            "billing/reminders.yaml:3: texts.before: does not say how to stop the reminders "
            "(BAJA) (end it with: Para no recibir estos mensajes responda BAJA.)",
        ),
        (
            "enabled: true\ntexts:\n"
            "  overdue: 'Su {concepto} de {monto} vence el {fecha}: {mont}. BAJA'\n",
            "billing/reminders.yaml:3: texts.overdue: {mont} is not something a reminder can "
            "say (did you mean {monto}?)",
        ),
        (
            "enabled: true\ntexts:\n  late_fee: 'Su {concepto} vencio. Responda BAJA'\n",
            "billing/reminders.yaml:3: texts.late_fee: does not say {monto}, {fecha} (a "
            "reminder names the cuota, the amount and the date)",
        ),
        (
            f"enabled: true\ntexts:\n  before: '{LONG} {{concepto}} {{monto}} {{fecha}} BAJA'\n",
            "billing/reminders.yaml:3: texts.before: can be 345 characters long once filled "
            "in; at most 320 (shorten it: longer texts are split into more than two messages)",
        ),
    ],
)
def test_mistakes_are_located(config_dir: Path, yaml: str, problem: str) -> None:
    assert problems(config_dir, yaml) == [problem]

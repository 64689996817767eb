"""`ivr fallback-twiml`: static TwiML for a TwiML Bin, in the configured voice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from ivr.cli.fallback import fallback_command
from tests.helpers import assert_valid_twiml

VOICE = 'language="es-MX" voice="Polly.Mia-Neural"'


def test_the_fallback_apologises_says_the_hours_and_the_channels(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    with freeze_time("2026-12-06 23:00:00"):  # a Sunday night: the Bin is the same at any hour
        result = CliRunner().invoke(fallback_command, [])
    assert result.exit_code == 0, result.output
    assert result.output == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f"<Say {VOICE}>Lo sentimos, tuvimos un problema técnico.</Say>"
        f"<Say {VOICE}>La central atiende de lunes a viernes de 9 de la mañana a 9 de la noche, "
        "y los sábados de 9 de la mañana a 2 de la tarde.</Say>"
        f"<Say {VOICE}>Puede escribirnos por WhatsApp al nueve uno cuatro, ocho cero cero, ocho "
        "cero cero, registrar un ticket en contacto punto u pe ene punto edu punto pe, o acudir "
        "a Contacto u pe ene en su campus, de lunes a sábado de 8 de la mañana a 8 de la "
        "noche.</Say>"
        f"<Say {VOICE}>Gracias por llamar. Hasta pronto.</Say>"
        "<Hangup /></Response>\n"
    )
    assert_valid_twiml(result.output.encode())


def test_a_broken_configuration_is_reported_not_printed(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_dir / "menus" / "main.yaml").write_text("settings: [\n", encoding="utf-8")
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    result = CliRunner().invoke(fallback_command, [])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("menus/main.yaml:2: YAML syntax error:")
    assert "<Response>" not in result.output

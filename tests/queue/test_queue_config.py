"""queues.yaml: every mistake reported with its file, line, path and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import ivr
from ivr.config.errors import ConfigError
from ivr.config.loader import load_config
from ivr.core.queue.wait import DEFAULT_AUDIO, DeskWait, Limit, OutboundLimits


def problems(config_dir: Path, text: str) -> list[str]:
    (config_dir / "queues.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_queues_file_is_valid(config_dir: Path) -> None:
    queues = load_config(config_dir).queues
    assert queues.desk("helpdesk") == DeskWait(45, DEFAULT_AUDIO, None, 600, True, False)
    assert queues.sms_from is None  # no sending number shipped: no SMS option
    assert len(queues.sms_text) <= 320


def test_limits_default_to_conservative_ones_and_are_configurable(config_dir: Path) -> None:
    defaults = load_config(config_dir).queues.limits
    assert defaults == OutboundLimits()
    assert defaults.callback_per_number == Limit(hour=2, day=3)
    assert defaults.sms_per_number == Limit(hour=1, day=1)
    (config_dir / "queues.yaml").write_text(
        "callback:\n  limits:\n    per_caller: {day: 5}\n    total: {hour: 10, day: 40}\n"
        "sms:\n  from: '+5116044799'\n  limits:\n    per_number: {day: 2}\n",
        encoding="utf-8",
    )
    limits = load_config(config_dir).queues.limits
    assert limits == OutboundLimits(
        callback_per_caller=Limit(hour=2, day=5),
        callback_total=Limit(hour=10, day=40),
        sms_per_number=Limit(hour=1, day=2),
    )


def test_the_universitys_own_numbers_are_known(config_dir: Path) -> None:
    """Every campus central and the WhatsApp number of settings.contacts: never called back."""
    own = load_config(config_dir).queues.own_numbers
    assert {"+5116044700", "+5116259600", "+5144606200", "+5176602500"} <= own
    assert "+51914800800" in own


def test_without_the_file_every_desk_waits_with_the_defaults(config_dir: Path) -> None:
    (config_dir / "queues.yaml").unlink()
    assert load_config(config_dir).queues.desk("helpdesk") == DeskWait()


@pytest.mark.parametrize(
    ("yaml", "problem"),
    [
        (
            "defaults:\n  interval: 10\n",
            "queues.yaml:2: defaults.interval: an interval of 10 seconds is too short "
            "(use 15 to 300 seconds between announcements)",
        ),
        (
            "desks:\n  helpdesk:\n    interval: 301\n",
            "queues.yaml:3: desks.helpdesk.interval: an interval of 301 seconds is too long "
            "(use 15 to 300 seconds between announcements)",
        ),
        (
            "desks:\n  helpdesk:\n    audio: http://audio.example.edu/espera.mp3\n",
            "queues.yaml:3: desks.helpdesk.audio: 'http://audio.example.edu/espera.mp3' is not "
            "an https URL (Twilio must fetch hold audio over https: https://...mp3)",
        ),
        (
            "sms:\n  from: '+5116044799'\n  text: '" + "x" * 321 + "'\n",
            "queues.yaml:3: sms.text: the SMS text is 321 characters long; at most 320 "
            "(shorten it: longer texts are split into more than two messages)",
        ),
        (
            "desks:\n  helpdesk:\n    options: [callback]\n",
            "queues.yaml:3: desks.helpdesk.options.0: offers a callback, but callbacks are not "
            "enabled in queues.yaml (add callback: {enabled: true} or remove 'callback' from "
            "options)",
        ),
        (
            "defaults:\n  options: [sms]\n",
            "queues.yaml:2: defaults.options.0: offers an SMS, but no sending number is set "
            "(add sms: from: '+51...' or remove 'sms' from options)",
        ),
        (
            "desks:\n  help-desk:\n    interval: 30\n",
            "queues.yaml:2: desks.help-desk: 'help-desk' is not the queue of any transfer in "
            "menus/ (did you mean 'helpdesk'?)",
        ),
        (
            "defaults:\n  intervall: 30\n",
            "queues.yaml:2: defaults.intervall: unknown key 'intervall' (did you mean 'interval'?)",
        ),
        (
            "defaults:\n  max_wait: 0\n",
            "queues.yaml:2: defaults.max_wait: 0 is out of range (use a number from 1 to 120)",
        ),
        (
            "callback:\n  limits:\n    per_number: {hour: 5, day: 3}\n",
            "queues.yaml:3: callback.limits.per_number: allows 5 an hour but only 3 a day "
            "(make the hour's limit at most the day's)",
        ),
        (
            "sms:\n  limits:\n    total: {hour: 0}\n",
            "queues.yaml:3: sms.limits.total.hour: 0 is out of range (use a number from 1 to "
            "100000)",
        ),
        (
            "sms:\n  limits:\n    per_caller: {day: 1}\n",
            "queues.yaml:3: sms.limits.per_caller: unknown key 'per_caller' (did you mean "
            "'per_number'?)",
        ),
    ],
    ids=[
        "interval-short",
        "interval-long",
        "audio-http",
        "sms-too-long",
        "callback-off",
        "sms-no-number",
        "unknown-desk",
        "misspelt-key",
        "max-wait-zero",
        "limit-hour-over-day",
        "limit-zero",
        "sms-limit-per-caller",
    ],
)
def test_mistakes_are_located(config_dir: Path, yaml: str, problem: str) -> None:
    assert problems(config_dir, yaml) == [problem]


def test_ivr_check_reports_them(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config_dir / "queues.yaml").write_text("defaults:\n  interval: 400\n", encoding="utf-8")
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    result = CliRunner().invoke(ivr, ["check"])
    assert result.exit_code == 1
    assert "queues.yaml:2: defaults.interval: an interval of 400 seconds is too long" in (
        result.output
    )


def test_the_service_level_threshold_per_desk(config_dir: Path) -> None:
    """issue 20: answered within ``service_level_seconds`` (default 60) counts in the level."""
    (config_dir / "queues.yaml").write_text(
        "defaults:\n  service_level_seconds: 30\ndesks:\n  helpdesk:\n"
        "    service_level_seconds: 120\n",
        encoding="utf-8",
    )
    queues = load_config(config_dir).queues
    assert queues.desk("helpdesk").service_level_seconds == 120
    assert queues.defaults.service_level_seconds == 30
    assert queues.service_levels() == {"helpdesk": 120}
    assert DeskWait().service_level_seconds == 60
    assert problems(config_dir, "defaults:\n  service_level_seconds: 0\n") == [
        "queues.yaml:2: defaults.service_level_seconds: 0 is out of range "
        "(use a number from 1 to 3600)"
    ]

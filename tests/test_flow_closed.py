"""What a closed central says: why, once, and when it opens again (ivr.core.flow)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ivr.clock import LIMA
from ivr.core.flow import NO_REOPENING, reopening

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=LIMA)  # a Tuesday


@pytest.mark.parametrize(
    ("opens", "said"),
    [
        pytest.param(
            datetime(2026, 12, 8, 14, 30, tzinfo=LIMA),
            "Volvemos a atender hoy a las 2 y media de la tarde.",
            id="today",
        ),
        pytest.param(
            datetime(2026, 12, 9, 9, 0, tzinfo=LIMA),
            "Volvemos a atender mañana, miércoles 9 de diciembre, a las 9 de la mañana.",
            id="tomorrow",
        ),
        pytest.param(
            datetime(2026, 12, 10, 9, 0, tzinfo=LIMA),
            "Volvemos a atender el jueves 10 de diciembre a las 9 de la mañana.",
            id="later",
        ),
        pytest.param(
            datetime(2026, 12, 10, 13, 0, tzinfo=LIMA),
            "Volvemos a atender el jueves 10 de diciembre a la 1 de la tarde.",
            id="one-o-clock",
        ),
        pytest.param(
            datetime(2026, 12, 8, 12, 0, tzinfo=LIMA),
            "Volvemos a atender hoy al mediodía.",
            id="noon",
        ),
        pytest.param(
            datetime(2027, 1, 2, 9, 0, tzinfo=LIMA),
            "Volvemos a atender el sábado 2 de enero de 2027 a las 9 de la mañana.",
            id="next-year",
        ),
        pytest.param(None, NO_REOPENING, id="override-with-no-end"),
    ],
)
def test_when_the_central_opens_again(opens: datetime | None, said: str) -> None:
    assert reopening(NOW, opens) == said

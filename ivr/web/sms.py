"""Texts students send to the reminders' number: BAJA or STOP stops the reminders to it.

Twilio posts an incoming SMS (``From``, ``Body``) to ``/sms/inbound`` (the number's "A message
comes in" webhook); the webhook door checks its signature as it does the voice ones. The answer
is messaging TwiML: a confirmation for BAJA or STOP, an empty ``<Response/>`` for anything else
(nobody reads this number). It never answers voice TwiML, even when the database fails.
"""

from __future__ import annotations

import logging

from flask import Response

from ivr import twiml
from ivr.actions.base import Door
from ivr.actions.reminders import student_opt_out
from ivr.core.reminders import is_stop, mask_mobile
from ivr.runtime import current_runtime
from ivr.storage.database import STORE_ERRORS, describe
from ivr.web import webhook

log = logging.getLogger("ivr.reminders")

blueprint = webhook.blueprint("sms", __name__)

STOPPED = (
    "Listo: ya no le enviaremos recordatorios de pago por mensaje de texto. Para volver a "
    "recibirlos, comuníquese con nosotros."
)
NOT_STOPPED = "No pudimos registrar su pedido en este momento. Responda BAJA más tarde."


@blueprint.route("/sms/inbound", methods=["POST"])
def inbound() -> Response:
    """An SMS to our number: BAJA or STOP opts its sender out of the reminders."""
    sender = webhook.param("From")
    if not is_stop(webhook.param("Body")) or not sender:
        return _reply(None)
    try:
        student_opt_out(current_runtime(), Door.SMS, number=sender)
    except STORE_ERRORS as error:
        log.error("opt-out by SMS from %s not stored: %s", mask_mobile(sender), describe(error))
        return _reply(NOT_STOPPED)
    return _reply(STOPPED)


def _reply(text: str | None) -> Response:
    return Response(twiml.render_reply(text), 200, mimetype=webhook.TWIML)

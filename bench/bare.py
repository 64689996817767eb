"""The bare endpoint: the floor that gunicorn and Flask alone set on this machine.

It answers every webhook path with one constant TwiML document of the size the IVR answers
(about 1 KB), and does nothing else: no signature check, no form parsing, no configuration.
That makes the ratio in the benchmark's table "how much of the bare request budget the IVR's
own work takes", the floor any webhook of this stack stands on. (Adding the signature
check here would hide the cost of the one piece of work every webhook must do.)

Served with the same ``deploy/gunicorn.conf.py`` as the app: ``gunicorn -c ... bench.bare:app``.

``signed_app`` is a second reference, not the one ratios use: the same constant answer after
the check every Twilio webhook must make, twilio's ``RequestValidator.validate`` over the form
(parsing the ~26 fields Twilio posts, two HMACs). It shows how much of the gap to ``app`` any
secure Twilio webhook in Flask would pay.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

# Shaped like the IVR's main-menu answer: a <Say>, a <Gather> with hints and a prompt, a redirect.
TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say language="es-MX" voice="Polly.Mia-Neural">'
    "Bienvenido a la central telefónica de la universidad, sede Breña.</Say>"
    '<Gather action="/voice/menu/principal?s=1" actionOnEmptyResult="false" finishOnKey="" '
    'hints="información y canales de atención, información, canales, canales de atención, '
    'whatsapp, ticket, estudiantes, estudiante, alumno, alumnos" input="dtmf speech" '
    'language="es-PE" method="POST" numDigits="1" speechTimeout="auto" timeout="6">'
    '<Say language="es-MX" voice="Polly.Mia-Neural">Para información y canales de atención, '
    "marque 1. Para estudiantes, marque 2. Para repetir, marque asterisco. Para volver, marque "
    "numeral. Para el menú principal, marque 0.</Say></Gather>"
    '<Redirect method="POST">/voice/menu/principal?s=1</Redirect></Response>'
)

app = Flask("bare")


@app.route("/voice", methods=["GET", "POST"])
@app.route("/voice/<path:rest>", methods=["GET", "POST"])
def answer(rest: str = "") -> Response:
    """Return the constant TwiML."""
    return Response(TWIML, 200, mimetype="application/xml")


signed_app = Flask("bare-signed")
_validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))


@signed_app.route("/voice", methods=["GET", "POST"])
@signed_app.route("/voice/<path:rest>", methods=["GET", "POST"])
def signed_answer(rest: str = "") -> Response:
    """Return the constant TwiML to a request that carries a valid Twilio signature."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not _validator.validate(request.url, request.form, signature):
        return Response("Forbidden: invalid Twilio signature\n", 403, mimetype="text/plain")
    return Response(TWIML, 200, mimetype="application/xml")

"""The WSGI entry point: ``flask --app app run`` or ``gunicorn app:app``.

A bad setting or operator file stops the start with what to fix, and a non-zero exit.
"""

from ivr.app import create_app_for_server

app = create_app_for_server()

"""Operator tools: ``ivr simulate`` (a caller in the terminal) and ``ivr graph`` (the menu map).

The click commands live in ``ivr.tools.simulate`` and ``ivr.tools.graph``; the pure parts (reading
TwiML back, laying out and drawing the menu tree) in ``ivr.tools.reader`` and
``ivr.tools.menumap``.
"""

"""Hours and schedules: when each line is open, and which messages callers hear when.

The pure core of issue 4. Everything here is a function of an aware datetime passed in; only
``ivr.schedule.override`` touches a file and only ``ivr.schedule.cli`` touches Flask.
"""

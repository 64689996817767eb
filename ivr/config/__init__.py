"""The YAML boundary: operators' files become frozen dataclasses here, and nowhere else."""

from ivr.config.errors import ConfigError, Problem

__all__ = ["ConfigError", "Problem"]

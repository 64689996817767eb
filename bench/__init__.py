"""The serving benchmark: ``python bench/run.py`` (see bench/run.py and docs/deploy.md)."""

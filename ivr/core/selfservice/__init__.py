"""Phone self-service: what a verified caller hears about their own account."""

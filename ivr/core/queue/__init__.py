"""Callers waiting for a desk: the wait document (``wait``) and the dialogue around it."""

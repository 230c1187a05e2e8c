"""Reusable test helpers (real services started for tests)."""

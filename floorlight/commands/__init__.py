"""CLI subcommands, one module each.

A module here becomes a subcommand by defining ``register(subparsers)``, which adds its
parser and sets ``func`` (called with the parsed namespace, returning an exit code).
Adding a command is writing one new module; nothing else changes.
"""

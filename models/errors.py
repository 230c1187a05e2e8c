"""The models package's one root exception."""


class ModelError(Exception):
    """A model, lexicon or corpus problem the user must fix (bad file, tampered artifact,
    malformed line). The message names the file or line."""

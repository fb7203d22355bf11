"""Errors a user can meet. Each message says what to do next."""


class AssistantError(Exception):
    """Base class: the message is meant for the user."""


class QuestionError(AssistantError, ValueError):
    """An empty question, or one too long for the model."""


class SourceError(AssistantError):
    """A documents folder that is missing or holds no readable document."""


class ModelError(AssistantError):
    """A model file that is missing, unreadable or not a GGUF model; a model server that is down."""


class StoreError(AssistantError):
    """A Chroma store that is corrupted, locked, of another corpus, or a server that is down."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock."""


class AccessError(AssistantError):
    """Password settings that cannot be used, or a non-loopback address without any."""


class SettingsError(AssistantError):
    """An environment variable named like a setting that is none."""


REBUILD_HINT = "Rebuild it from the source documents with: assistant ingest --rebuild"

"""Errors a user can meet. Each message says what to do next.

AssistantError
 ├── QuestionError   empty or too long a question
 ├── SourceError     documents folder missing or without readable documents
 ├── ModelError      model file missing, unreadable or not a GGUF model
 └── StoreError      Chroma store corrupted, locked or unreachable
"""


class AssistantError(Exception):
    """Base class: the message is meant for the user."""


class QuestionError(AssistantError, ValueError):
    pass


class SourceError(AssistantError):
    pass


class ModelError(AssistantError):
    pass


class StoreError(AssistantError):
    pass


REBUILD_HINT = "Rebuild it from the source documents with: assistant ingest --rebuild"

"""A local, private question-answering assistant that cites the passages its answers come from."""

import os as _os

# Offline always: no telemetry, no hub downloads. Set before chromadb or gradio is imported.
for _k, _v in {"ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}.items():
    _os.environ.setdefault(_k, _v)

from .errors import AssistantError, ModelError, QuestionError, SettingsError, SourceError, StoreError  # noqa: E402
from .extraction import extract_text  # noqa: E402
from .models import Answer, Citation, IngestReport, Passage, Stage  # noqa: E402
from .pipeline import Assistant  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = [
    "Assistant",
    "extract_text",
    "Answer",
    "Stage",
    "Citation",
    "Passage",
    "IngestReport",
    "Settings",
    "AssistantError",
    "QuestionError",
    "SourceError",
    "ModelError",
    "StoreError",
    "SettingsError",
]

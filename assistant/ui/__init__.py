"""The chat page, which `assistant chat` serves on 127.0.0.1 with Gradio: `page` holds its layout and
handlers, `rendering` the HTML of replies and cited passages (all text escaped), `access` who may reach it."""

from .access import access, credentials
from .page import EXAMPLES, WORKING, ChatUI, create_app, launch
from .rendering import Turn, citations_html, context_html

__all__ = [
    "access",
    "credentials",
    "EXAMPLES",
    "WORKING",
    "ChatUI",
    "create_app",
    "launch",
    "Turn",
    "citations_html",
    "context_html",
]

"""The chat page: `assistant chat` serves it on 127.0.0.1 with Gradio.

`page` holds its layout and handlers, `rendering` the HTML of replies and cited passages (all text
escaped), `access` who may reach it: a non-loopback address needs a password or `allow_open`, and
requests not addressed to this server (Host and Origin headers) are refused.
"""

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

"""Who may use the chat page: a password off loopback (`access`), and only requests addressed to
this server (`HostGuard`).

A page on another site can make a browser send requests to 127.0.0.1 (DNS rebinding: its own
name made to point here), so every request whose Host, or Origin, is not this server's own
address (or a name the user listed in `allowed_hosts`) is refused before Gradio sees it, and
such a request never gets a CORS grant.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections import Counter

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocketClose

from ..errors import AccessError
from ..settings import Settings

log = logging.getLogger(__name__)
WILDCARD = {"0.0.0.0", "::", ""}

Credentials = list[tuple[str, str]]  # [(user, password)], Gradio's `auth`


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine: 127.0.0.0/8, ::1 (also IPv4-mapped) or localhost."""
    host = host.strip().strip("[]").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host in ("localhost", "localhost.")  # a host name other than localhost may resolve to anything
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def credentials(settings: Settings) -> Credentials:
    """The (user, password) pairs from `auth` and `auth_file` (both may be set). Passwords are never
    put in a message: a bad line is named by its file and line number only."""
    pairs: Credentials = []
    if settings.auth is not None:
        pairs.append(_credential(settings.auth.get_secret_value(), "ASSISTANT_AUTH / --auth"))
    if (path := settings.auth_file) is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise AccessError(
                f"Cannot read the password file {path} (ASSISTANT_AUTH_FILE / --auth-file): "
                f"{type(e).__name__}: {e}. Point it at a UTF-8 file of user:password lines."
            ) from e
        found = [
            _credential(line, f"the password file {path}, line {n}")
            for n, line in enumerate((line.strip() for line in lines), 1)
            if line and not line.startswith("#")
        ]
        if not found:
            raise AccessError(
                f"The password file {path} (ASSISTANT_AUTH_FILE / --auth-file) holds no user:password line. Add one per user."
            )
        pairs += found
    if twice := sorted(u for u, n in Counter(user for user, _ in pairs).items() if n > 1):
        raise AccessError(
            f"User {', '.join(twice)} is given more than once in ASSISTANT_AUTH / ASSISTANT_AUTH_FILE: "
            "keep one password per user."
        )
    return pairs


def _credential(text: str, where: str) -> tuple[str, str]:
    user, colon, password = text.strip().partition(":")
    if not (colon and user.strip() and password):
        raise AccessError(
            f"Malformed credentials in {where}: expected user:password (a user name, a colon, "
            "a password, neither empty). Fix that entry."
        )
    return user.strip(), password


def access(settings: Settings, host: str) -> Credentials | None:
    """Gradio's `auth` for serving on `host`, or None for an open page; AccessError if that is unsafe:
    off loopback, without credentials or `allow_open`."""
    pairs = credentials(settings)
    if pairs:
        log.info("the chat page on %s asks for a password (%d user(s))", host, len(pairs))
        return pairs
    if is_loopback(host):
        return None
    if settings.allow_open:
        log.warning(
            "serving the chat page on %s WITHOUT a password (--allow-open): anyone who can reach this "
            "address can read your documents and ask questions",
            host,
        )
        return None
    raise AccessError(
        f"Refusing to serve the chat page on {host} without a password: anyone who can reach that address could "
        "read your documents. Set a password with ASSISTANT_AUTH=user:password (or --auth user:password), or a "
        "file of user:password lines with ASSISTANT_AUTH_FILE=path (or --auth-file path); or pass --allow-open "
        "(ASSISTANT_ALLOW_OPEN=true) to accept an open server; or bind to 127.0.0.1 (the default)."
    )


def host_name(value: str) -> str:
    """The host part of a Host header or an Origin (no scheme, port or brackets), lower case."""
    value = value.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(settings: Settings, bound: str, name: str) -> bool:
    """Whether a request for host `name` is addressed to this server, bound to `bound`: that address;
    on loopback any loopback address or localhost; on every interface (0.0.0.0) any IP address or
    localhost (a rebinding page always uses a name, never an address); and the names in `allowed_hosts`."""
    name = host_name(name)
    listed = {host_name(h) for h in settings.allowed_hosts.split(",") if h.strip()}
    if name in listed or name == host_name(bound):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        if name not in ("localhost", "localhost."):
            return False
    return bound in WILDCARD or (is_loopback(bound) and is_loopback(name))


SCRIPTABLE = (".html", ".htm", ".xhtml", ".svg", ".xml")  # documents a browser would run scripts in
REFUSED = (
    "Refused: this request is not addressed to this server (Host or Origin header). Open the page "
    "at the address the assistant printed, or add the name to ASSISTANT_ALLOWED_HOSTS."
)


class HostGuard:
    """ASGI wrapper around the whole app: refuses (403) a request whose Host or Origin is not this server,
    and serves a document that could hold scripts (a saved web page opened from the collection) in a
    sandbox, where none runs: it would otherwise run with the page's own rights."""

    def __init__(self, app, allowed):
        self.app, self.allowed = app, allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            host, origin = headers.get("host", ""), headers.get("origin")
            if not self.allowed(host) or (origin is not None and not self.allowed(origin)):
                log.warning("refused a request for host %r from origin %r (not this server)", host, origin)
                refusal = WebSocketClose(1008) if scope["type"] == "websocket" else PlainTextResponse(REFUSED, 403)
                return await refusal(scope, receive, send)
        path = scope.get("path", "").lower()  # decoded, as the router matches it
        if scope["type"] == "http" and "/file=" in path and path.endswith(SCRIPTABLE):

            async def sandboxed(message):
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), (b"content-security-policy", b"sandbox")]}
                await send(message)

            return await self.app(scope, receive, sandboxed)
        await self.app(scope, receive, send)


def guarded(settings: Settings, bound: str):
    """A lifespan for Gradio's app (`app_kwargs`) that puts `HostGuard` around all of it, Gradio's own
    CORS middleware included, once it is built and before the server takes any request. Starlette has
    no public hook for that: `middleware_stack` is replaced (checked in tests/test_adapters.py)."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        app.middleware_stack = HostGuard(
            app.middleware_stack or app.build_middleware_stack(), lambda name: host_allowed(settings, bound, name)
        )
        yield

    return lifespan

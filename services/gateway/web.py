"""HTTP plumbing: JSON responses, the error body, security headers, JSON for unknown routes,
the portal's files with their types.

Every error leaves as ``{"error": {"code", "message", "details"}}`` with the status from
``errors.status_of``; nothing unexpected leaks a traceback (it is logged with a reference).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path, PurePosixPath

import orjson
from nameko.exceptions import UnknownService
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from ledger.errors import LedgerError
from services.common.errors import PlatformError
from services.gateway.errors import (
    BadJson,
    BodyTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    status_of,
)

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}

# The portal's files by suffix. A browser runs a module script only when it comes with a
# JavaScript MIME type (and nosniff forbids guessing), so the types are fixed here rather than
# read from the host's mime.types or registry, which may call .js text/plain; anything else is
# guessed as usual.
PORTAL_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def portal_file(directory: Path, filename: str, environ) -> Response:
    """A file of the portal from ``directory`` (404 outside it or when missing)."""
    mimetype = PORTAL_TYPES.get(PurePosixPath(filename).suffix)
    return send_from_directory(directory, filename, environ, mimetype=mimetype)


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(orjson.dumps(payload), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(code: str, message: str, details: dict | None = None) -> Response:
    status = status_of(code)
    headers = {}
    if status == 429 and details and "retry_after" in details:
        headers["Retry-After"] = str(details["retry_after"])
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return json_response(body, status, headers)


def read_json(request):
    """The request's JSON body; 415, 413 or 400 (with a code) when it is not one."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyTooLarge(f"bodies are limited to {MAX_BODY} bytes")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise BodyTooLarge(f"bodies are limited to {MAX_BODY} bytes")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadJson(f"the body is not valid JSON: {exc}") from None


def response_for(exc: BaseException) -> Response:
    if isinstance(exc, PlatformError):
        return error_response(exc.code, exc.message, exc.details)
    if isinstance(exc, LedgerError):
        return error_response(exc.code, str(exc), getattr(exc, "details", None))
    if isinstance(exc, HTTPException) and exc.code == 404:  # e.g. a missing static file
        return error_response("ROUTE_NOT_FOUND", "no such file")
    if isinstance(exc, UnknownService):
        unavailable = ServiceUnavailable("a service behind this route is not running")
        return error_response(unavailable.code, unavailable.message)
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected gateway error %s", reference, exc_info=exc)
    return error_response("INTERNAL_ERROR", "internal error", {"reference": reference})


class GatewayWsgiApp(WsgiApp):
    """Routing misses answer in JSON too, and every response carries the security headers."""

    def __call__(self, environ, start_response):
        def with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k.lower() not in present]
            return start_response(status, headers + extra, exc_info)

        adapter = self.url_map.bind_to_environ(environ)
        try:
            adapter.match()
        except HTTPException as exc:
            code = {404: "ROUTE_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.code)
            if code is not None:
                response = error_response(code, exc.description or code)
                if exc.code == 405:
                    response.headers["Allow"] = ", ".join(exc.valid_methods or [])
                return response(environ, with_headers)
        return super().__call__(environ, with_headers)


class GatewayWebServer(WebServer):
    def get_wsgi_app(self):
        return GatewayWsgiApp(self)


class JsonHttp(HttpRequestHandler):
    """``@http`` whose refusals are JSON error bodies with the mapped status."""

    server = GatewayWebServer()

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", (PlatformError, LedgerError))
        super().__init__(method, url, **kwargs)

    def response_from_exception(self, exc):
        return response_for(exc)


http = JsonHttp.decorator

"""The HTTP API: verify credentials and presentations in the W3C VC-API shape, and anything the CLI takes.

Endpoints (every one needs ``Authorization: Bearer <token>``; the OpenAPI
document at ``/api/v1/openapi.json`` describes them):

- ``POST /api/v1/credentials/verify`` — ``{"verifiableCredential": {...} | "<JWT>", "options": {...}}``
- ``POST /api/v1/presentations/verify`` — ``{"verifiablePresentation": {...} | "<JWT>", "options": {...}}``
- ``POST /api/v1/verify`` — one input as the CLI takes it: ``{"url": ...}``, ``{"credential": {...}}``
  (OB 2.0 / OB 3.0 / VC / presentation JSON), ``{"jwt": "..."}`` or ``{"file": "<base64>", "filename": ...}``
  (a baked PNG / SVG, a JSON or JWT file), with ``"email"`` (the recipient check) and ``"options"``.

``options``: ``email`` (or ``emails``) and ``now`` (ISO 8601, the instant validity is judged at, as
the CLI's ``--now``). The answer is ``{"verified", "result", "checks", "warnings", "errors"}``:
``result`` is the verifier's result object (``docs/verifier-contract.md``, exactly what
``python -m verifier verify --json`` prints for the same input); ``checks`` / ``warnings`` /
``errors`` follow the VC-API's verification response (W3C CCG VC-API, "Verify Credential":
the checks performed, and problem details for what warned or failed).

The pipeline and transport are the CLI's: one :class:`verifier.fetch.Fetcher` per server (the
CLI's HTTP client and SSRF guard; hosts the guard would block are allowed only when named in
``SKILLPROOF_API_ALLOW_HOSTS``), a :class:`verifier.session.Session` per request.

Tokens: created on the Settings page (stored as SHA-256 hashes, :meth:`Workspace.create_api_token`)
or listed in ``SKILLPROOF_API_TOKENS`` (comma-separated). Limits: request bodies above
``SKILLPROOF_API_MAX_BYTES`` (default 5 MiB) get 413; more than ``SKILLPROOF_API_RATE`` requests per
minute per token (default 120) get 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talent.storage import Workspace, database_url
from ui.verification import Terms, workspace_terms
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Outcome, Status, VerificationResult
from verifier.pipeline import BadgeInput, verify_input
from verifier.session import Session

PREFIX = "/api/v1"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_RATE_PER_MINUTE = 120
PROBLEM_TYPE = "urn:skillproof:check:"  # + the check id (docs/verifier-contract.md)


class ApiError(Exception):
    """A request the API refuses: HTTP status and a plain message."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


# -- tokens and rate limits ------------------------------------------------------------------------


def _env_tokens() -> tuple[str, ...]:
    return tuple(t.strip() for t in os.environ.get("SKILLPROOF_API_TOKENS", "").split(",") if t.strip())


def authenticate(request: Request) -> str:
    """The caller's token id (``env:<n>`` for a token from the environment); 401 without a valid token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "a bearer token is required", headers={"WWW-Authenticate": 'Bearer realm="skillproof"'})
    for n, known in enumerate(_env_tokens()):
        if hmac.compare_digest(known.encode(), token.encode()):
            return f"env:{n}"
    found = _workspace(request).check_api_token(token)
    if found is None:
        raise ApiError(
            401, "the bearer token is not valid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    return found


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 when the request may go ahead, else the seconds to wait."""
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            b = self._buckets.setdefault(key, _Bucket(float(self.per_minute), now))
            b.tokens = min(float(self.per_minute), b.tokens + (now - b.at) * rate)
            b.at = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / rate


class BodyLimit:
    """ASGI middleware: API requests whose body is larger than ``max_bytes`` get 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes or _env_int("SKILLPROOF_API_MAX_BYTES", DEFAULT_MAX_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(self.max_bytes)(scope, receive, send)


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return _problem(413, f"the request body is larger than {limit} bytes")


# -- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    """Per-request options: the recipient's emails and the instant to judge validity at."""

    emails: tuple[str, ...] = ()
    now: datetime | None = None


def _options(body: dict[str, Any]) -> Options:
    raw = body.get("options") or {}
    if not isinstance(raw, dict):
        raise ApiError(400, '"options" must be an object')
    emails: list[str] = []
    for key in ("email", "emails"):
        value = raw.get(key, body.get(key))
        if isinstance(value, str):
            emails.append(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            emails.extend(value)
        elif value is not None:
            raise ApiError(400, f'"{key}" must be a string or a list of strings')
    now = None
    if raw.get("now") is not None:
        try:
            now = datetime.fromisoformat(str(raw["now"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise ApiError(400, f'"now" is not an ISO 8601 instant: {exc}') from exc
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    return Options(tuple(emails), now)


def _document_input(value: Any, *, field: str) -> BadgeInput:
    """A credential or presentation given inline: a JSON object, or a compact JWT / JWS string."""
    if isinstance(value, dict):
        return BadgeInput(source=f"request:{field}", data=json.dumps(value).encode("utf-8"), filename=f"{field}.json")
    if isinstance(value, str) and value.strip():
        return BadgeInput(source=f"request:{field}", data=value.strip().encode("utf-8"), filename=f"{field}.jwt")
    raise ApiError(400, f'"{field}" must be a JSON object or a compact JWT string')


def cli_input(body: dict[str, Any]) -> BadgeInput:
    """The one input of a ``/api/v1/verify`` body, as the CLI would be given it."""
    given = [k for k in ("url", "credential", "jwt", "file") if k in body]
    if len(given) != 1:
        raise ApiError(400, 'give exactly one of "url", "credential", "jwt" or "file"')
    key = given[0]
    value = body[key]
    if key == "url":
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ApiError(400, '"url" must be an http:// or https:// URL')
        return BadgeInput(source=value)
    if key == "credential":
        if not isinstance(value, dict):
            raise ApiError(400, '"credential" must be a JSON object (OB 2.0, OB 3.0, VC or presentation)')
        return _document_input(value, field="credential")
    if key == "jwt":
        if not isinstance(value, str):
            raise ApiError(400, '"jwt" must be a compact JWT / JWS string')
        return _document_input(value, field="jwt")
    filename = body.get("filename")
    if not isinstance(value, str) or not isinstance(filename, str) or not filename.strip():
        raise ApiError(400, '"file" must be base64 text, with its "filename" (the extension tells the format)')
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, f'"file" is not valid base64: {exc}') from exc
    name = filename.strip().replace("/", "_").replace("\\", "_")[:200]
    return BadgeInput(source=name, data=data, filename=name)


# -- answers -----------------------------------------------------------------------------------------


def vc_api_answer(result: VerificationResult) -> dict[str, Any]:
    """``{"verified", "result", "checks", "warnings", "errors"}`` for one result (see the module docstring)."""
    warnings: list[dict[str, str]] = []
    errors: list[dict[str, str]] = []
    for check in result.checks:
        problem = {"type": PROBLEM_TYPE + check.id, "title": check.id, "detail": check.message}
        if check.outcome is Outcome.WARN:
            warnings.append(problem)
        elif check.outcome is Outcome.FAIL:
            errors.append(problem)
    if result.status is not Status.VERIFIED and not errors:
        errors.append({"type": PROBLEM_TYPE + "status", "title": result.status.value, "detail": result.reason or ""})
    return {
        "verified": result.status is Status.VERIFIED,
        "result": result.to_dict(),
        "checks": [c.id for c in result.checks if c.outcome in (Outcome.PASS, Outcome.WARN)],
        "warnings": warnings,
        "errors": errors,
    }


def _problem(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


# -- the verifier --------------------------------------------------------------------------------------


#: How long the workspace's registries and trust list are reused between API requests.
TERMS_SECONDS = 30.0


class ApiVerifier:
    """One fetcher for the server (the CLI's client, guard and caches); a session per request."""

    def __init__(self) -> None:
        allow = os.environ.get("SKILLPROOF_API_ALLOW_HOSTS", "")
        self.allow_hosts = tuple(h.strip() for h in allow.split(",") if h.strip())
        self._fetcher: Fetcher | None = None
        self._terms_cache: tuple[float, Terms] | None = None

    async def verify(self, item: BadgeInput, options: Options) -> VerificationResult:
        """Verify one input as ``python -m verifier verify`` does."""
        if self._fetcher is None:
            self._fetcher = Fetcher(limits=FetchLimits(), allow_hosts=self.allow_hosts)
        now = options.now or datetime.now(UTC)
        terms = await self._terms()
        session = Session(
            fetcher=self._fetcher, now=now, emails=options.emails, registries=terms.registries, trust=terms.trust
        )
        return await verify_input(item, session)

    async def _terms(self) -> Terms:
        """The workspace's registries and trust list (the Issuers page), as the dashboard verifies
        with; by default the bundled registry snapshot, as the CLI's default. Read again at most
        every TERMS_SECONDS, so a change on the Issuers page applies within that time."""
        cached = self._terms_cache
        if cached is None or time.monotonic() - cached[0] > TERMS_SECONDS:
            cached = (time.monotonic(), await asyncio.to_thread(workspace_terms))
            self._terms_cache = cached
        return cached[1]

    async def aclose(self) -> None:
        """Close the fetcher's connections."""
        if self._fetcher is not None:
            await self._fetcher.aclose()
            self._fetcher = None


_verifier = ApiVerifier()


async def close() -> None:
    """Release the API's connections (the lifespan calls it on shutdown)."""
    await _verifier.aclose()


_limiter: RateLimiter | None = None
_workspaces: dict[str, Workspace] = {}


def _workspace(request: Request) -> Workspace:
    ws = getattr(request.state, "workspace", None)  # the lifespan's workspace
    if isinstance(ws, Workspace):
        return ws
    url = database_url()
    if url not in _workspaces:
        _workspaces[url] = Workspace(url)
    return _workspaces[url]


def _rate_limiter() -> RateLimiter:
    global _limiter
    if _limiter is None:
        _limiter = RateLimiter(_env_int("SKILLPROOF_API_RATE", DEFAULT_RATE_PER_MINUTE))
    return _limiter


Handler = Callable[[Request, dict[str, Any]], Awaitable[dict[str, Any]]]


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            caller = authenticate(request)
            wait = _rate_limiter().take(caller)
            if wait > 0:
                raise ApiError(429, "too many requests", headers={"Retry-After": str(math.ceil(wait))})
            if "json" not in request.headers.get("content-type", ""):
                raise ApiError(415, "send the body as application/json")
            try:
                body = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ApiError(400, f"the body is not JSON: {exc}") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "the body must be a JSON object")
            return JSONResponse(await handler(request, body))
        except ApiError as exc:
            return _problem(exc.status, str(exc), exc.headers)

    endpoint.__doc__ = handler.__doc__
    endpoint.__name__ = handler.__name__
    return endpoint


async def verify_credential(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """
    summary: Verify a verifiable credential (VC-API)
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            required: [verifiableCredential]
            properties:
              verifiableCredential:
                description: the credential, as a JSON object or a compact JWT
                oneOf: [{type: object}, {type: string}]
              options:
                $ref: '#/components/schemas/Options'
    responses:
      200:
        description: the verification result
        content:
          application/json:
            schema: {$ref: '#/components/schemas/VerifyAnswer'}
      400: {description: the body is not a usable request}
      401: {description: no valid bearer token}
      413: {description: the body is too large}
      429: {description: too many requests; see Retry-After}
    """
    if "verifiableCredential" not in body:
        raise ApiError(400, 'the body needs "verifiableCredential"')
    item = _document_input(body["verifiableCredential"], field="verifiableCredential")
    return vc_api_answer(await _verifier.verify(item, _options(body)))


async def verify_presentation(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """
    summary: Verify a verifiable presentation and the credentials it holds (VC-API)
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            required: [verifiablePresentation]
            properties:
              verifiablePresentation:
                description: the presentation, as a JSON object or a compact JWT
                oneOf: [{type: object}, {type: string}]
              options:
                $ref: '#/components/schemas/Options'
    responses:
      200:
        description: the verification result
        content:
          application/json:
            schema: {$ref: '#/components/schemas/VerifyAnswer'}
      400: {description: the body is not a usable request}
      401: {description: no valid bearer token}
      413: {description: the body is too large}
      429: {description: too many requests; see Retry-After}
    """
    if "verifiablePresentation" not in body:
        raise ApiError(400, 'the body needs "verifiablePresentation"')
    item = _document_input(body["verifiablePresentation"], field="verifiablePresentation")
    return vc_api_answer(await _verifier.verify(item, _options(body)))


async def verify_any(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """
    summary: Verify one input as the command line takes it (URL, JSON, JWT or a base64 file)
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            properties:
              url: {type: string, description: an http(s) URL of a badge or a badge platform page}
              credential: {type: object, description: an OB 2.0 / OB 3.0 / VC / presentation JSON document}
              jwt: {type: string, description: a compact JWT / JWS}
              file: {type: string, description: a file's bytes in base64 (baked PNG / SVG, JSON, JWT)}
              filename: {type: string, description: the file's name (its extension tells the format)}
              email: {type: string, description: the candidate's email, for the recipient check}
              options:
                $ref: '#/components/schemas/Options'
    responses:
      200:
        description: the verification result
        content:
          application/json:
            schema: {$ref: '#/components/schemas/VerifyAnswer'}
      400: {description: the body is not a usable request}
      401: {description: no valid bearer token}
      413: {description: the body is too large}
      429: {description: too many requests; see Retry-After}
    """
    return vc_api_answer(await _verifier.verify(cli_input(body), _options(body)))


COMPONENTS = {
    "schemas": {
        "Options": {
            "type": "object",
            "properties": {
                "email": {"type": "string", "description": "the candidate's email (recipient check)"},
                "emails": {"type": "array", "items": {"type": "string"}},
                "now": {"type": "string", "format": "date-time", "description": "judge validity at this instant"},
            },
        },
        "Problem": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "detail": {"type": "string"}},
        },
        "VerifyAnswer": {
            "type": "object",
            "required": ["verified", "result", "checks", "warnings", "errors"],
            "properties": {
                "verified": {"type": "boolean"},
                "result": {"type": "object", "description": "the result object of docs/verifier-contract.md"},
                "checks": {"type": "array", "items": {"type": "string"}},
                "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
            },
        },
    },
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
}

SCHEMAS = SchemaGenerator(
    {
        "openapi": "3.0.3",
        "info": {"title": "SkillProof API", "version": "1"},
        "security": [{"bearer": []}],
        "components": COMPONENTS,
    }
)


async def openapi(request: Request) -> Response:
    """The OpenAPI document of the API."""
    return JSONResponse(SCHEMAS.get_schema(routes=_api_routes()))


def _api_routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/credentials/verify", _endpoint(verify_credential), methods=["POST"]),
        Route(f"{PREFIX}/presentations/verify", _endpoint(verify_presentation), methods=["POST"]),
        Route(f"{PREFIX}/verify", _endpoint(verify_any), methods=["POST"]),
    ]


def routes() -> list[BaseRoute]:
    """Every route of the API, with the OpenAPI document."""
    return [*_api_routes(), Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"], include_in_schema=False)]


def middleware() -> list[Middleware]:
    """The API's middleware: the request size limit."""
    return [Middleware(BodyLimit)]

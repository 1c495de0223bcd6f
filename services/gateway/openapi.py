"""The gateway's OpenAPI 3.1 document, served at ``/api/v1/openapi.json``.

Kept next to the routes it describes; ``tests/test_gateway_api.py`` checks that every route the
service serves is listed here and that documented statuses are the ones the gateway returns.
"""

from __future__ import annotations

from functools import cache

_ERROR = {"$ref": "#/components/responses/Error"}
_JSON_OBJECT = {"type": "object", "additionalProperties": True}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: dict, *, errors=(401,), body: dict | None = None, params=(), **extra):
    operation = {
        "summary": summary,
        "responses": {"200": {"description": "OK", **_json(ok)}}
        | {str(status): _ERROR for status in (*errors, 429)},  # RATE_LIMITED, on every route
        **extra,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    if params:
        operation["parameters"] = list(params)
    return operation


def _path_param(name: str, pattern: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
    }


_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
_WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 503)
_SIGNED = {"$ref": "#/components/schemas/SignedCommand"}
_SESSION = {"$ref": "#/components/schemas/Session"}
_PUBLIC = {"security": []}


@cache
def document() -> dict:
    package = _path_param("package_no", r"^[A-Za-z0-9_.\-]{1,96}$")
    paths = {
        "/api/v1/session": {
            "post": _op(
                "Sign in; sets the HttpOnly session cookie",
                _SESSION,
                errors=(400, 401, 415, 422, 429),
                body={"$ref": "#/components/schemas/Login"},
                **_PUBLIC,
            ),
            "get": _op("The signed-in user and CSRF token", _SESSION),
            "delete": _op("Sign out", _JSON_OBJECT, errors=(401, 403), params=[_CSRF]),
        },
        "/api/v1/commands": {
            "post": _op(
                "Submit a browser-signed command (bill.* to bills; invoice./trade./consent./"
                "financing. to invoices); envelope.signer must be the user's party",
                {"$ref": "#/components/schemas/CommandAnswer"},
                errors=_WRITE_ERRORS,
                body=_SIGNED,
                params=[_CSRF],
            )
        },
        "/api/v1/keys": {
            "post": _op(
                "Submit a key.register / key.revoke / key.rotate signed by the party",
                {"$ref": "#/components/schemas/CommandAnswer"},
                errors=_WRITE_ERRORS,
                body=_SIGNED,
                params=[_CSRF],
            )
        },
        "/api/v1/keys/enrolment": {
            "post": _op(
                "Enrol this browser's public key for the user's party, with proof of possession;"
                " pending until the operator approves (or at once with GATEWAY_AUTO_APPROVE_KEYS)",
                {"$ref": "#/components/schemas/KeyEnrolment"},
                errors=(400, 401, 403, 404, 409, 413, 415, 422),
                body={"$ref": "#/components/schemas/KeyEnrolmentRequest"},
                params=[_CSRF],
            )
        },
        "/api/v1/party": {"get": _op("The ledger's record of the user's party", _JSON_OBJECT)},
        "/api/v1/bills": {
            "get": _op(
                "The party's bills by role",
                {
                    "type": "object",
                    "properties": {"role": {"type": "string"}, "bills": {"type": "array"}},
                },
                errors=(401, 422),
                params=[
                    {
                        "name": "role",
                        "in": "query",
                        "schema": {"enum": ["held", "payable", "receivable"], "default": "held"},
                    }
                ],
            )
        },
        "/api/v1/bills/{package_no}": {
            "get": _op(
                "One bill with ranges, chains and history",
                _JSON_OBJECT,
                errors=(401, 403, 404, 422),
                params=[package],
            )
        },
        "/api/v1/invoices": {
            "get": _op(
                "Invoices the party issued or owes",
                {"type": "object", "properties": {"invoices": {"type": "array"}}},
            )
        },
        "/api/v1/trades/{trade_id}": {
            "get": _op(
                "A trade with its three-flow match",
                _JSON_OBJECT,
                errors=(401, 403, 404, 422),
                params=[_path_param("trade_id", r"^[A-Za-z0-9_.\-]{1,96}$")],
            )
        },
        "/api/v1/ledger/checkpoint": {
            "get": _op(
                "The latest signed checkpoint (or the latest a witness cosigned), with the"
                " cosigners' verifier keys",
                _JSON_OBJECT,
                errors=(401, 404, 422),
                params=[
                    {
                        "name": "witnessed",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["true", "false"]},
                    }
                ],
            )
        },
        "/api/v1/ledger/receipts/{entry_id}": {
            "get": _op(
                "A receipt with inclusion proof, for an entry the party signed or a bill it is in",
                {"$ref": "#/components/schemas/Receipt"},
                errors=(401, 403, 404, 422),
                params=[_path_param("entry_id", "^[0-9a-f]{64}$")],
            )
        },
        "/api/v1/ledger/info": {
            "get": _op(
                "Ledger origin and checkpoint verifier keys (vkey: P-256; ed25519_vkey: Ed25519)",
                _JSON_OBJECT,
                errors=(),
                **_PUBLIC,
            )
        },
        "/api/v1/health": {"get": _op("Gateway liveness", _JSON_OBJECT, errors=(), **_PUBLIC)},
        "/api/v1/openapi.json": {"get": _op("This document", _JSON_OBJECT, errors=(), **_PUBLIC)},
        "/": {
            "get": {
                "summary": "The bill portal (HTML)",
                "security": [],
                "responses": {"200": {"description": "index.html", "content": {"text/html": {}}}},
            }
        },
        "/static/{filename}": {
            "get": {
                "summary": "Portal assets",
                "security": [],
                "parameters": [_path_param("filename", "^.+$")],
                "responses": {"200": {"description": "a file"}, "404": _ERROR},
            }
        },
    }
    from services.gateway import insight

    paths |= insight.openapi_paths(_op, _path_param, _ERROR)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "billchain gateway",
            "version": "1.0.0",
            "description": "JSON API of the bill portal. Errors are {error: {code, message, "
            "details}}; the status comes from one table of codes (services/gateway/errors.py).",
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "billchain_session"}
            },
            "responses": {
                "Error": {
                    "description": "A refusal with a stable code",
                    **_json({"$ref": "#/components/schemas/Error"}),
                }
            },
            "schemas": _schemas(),
        },
    }


def _schemas() -> dict:
    text = {"type": "string"}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {"code": text, "message": text, "details": {"type": "object"}},
                }
            },
        },
        "Login": {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "password": {"type": "string", "minLength": 1, "maxLength": 1024},
            },
        },
        "Session": {
            "type": "object",
            "properties": {
                "username": text,
                "party_id": text,
                "csrf_token": text,
                "server_time": text,
            },
        },
        "SignedCommand": {
            "type": "object",
            "required": ["envelope", "signature"],
            "additionalProperties": False,
            "properties": {
                "envelope": {
                    "type": "object",
                    "required": [
                        "type",
                        "stream",
                        "expected_version",
                        "signer",
                        "key_id",
                        "nonce",
                        "created_at",
                        "body",
                    ],
                    "properties": {
                        "type": text,
                        "stream": text,
                        "expected_version": {"type": "integer", "minimum": 0},
                        "signer": text,
                        "key_id": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "alg": {
                            "enum": ["ecdsa-p256-sha256", "sm2-sm3"],
                            "description": "signature suite; absent means ecdsa-p256-sha256",
                        },
                        "nonce": text,
                        "created_at": {"type": "string", "format": "date-time"},
                        "body": {"type": "object"},
                    },
                },
                "signature": {"type": "string", "description": "base64url of 64-byte r||s, low-S"},
            },
        },
        "Receipt": {
            "type": "object",
            "properties": {
                "entry_id": text,
                "alg": {"enum": ["ecdsa-p256-sha256", "sm2-sm3"]},
                "sequence": {"type": "integer"},
                "ledger_time": text,
                "leaf": {"type": "object"},
                "inclusion_proof": {"type": "array", "items": text},
                "checkpoint": text,
            },
        },
        "KeyEnrolmentRequest": {
            "type": "object",
            "required": ["proof", "signature"],
            "additionalProperties": False,
            "properties": {
                "proof": {
                    "type": "object",
                    "description": "signed as canonical JSON by the key being enrolled",
                    "required": ["purpose", "party_id", "username", "public_key", "signed_at"],
                    "additionalProperties": False,
                    "properties": {
                        "purpose": {"const": "billchain key enrolment"},
                        "party_id": text,
                        "username": text,
                        "public_key": {"type": "string", "description": "SPKI DER, base64url"},
                        "signed_at": {"type": "string", "format": "date-time"},
                    },
                },
                "signature": {"type": "string", "description": "base64url of 64-byte r||s, low-S"},
            },
        },
        "KeyEnrolment": {
            "type": "object",
            "properties": {
                "key_id": text,
                "party_id": text,
                "username": text,
                "status": {"enum": ["pending", "registered"]},
                "requested_at": text,
                "registered_at": {"type": ["string", "null"]},
                "entry_id": {"type": ["string", "null"]},
            },
        },
        "CommandAnswer": {
            "type": "object",
            "properties": {"receipt": {"$ref": "#/components/schemas/Receipt"}},
            "additionalProperties": True,
        },
    }

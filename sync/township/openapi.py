"""The OpenAPI 3.1 description of the sync API, served at ``/api/openapi.json``."""

from __future__ import annotations

from typing import Any

from sync.protocol import VERSION

_ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "refused", "content": {"application/json": {"schema": _ERROR}}} for c in codes}


def schema() -> dict[str, Any]:
    msg = {"type": "object", "required": ["v"], "properties": {"v": {"const": VERSION}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Township center sync API (乡镇中心同步接口)",
            "version": str(VERSION),
            "description": "Village devices push their events and pull the township's. Bodies are JSON, "
                           "compressed with Content-Encoding: zstd or deflate (every answer says which, in Accept-Encoding). "
                           "See docs/sync-protocol.md.",
        },
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "EventColumns": {
                    "type": "object", "required": ["n"],
                    "description": "Events in columnar form (sync.protocol.encode_events).",
                    "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 20000}, "id": {},
                                   "hlc": {}, "village": {}, "origin": {}, "entity": {}, "op": {}, "actor": {},
                                   "eid": {}, "dk": {"type": "array"}, "ds": {"type": "array"},
                                   "dv": {"type": "array"}, "ref": {"type": "array"}},
                },
                "Ack": {"type": ["object", "null"], "properties": {
                    "batch": {"type": "string"}, "stored": {"type": "integer"}, "duplicates": {"type": "integer"},
                    "again": {"type": "boolean"},
                    "refused": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}},
                "Check": {"type": "object", "properties": {"count": {"type": "integer"},
                                                           "digest": {"type": "string"}}},
            },
        },
        "paths": {
            "/api/v1/ping": {"get": {"summary": "Is the township center reachable", "responses": {
                "200": {"description": "ok"}}}},
            "/api/v1/enroll": {"post": {
                "summary": "Exchange a one-time enrollment code for a device token",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    **msg, "required": ["v", "code", "device"],
                    "properties": {"v": {"const": VERSION}, "code": {"type": "string"},
                                   "device": {"type": "string"}, "village": {"type": "string"},
                                   "name": {"type": "string", "description": "the device's name, as staff see it"},
                                   "village_name": {"type": "string", "description":
                                                    "the laptop's village name; taken if the township has none"}}}}}},
                "responses": {"201": {"description": "enrolled; the token is shown only once"},
                              **_errors(400, 403, 409, 413, 415)}}},
            "/api/v1/sync": {"post": {
                "summary": "One round trip: push an optional batch, pull events after the cursor",
                "security": [{"device": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    **msg, "properties": {
                        "v": {"const": VERSION}, "cursor": {"type": "integer", "minimum": 0},
                        "limit": {"type": "integer", "minimum": 1, "maximum": 20000},
                        "pending": {"type": "integer", "minimum": 0},
                        "own": {"type": "boolean", "description": "include the device's own events (repair)"},
                        "batch": {"type": "object", "required": ["id", "events"], "properties": {
                            "id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"},
                            "events": {"$ref": "#/components/schemas/EventColumns"}}},
                        "check": {"$ref": "#/components/schemas/Check"}}}}}},
                "responses": {"200": {"description": "acknowledgement, pulled events, new cursor", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "v": {"const": VERSION}, "ack": {"$ref": "#/components/schemas/Ack"},
                        "events": {"$ref": "#/components/schemas/EventColumns"},
                        "cursor": {"type": "integer"}, "more": {"type": "boolean"},
                        "check": {"$ref": "#/components/schemas/Check"}}}}}},
                    **_errors(400, 401, 403, 413, 415)}}},
            "/api/v1/ids": {"post": {
                "summary": "All event ids of the device's village (repair after a consistency mismatch)",
                "security": [{"device": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": msg}}},
                "responses": {"200": {"description": "ids as one run of hex digits"}, **_errors(400, 401, 403)}}},
            "/api/v1/report": {"post": {
                "summary": "A device reports a sync incident (a mismatch it repaired)",
                "security": [{"device": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    **msg, "properties": {"v": {"const": VERSION}, "kind": {"type": "string"},
                                          "detail": {"type": "object"}}}}}},
                "responses": {"200": {"description": "recorded"}, **_errors(400, 401, 403)}}},
        },
    }

"""The answers every API operation can give besides its own, written into the OpenAPI schema
(a drf-spectacular post-processing hook), so the schema lists what the API really returns.

- 429 everywhere: every view is throttled (DRF's anon/user rates, scoped ones on top).
- 401 and 403 where credentials are required (SessionAuthentication comes first and sends no
  WWW-Authenticate challenge, so DRF answers 403; a bad token gets 401).
- 404 on every path with an id (no such object, someone else's, or not a number: those get
  the same JSON, see careercopilot.views.not_found), and on paginated lists (a page past the end).
- 400 on every operation that takes a body or query parameters: DRF's validation errors,
  `{"field": ["message", ...]}` or `{"detail": "message"}`.
`schemathesis` checks it all in careercopilot/tests/test_api_schema.py.
"""

from __future__ import annotations

DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
VALIDATION = {"$ref": "#/components/schemas/ValidationErrors"}
SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": "Messages by field name (`non_field_errors` for the whole body), or one `detail`.",
        "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    },
}
DESCRIPTIONS = {
    "400": "The request is malformed or a value is refused.",
    "401": "The credentials sent are wrong.",
    "403": "Not logged in (no credentials), or not allowed.",
    "404": "No such object (or not yours), or a page past the last.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}


def _response(code: str, schema: dict) -> dict:
    return {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": schema}}}


def add_standard_errors(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            wanted = {"429": DETAIL}
            if {} not in operation.get("security", [{}]):
                wanted.update({"401": DETAIL, "403": DETAIL})
            if any(p.get("in") == "path" or (p.get("in"), p.get("name")) == ("query", "page") for p in parameters):
                wanted["404"] = DETAIL
            if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
                wanted["400"] = VALIDATION
            for code, schema in wanted.items():
                responses.setdefault(code, _response(code, schema))
    return result

"""Make the OpenAPI schema say what the API really answers, so clients (and schemathesis) can
rely on it: anonymous reads are allowed, and every operation documents its error responses."""

from provisions.as_released import API_READS

ERROR = {
    "type": "object",
    "description": (
        "An error: `detail` says what went wrong; a 400 names each bad field with a list of "
        "messages (a field may be called `code` or `detail` too, so no key's type is fixed)."
    ),
    "additionalProperties": True,
}
ERRORS = {
    "400": "Invalid parameters or body; field errors name each problem.",
    "401": "Credentials missing or invalid (writes need `Authorization: Token …`).",
    "403": "Authenticated, but your role may not do this.",
    "404": "No such object, page or version.",
    "429": "Too many requests from an anonymous client; retry later.",
}
PRECONDITIONS = {
    "412": "Stale: someone saved this object after the copy you sent If-Match for; the body "
    "carries the current object (`current`) and the response its ETag.",
    "428": "Send If-Match with the ETag of the copy you started from (or its revision).",
}
CONFLICT = {
    "409": "Conflict: other people's work depends on this object (`depends`), or it exists "
    "already (`existing` is its URL)."
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'The ETag a GET of this object answered (or its revision, e.g. "3"). '
    "Without it the write is refused with 428; with a stale one, 412.",
    "schema": {"type": "string"},
}
SAFE = {"get", "head", "options"}
NOT_FILTERS = {"format", "style", "page", "page_size", "ordering", "release"}
RELEASE = {
    "name": "release",
    "in": "query",
    "required": False,
    "description": "Answer from this numbered release's frozen data (see /api/releases/), "
    "exactly as it was when the release was made; 404 when there is no such release.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 999999999},
}


BLANK = {"type": "string", "maxLength": 0}


def _blank_alternatives_as_any_of(node) -> None:
    """drf-spectacular writes "X or blank" as oneOf[X, blank]; when "" also satisfies X, oneOf
    (exactly one) rejects it. anyOf says what is meant."""
    if isinstance(node, dict):
        if BLANK in node.get("oneOf", []):
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _blank_alternatives_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _blank_alternatives_as_any_of(value)


def document_errors_and_anonymous_reads(result, generator, request, public):
    _blank_alternatives_as_any_of(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "patch", "post", "delete", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(ERRORS)
            if method in {"put", "patch", "delete"}:
                errors.update(PRECONDITIONS)
                parameters = operation.setdefault("parameters", [])
                parameters[:] = [p for p in parameters if p.get("name") != "If-Match"]
                parameters.append(IF_MATCH)
            if method in {"delete", "post", "put", "patch"}:
                errors.update(CONFLICT)
            for status, description in errors.items():
                responses.setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
            if method == "get" and API_READS.match(path):
                operation.setdefault("parameters", []).append(RELEASE)
            if method in SAFE:
                security = operation.setdefault("security", [])
                if {} not in security:
                    security.append({})
            for parameter in operation.get("parameters", []):
                _describe_query_value(parameter, path)
    return result


def _describe_query_value(parameter: dict, path: str) -> None:
    """Query strings cannot carry NUL characters, and a filter given an empty value is not
    applied; say both in the schema."""
    if parameter.get("in") != "query":
        return
    schema = parameter.get("schema", {})
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        schema.setdefault("pattern", "^[^\\x00]*$")
    is_filter = "/compare/" not in path and parameter["name"] not in NOT_FILTERS
    if not is_filter:
        return
    if "enum" in schema and "" not in schema["enum"]:
        schema["enum"] = [*schema["enum"], ""]
    elif schema.get("type") in {"integer", "boolean"}:
        parameter["schema"] = {"anyOf": [schema, BLANK]}

"""web/openapi.json describes the real API: same routes and methods, and real answers fit its schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

SPEC = json.loads((Path(__file__).resolve().parents[2] / "web" / "openapi.json").read_text(encoding="utf-8"))
METHODS = {"get", "post", "put", "patch", "delete"}


def spec_operations() -> set[tuple[str, str]]:
    return {(path, method) for path, item in SPEC["paths"].items() for method in item if method in METHODS}


def app_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        found |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return found


def test_spec_and_routes_agree(app):
    assert spec_operations() == app_operations(app)


def test_spec_is_served(client, auth):
    served = client.get("/api/openapi.json", headers=auth("agent")).get_json()
    assert served["paths"].keys() == SPEC["paths"].keys()


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def check(value, schema: dict, where: str = "$") -> None:
    """A small JSON-schema check: type, required, properties, items, enum, nullable, allOf."""
    schema = resolve(schema)
    for part in schema.get("allOf", []):
        check(value, part, where)
    if value is None:
        assert schema.get("nullable") or "type" not in schema, f"{where}: null not allowed"
        return
    kind = schema.get("type")
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "integer": int,
        "number": (int, float),
    }
    if kind:
        assert isinstance(value, types[kind]) and not (
            kind in ("integer", "number") and isinstance(value, bool)
        ), f"{where}: expected {kind}, got {type(value).__name__}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: missing {name}"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check(value[name], sub, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value[:5]):
            check(item, schema["items"], f"{where}[{i}]")


def call(client, auth, path: str, method: str):
    """Call a documented operation with its documented examples as an admin."""
    op = SPEC["paths"][path][method]
    url, query = path, {}
    for param in op.get("parameters", []):
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", str(param["example"]))
        elif "example" in param:
            query[param["name"]] = param["example"]
    kwargs = {"query_string": query, "headers": auth("admin")}
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        kwargs["json"] = body.get("example", {})
    return getattr(client, method)(url, **kwargs), op


GET_OPERATIONS = sorted(op for op in spec_operations() if op[1] == "get")
JSON_POSTS = [("/api/feedback", "post"), ("/api/qa/policies/validate", "post"), ("/api/qa/score", "post")]
JSON_POSTS += [("/api/qa/scorecards/{scorecard_id}/reviews", "post"), ("/api/qa/assignments", "post")]
JSON_POSTS += [("/api/qa/calibrations", "post")]


@pytest.mark.parametrize(("path", "method"), GET_OPERATIONS + JSON_POSTS)
def test_real_answers_fit_the_spec(client, auth, job_result, path, method):
    # The documented examples point at data the session app has (quiz 1 comes from test_api,
    # job 1 is the session's first ingest).
    if "{quiz_id}" in path:
        started = client.post(
            "/api/quizzes", json={"topic": "退款", "n": 2, "types": ["tf"]}, headers=auth("trainer")
        )
        check(job_result(client, started, auth("trainer")), {"$ref": "#/components/schemas/Job"})
    if "{run_id}" in path or "{scorecard_id}" in path or "{agent}" in path:
        client.post("/api/qa/score", headers=auth("qa"), json={
            "semantic": False, **SPEC["paths"]["/api/qa/score"]["post"]["requestBody"]["content"]["application/json"][
                "example"]})  # fmt: skip
    response, op = call(client, auth, path, method)
    status = str(response.status_code)
    assert status in op["responses"], f"{method.upper()} {path}: undocumented status {status}"
    content = op["responses"][status].get("content", {})
    if "application/json" in content and response.is_json:
        check(response.get_json(), content["application/json"]["schema"])


def test_documented_errors_fit_the_error_schema(client, auth):
    response = client.get("/api/search", headers=auth("agent"))
    assert "400" in SPEC["paths"]["/api/search"]["get"]["responses"]
    check(response.get_json(), {"$ref": "#/components/schemas/Error"})

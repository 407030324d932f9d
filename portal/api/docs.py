"""The browsable API reference: the OpenAPI document arranged for a server-rendered page."""
from portal.markup import render_markdown

METHOD_ORDER = ("get", "post", "patch", "put", "delete")


def type_of(schema: dict) -> str:
    """A schema in a few words: "string", "Ticket", "array of Message", "new | open", "integer | null"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_of(part) for part in schema["anyOf"])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0])
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if schema.get("type") == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    kind = schema.get("type", "any")
    return f"{kind} ({schema['format']})" if schema.get("format") else kind


def _body_schema(part: dict | None) -> str | None:
    content = (part or {}).get("content", {}).get("application/json")
    return type_of(content["schema"]) if content else None


def sections(spec: dict) -> list[dict]:
    """Operations grouped by tag in the document's tag order, each with its parameters and responses."""
    by_tag: dict[str, list] = {tag["name"]: [] for tag in spec.get("tags", [])}
    for path, item in spec.get("paths", {}).items():
        for method in METHOD_ORDER:
            operation = item.get(method)
            if operation is None:
                continue
            by_tag.setdefault((operation.get("tags") or ["Other"])[0], []).append({
                "id": operation["operationId"], "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""),
                "description": render_markdown(operation.get("description", "")),
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": type_of(p.get("schema", {})), "description": p.get("description", "")}
                               for p in operation.get("parameters", [])],
                "body": _body_schema(operation.get("requestBody")),
                "responses": [{"code": code, "description": answer.get("description", ""),
                               "schema": _body_schema(answer)}
                              for code, answer in operation.get("responses", {}).items()],
            })
    return [{"tag": tag, "operations": operations} for tag, operations in by_tag.items() if operations]


def models(spec: dict) -> list[dict]:
    """Every component schema with its fields (name, type, required, description), by name."""
    out = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        out.append({"name": name, "description": schema.get("description", ""), "enum": schema.get("enum"),
                    "fields": [{"name": field, "type": type_of(value), "required": field in required,
                                "description": value.get("description", "")}
                               for field, value in schema.get("properties", {}).items()]})
    return out

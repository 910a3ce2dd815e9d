"""Checks recorded HTTP exchanges against docs/openapi.yaml (OpenAPI 3.0).

An exchange is what a client sent (method and path) and what the server answered (status,
headers, body). check() says, for one exchange, everything in which the answer disagrees
with the file: an undocumented status, a missing documented header, a content type or body
the schema does not allow. coverage() says which documented answers no exchange produced.
"""

import json
import re
import urllib.parse

import jsonschema
import yaml

# OpenAPI 3.0 keywords that JSON Schema does not have (or that only annotate).
_ANNOTATIONS = {"nullable", "example", "examples", "readOnly", "writeOnly", "xml",
                "externalDocs", "deprecated", "discriminator"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _to_json_schema(node, in_properties=False):
    """An OpenAPI 3.0 schema object as JSON Schema: `nullable` becomes a null type."""
    if isinstance(node, list):
        return [_to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    if in_properties:  # keys are property names, not keywords
        return {k: _to_json_schema(v) for k, v in node.items()}
    out = {k: _to_json_schema(v, k == "properties") for k, v in node.items()
           if k not in _ANNOTATIONS}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.raw = yaml.safe_load(f)
        self.schema_root = _to_json_schema(self.raw)
        self.resolver = jsonschema.RefResolver("", self.schema_root)
        base = urllib.parse.urlparse(self.raw["servers"][0]["url"]).path.rstrip("/")
        self.paths = []  # (regex over the full request path, spec path, path item)
        for spec_path, item in self.raw["paths"].items():
            prefix = base
            if "servers" in item:
                prefix = urllib.parse.urlparse(item["servers"][0]["url"]).path.rstrip("/")
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(prefix + spec_path))
            self.paths.append((re.compile(pattern + "$"), spec_path, item))

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def raw_deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            parts = node["$ref"].lstrip("#/").split("/")
            node = self.raw
            for p in parts:
                node = node[p]
        return node

    def unlisted(self, kind):
        """The answer the file gives for a request no operation lists (`method` or `path`)."""
        response = self.raw.get("x-unlisted-requests", {}).get(kind)
        return self.raw_deref(response) if response else None

    def find_path(self, request_path):
        for regex, spec_path, item in self.paths:
            if regex.match(request_path):
                return spec_path, item
        return None, None

    def documented(self):
        """Every (spec path, method, status) the file lists."""
        out = set()
        for _, spec_path, item in self.paths:
            for m in METHODS:
                for status in item.get(m, {}).get("responses", {}):
                    out.add((spec_path, m.upper(), str(status)))
        return out

    def validate(self, instance, schema):
        errors = []
        validator = jsonschema.Draft7Validator(_to_json_schema(schema), resolver=self.resolver)
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in e.path) or "(body)"
            errors.append(f"{where}: {e.message[:300]}")
        return errors

    def _check_headers(self, response, headers):
        errors = []
        for name, h in response.get("headers", {}).items():
            h = self.raw_deref(h)
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    errors.append(f"documented header {name} is missing")
                continue
            schema = h.get("schema", {})
            instance = value
            if schema.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", value):
                instance = int(value)
            errors += [f"header {name}: {e}" for e in self.validate(instance, schema)]
        return errors

    def _check_body(self, response, headers, body):
        content = response.get("content")
        if not content:
            return [] if not body else ["the file documents no body, the server sent one"]
        media = headers.get("content-type", "").split(";")[0].strip()
        if media not in content:
            return [f"content type {media!r} is not one of {sorted(content)}"]
        schema = content[media].get("schema", {})
        if media == "application/json":
            try:
                instance = json.loads(body)
            except ValueError as e:
                return [f"the body is not JSON: {e}"]
        else:
            instance = body.decode("utf-8", "replace")
        return self.validate(instance, schema)

    def check(self, method, request_path, status, headers, body):
        """What in this answer the file does not allow (empty: it matches)."""
        spec_path, item = self.find_path(request_path)
        if item is None:
            # Paths the file does not list are answered by the NotFound response.
            if status != 404:
                return None, [f"undocumented path answered {status}, not 404"]
            response = self.unlisted("path")
            if response is None:
                return None, ["the file has no x-unlisted-requests.path answer"]
            return None, self._check_headers(response, headers) + \
                self._check_body(response, headers, body)
        op = item.get(method.lower())
        if op is None:
            # A method the file does not list for a path: 405, and Allow names those it does.
            if status != 405:
                return None, [f"{method} {spec_path} is undocumented and answered {status}, not 405"]
            response = self.unlisted("method")
            if response is None:
                return None, ["the file has no x-unlisted-requests.method answer"]
            errors = self._check_headers(response, headers)
            if method != "HEAD":  # an answer to HEAD has no body
                errors += self._check_body(response, headers, body)
            allowed = sorted(m.upper() for m in METHODS if m in item)
            got = sorted(x.strip() for x in headers.get("allow", "").split(",") if x.strip())
            if got != allowed:
                errors.append(f"Allow is {got}, the file lists {allowed}")
            return None, errors
        responses = op.get("responses", {})
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            return None, [f"status {status} is not documented for {method} {spec_path} "
                          f"(it lists {sorted(responses)})"]
        response = self.raw_deref(responses[key])
        errors = self._check_headers(response, headers) + self._check_body(response, headers, body)
        return (spec_path, method.upper(), key), errors

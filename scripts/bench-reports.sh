#!/usr/bin/env bash
# Reports to PDF, ISMS Desk against WeasyPrint, in one run on this machine:
# 1. `cargo bench --bench report` renders the sample's risk assessment report and a
#    1,000-risk register in-process and leaves both repositories and the HTML of both
#    reports in target/bench-reports/;
# 2. scripts/bench_reports.py times `isms report … --format pdf` end to end and
#    WeasyPrint printing the same HTML, as a command and through its Python API.
# WeasyPrint comes from PyPI into target/weasyprint-venv (it needs Pango, which the
# WebKitGTK packages from scripts/setup.sh pull in). Figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/weasyprint-venv
if [ ! -x "$venv/bin/weasyprint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "weasyprint==70.0"
fi
cargo build -q --release -p isms-cli
cargo bench -q -p isms-core --features synthetic --bench report
"$venv/bin/python" scripts/bench_reports.py

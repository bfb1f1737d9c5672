"""Times ISMS Desk and WeasyPrint making the same two PDFs (see bench-reports.sh)."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

import weasyprint

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "bench-reports"
ISMS = ROOT / "target" / "release" / "isms"
VENV_BIN = Path(sys.executable).parent

CASES = [
    ("sample risk assessment report", "sample", "risk-assessment", "risk-assessment", 7),
    ("register of 1,000 risks", "synthetic-1000", "register", "register-1000", 3),
]


def median_seconds(run, times):
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return next(int(l.split()[1]) for l in info.stdout.splitlines() if l.startswith("Pages:"))


def main():
    print("| report | tool | median | pages |")
    print("|---|---|--:|--:|")
    for label, repo, kind, stem, times in CASES:
        html = OUT / f"{stem}.html"
        ours = OUT / f"{stem}-cli.pdf"
        theirs = OUT / f"{stem}-weasyprint.pdf"
        cli = [str(ISMS), "--repo", str(OUT / repo), "report", kind, "--format", "pdf", "-o", str(ours)]
        t_ours = median_seconds(lambda: subprocess.run(cli, check=True, capture_output=True), times)
        wp_cli = [str(VENV_BIN / "weasyprint"), str(html), str(theirs)]
        t_wp_cli = median_seconds(lambda: subprocess.run(wp_cli, check=True, capture_output=True), times)
        document = weasyprint.HTML(filename=str(html))
        document.write_pdf(str(theirs))  # warm-up: fonts and CSS caches
        t_wp_api = median_seconds(lambda: document.write_pdf(str(theirs)), times)
        print(f"| {label} | `isms report` (command, from the commit) | {t_ours * 1000:.0f} ms | {pages(ours)} |")
        print(f"| {label} | `weasyprint` (command, from the HTML) | {t_wp_cli * 1000:.0f} ms | {pages(theirs)} |")
        print(f"| {label} | WeasyPrint Python API, warm | {t_wp_api * 1000:.0f} ms | {pages(theirs)} |")
        print(f"| {label} | speed-up, command vs command | {t_wp_cli / t_ours:.1f}× | |")


main()

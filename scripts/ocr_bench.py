#!/usr/bin/python3
"""OCR benchmark (not a test; `make bench` runs it after scripts/bench.py).

Scans every page of the sample manual (samples/manuals/프런트데스크_응대_매뉴얼.pdf) two ways —
clean (300 dpi, 8-bit gray) and degraded (200 dpi, 0.8° skew, blur, speckle noise, JPEG quality
40; scripts/make_ocr_fixtures.py's functions) — wraps each set as an image-only PDF, and measures:

  1. character similarity of ManualBot's OCR text to the page's own text layer (pdftotext),
     whitespace ignored: 1 - Levenshtein distance / longer length, per page; mean and minimum;
  2. OCR pages/s: both PDFs parsed by two `manualbot extract` processes at once (two cores, like
     PARSE_WORKERS=2), and by one alone;
  3. retrieval: `manualbot eval` on the questions about that manual (bench/hotel/queries.jsonl),
     once with the original PDF and once with the clean and the degraded scan under the same name.

Needs /usr/bin/python3 with Debian's python3-pil and img2pdf (bench.sh installs them).
MANUALBOT_BIN: the binary (default .build/release/manualbot). `--json OUT` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_ocr_fixtures as fx  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GOAL_CLEAN = 0.95
GOAL_DEGRADED = 0.90


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(ocr: str, source: str) -> float:
    a, b = squeeze(ocr), squeeze(source)
    return 1 - levenshtein(a, b) / max(len(a), len(b), 1)


def source_pages(pdf: Path, count: int) -> list[str]:
    return [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout for p in range(1, count + 1)]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def start_extract(binary: str, pdf: Path) -> subprocess.Popen:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    return subprocess.Popen([binary, "extract", "--max-cpu-seconds", "600", str(pdf)], stdout=subprocess.PIPE, env=env)


def finish(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    outcome = json.loads(out)
    if "document" not in outcome:
        raise SystemExit(f"extract failed: {outcome}")
    return outcome["document"]["_0"]


def evaluate(binary: str, folder: Path, queries: Path) -> list:
    out = folder.parent / f"eval-{folder.name}.json"
    subprocess.run([binary, "eval", "--pdfs", str(folder), "--queries", str(queries), "--json", str(out)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args()
    binary = os.environ.get("MANUALBOT_BIN", str(REPO / ".build/release/manualbot"))
    manual = fx.MANUAL
    count = page_count(manual)
    sources = source_pages(manual, count)
    figures: dict = {"pages": count}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        clean = folder / "clean" / manual.name
        degraded = folder / "degraded" / manual.name
        clean.parent.mkdir()
        degraded.parent.mkdir()
        clean.write_bytes(fx.wrap([(fx.render(manual, p, 300), 300, "PNG") for p in range(1, count + 1)]))
        degraded.write_bytes(fx.wrap([(fx.degrade(fx.render(manual, p, 200), seed=p)[0], 200, "JPEG")
                                      for p in range(1, count + 1)]))

        started = time.monotonic()
        single = finish(start_extract(binary, clean))
        single_seconds = time.monotonic() - started
        started = time.monotonic()
        both = [start_extract(binary, clean), start_extract(binary, degraded)]
        results = [finish(p) for p in both]
        parallel_seconds = time.monotonic() - started

        for label, document in (("clean", results[0]), ("degraded", results[1])):
            scores = [similarity(document["pages"][i], sources[i]) for i in range(count)]
            ocr = [p for p in document.get("ocrPages", []) if p["status"] == "ocr"]
            figures[label] = {"similarity": scores, "mean": sum(scores) / count, "min": min(scores),
                              "ocr_pages": len(ocr), "ocr_seconds": sum(p["seconds"] for p in document.get("ocrPages", []))}
        figures["single_pages_per_s"] = count / single_seconds
        figures["parallel_pages_per_s"] = 2 * count / parallel_seconds
        del single

        if not args.skip_eval:
            queries = folder / "queries.jsonl"
            lines = [line for line in (REPO / "bench/hotel/queries.jsonl").read_text().splitlines()
                     if json.loads(line).get("file") == manual.name]
            queries.write_text("\n".join(lines) + "\n")
            original = folder / "original"
            original.mkdir()
            (original / manual.name).write_bytes(manual.read_bytes())
            figures["eval"] = {label: evaluate(binary, folder / label, queries) for label in ("original", "clean", "degraded")}
            figures["eval_questions"] = len(lines)

    print("\n## OCR (sample manual, %d pages, kor+eng, OCR_DPI 300)\n" % count)
    print("| metric | clean 300 dpi | degraded 200 dpi | goal |")
    print("|---|---:|---:|---|")
    print("| character similarity, mean | %.3f | %.3f | ≥ %.2f / ≥ %.2f |" % (
        figures["clean"]["mean"], figures["degraded"]["mean"], GOAL_CLEAN, GOAL_DEGRADED))
    print("| character similarity, worst page | %.3f | %.3f | |" % (figures["clean"]["min"], figures["degraded"]["min"]))
    print("| per page | %s | %s | |" % (" ".join("%.3f" % s for s in figures["clean"]["similarity"]),
                                         " ".join("%.3f" % s for s in figures["degraded"]["similarity"])))
    print("| OCR pages/s, 2 processes on 2 cores | %.2f (both sets) | | reported |" % figures["parallel_pages_per_s"])
    print("| OCR pages/s, 1 process | %.2f (clean) | | |" % figures["single_pages_per_s"])
    if "eval" in figures:
        print("\nRetrieval on the %d questions about the manual (`manualbot eval`, standard tokenizer, pages):\n"
              % figures["eval_questions"])
        print("| copy of the manual | page MRR@5 | page Hit@1 | page Hit@5 | file@5 | false refusals |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, report in figures["eval"].items():
            row = summary(report)
            print("| %s | %.3f | %.3f | %.3f | %.3f | %.3f |" % (label, row["pageMRR"], row["pageHit1"], row["pageHitK"],
                                                              row["fileK"], row["falseRefusals"]))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


def summary(report: list) -> dict:
    """Page-level figures of the service's own tokenizer from `manualbot eval --json`."""
    standard = next(mode for mode in report if mode["mode"] == "standard")
    overall = standard["overall"]
    return {key: round(overall[key], 3) for key in ("pageMRR", "pageHit1", "pageHitK", "fileK", "falseRefusals")}


if __name__ == "__main__":
    sys.exit(main())

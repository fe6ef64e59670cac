#!/usr/bin/env python3
"""How much of the allganize benchmark a text-only retriever can reach, and how ManualBot does
on the part it can.

A query is out of reach when its labelled page carries no text (< 20 characters in
source/pages.jsonl: picture-only or unparseable pages), or when the label points one page off:
less than 20% of the answer's character bigrams are on the labelled page while at least 50% are
on the page before or after it (e.g. the Angola report, where the answers sit one page earlier).

    manualbot eval --pdfs ../shared/bench/allganize/pdfs \
        --queries ../shared/bench/allganize/queries.jsonl --modes standard --dump /tmp/dump.jsonl
    python3 bench/allganize_ceiling.py /tmp/dump.jsonl [../shared/bench/allganize]
"""
import json
import re
import sys
from pathlib import Path


def bigrams(text):
    text = re.sub(r"\s+", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def classify(query, pages):
    if not query["pages"]:
        return "reachable"
    page = query["pages"][0]
    answer = bigrams(query["answer"])

    def overlap(number):
        return len(answer & bigrams(pages.get((query["file"], number), ""))) / max(1, len(answer))

    if len(pages.get((query["file"], page), "").strip()) < 20:
        return "no text on the labelled page"
    if overlap(page) < 0.2 and max(overlap(page - 1), overlap(page + 1)) >= 0.5:
        return "answer on the neighbouring page"
    return "reachable"


def main():
    dump_path = sys.argv[1]
    bench = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "shared/bench/allganize")
    pages = {}
    with open(bench / "source/pages.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            pages[(row["file"], row["page"])] = row["text"]
    with open(bench / "queries.jsonl", encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()]
    with open(dump_path, encoding="utf-8") as f:
        outcomes = {row["id"]: row for row in map(json.loads, f)}

    def mrr(ids):
        return sum(1 / outcomes[i]["rank"] for i in ids if outcomes[i]["found"]) / max(1, len(ids))

    def hit(ids):
        return sum(outcomes[i]["found"] for i in ids) / max(1, len(ids))

    groups = {}
    for query in queries:
        groups.setdefault(classify(query, pages), []).append(query["id"])
    everything = [q["id"] for q in queries]
    print("| queries | n | MRR@5 | Hit@5 |")
    print("|---|---:|---:|---:|")
    print(f"| all | {len(everything)} | {mrr(everything):.3f} | {hit(everything):.1%} |")
    for name in ("reachable", "no text on the labelled page", "answer on the neighbouring page"):
        ids = groups.get(name, [])
        print(f"| {name} | {len(ids)} | {mrr(ids):.3f} | {hit(ids):.1%} |")
    reachable = len(groups.get("reachable", []))
    print(f"\nHit@5 ceiling for a text-only retriever: {reachable}/{len(everything)} = {reachable / len(everything):.1%}")
    for name in ("no text on the labelled page", "answer on the neighbouring page"):
        print(f"{name}: {' '.join(groups.get(name, []))}")


if __name__ == "__main__":
    main()

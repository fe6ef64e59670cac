#!/usr/bin/env python3
# Checks bench/hotel/paraphrased.jsonl: every line parses, has the fields its kind needs, ids are
# unique and text is NFC; an answerable question shares no substring of >= 4 characters with its
# evidence (whitespace removed, case-folded); the evidence (whitespace removed, NFC) is on every
# listed page and `pages` is exactly the set of pages of `file` that contain it (warns when another
# document contains it too); `split` follows the sha256(id) rule. --fix rewrites pages and split.
# Prints counts per kind / domain / split and exits 1 on any error.
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SAMPLES = os.path.join(REPO, "samples", "manuals")
DOMAINS = {"sample", "crm", "cs", "mokpo", "lodging", "lecture"}
ANSWERABLE_KINDS = {"colloquial", "keyword", "english", "typo"}
KINDS = ANSWERABLE_KINDS | {"none"}
MIN_SHARED = 4  # a shared run of this many characters is an error


def squash(s):
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", s))


def split_of(item_id):
    return "dev" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def expected_domain(name):
    if name in ("프런트데스크_응대_매뉴얼.pdf", "객실_하우스키핑_안내.txt"):
        return "sample"
    if name.startswith("호텔_CRM_"):
        return "crm"
    if name == "CS_MANUAL_2025.pdf":
        return "cs"
    if name.startswith("낭만항구"):
        return "mokpo"
    if name == "서비스매뉴얼_숙박.pdf":
        return "lodging"
    if name.startswith("Chapter_"):
        return "lecture"
    return None


def load_documents(corpus):
    """file name (NFC) -> list of page texts (squashed), page 1 first."""
    docs = {}
    for folder in (SAMPLES, corpus):
        for entry in sorted(os.listdir(folder)):
            name = unicodedata.normalize("NFC", entry)
            path = os.path.join(folder, entry)
            if entry.lower().endswith(".pdf"):
                out = subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True).stdout
                pages = out.decode("utf-8", "replace").split("\f")
                if pages and not pages[-1].strip():
                    pages = pages[:-1]
                docs[name] = [squash(p) for p in pages]
            elif entry.lower().endswith(".txt") and folder == SAMPLES:
                with open(path, encoding="utf-8") as f:
                    docs[name] = [squash(f.read())]
    return docs


def longest_shared(a, b):
    """Longest common substring of a and b (simple DP; strings are short)."""
    best, end = 0, 0
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, end = cur[j], i
        prev = cur
    return a[end - best:end]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=os.path.join(HERE, "paraphrased.jsonl"))
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus", "hotel-manuals"))
    ap.add_argument("--fix", action="store_true", help="rewrite pages and split to the computed values")
    args = ap.parse_args()

    docs = load_documents(args.corpus)
    errors, warnings, items, seen = [], [], [], set()
    with open(args.file, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            it = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON ({e})")
            continue
        items.append(it)
        iid = it.get("id", f"line {n}")

        def err(msg):
            errors.append(f"{iid}: {msg}")

        if line != unicodedata.normalize("NFC", line):
            err("line is not NFC")
        if iid in seen:
            err("duplicate id")
        seen.add(iid)
        kind = it.get("kind")
        if kind not in KINDS:
            err(f"bad kind {kind!r}")
            continue
        if it.get("domain") not in DOMAINS:
            err(f"bad domain {it.get('domain')!r}")
        for key in ("id", "question", "answer"):
            if not isinstance(it.get(key), str) or not it.get(key).strip():
                err(f"missing {key}")
        if it.get("pages") is None or not isinstance(it.get("pages"), list):
            err("missing pages list")
        want_split = split_of(iid)
        if it.get("split") != want_split:
            if args.fix:
                it["split"] = want_split
            else:
                err(f"split is {it.get('split')!r}, hash rule says {want_split!r}")

        if kind == "none":
            if "file" in it or "evidence" in it:
                err("none item must not have file/evidence")
            if it.get("pages") != []:
                err("none item must have pages []")
            if not isinstance(it.get("near_miss"), bool):
                err("none item needs near_miss true/false")
            continue

        if "near_miss" in it:
            err("answerable item must not have near_miss")
        name, ev, q = it.get("file"), it.get("evidence"), it.get("question", "")
        if not isinstance(ev, str) or not ev.strip():
            err("missing evidence")
            continue
        if name not in docs:
            err(f"unknown file {name!r}")
            continue
        if expected_domain(name) != it.get("domain"):
            err(f"domain {it.get('domain')!r} but file {name} is {expected_domain(name)!r}")
        shared = longest_shared(squash(q).casefold(), squash(ev).casefold())
        if len(shared) >= MIN_SHARED:
            err(f"question shares {shared!r} ({len(shared)} chars) with its evidence")
        sev = squash(ev)
        found = [i + 1 for i, page in enumerate(docs[name]) if sev in page]
        if not found:
            err(f"evidence not found in {name}: {ev!r}")
            continue
        if it.get("pages") != found:
            if args.fix:
                it["pages"] = found
            else:
                missing = sorted(set(found) - set(it.get("pages") or []))
                extra = sorted(set(it.get("pages") or []) - set(found))
                err(f"pages {it.get('pages')} != computed {found} (missing {missing}, not containing {extra})")
        others = [d for d, pages in docs.items() if d != name and any(sev in p for p in pages)]
        if others:
            warnings.append(f"{iid}: evidence also occurs in {', '.join(others)}")

    qs = Counter(squash(it.get("question", "")).casefold() for it in items)
    for q, c in qs.items():
        if c > 1:
            errors.append(f"question repeated {c} times: {q!r}")

    if args.fix:
        with open(args.file, "w", encoding="utf-8") as f:
            for it in items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")

    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)

    def table(key):
        c = Counter(it.get(key) for it in items)
        return ", ".join(f"{k}={v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0])))

    answerable = sum(1 for it in items if it.get("kind") != "none")
    none = len(items) - answerable
    near = sum(1 for it in items if it.get("kind") == "none" and it.get("near_miss") is True)
    files = Counter(it.get("file") for it in items if it.get("kind") != "none")
    print(f"files covered: {len(files)} of {len(docs)}")
    for name in sorted(docs):
        print(f"  {files.get(name, 0):3d}  {name}")
    print("kind:   ", table("kind"))
    print("domain: ", table("domain"))
    print("split:  ", table("split"))
    print(f"total {len(items)}: answerable {answerable}, none {none} (near-miss {near}, off-topic {none - near})")
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

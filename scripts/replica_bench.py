#!/usr/bin/env python3
# Fresh-replica benchmark (issue #14; not a test; `make bench` runs it after scripts/bench.py):
# how soon a new ECS task on the same bucket answers, lexically and semantically, when the
# replicas share their derived data through the bucket. Standard library only; needs the release
# binary (MANUALBOT_BIN), the embedding engine, curl, and the S3 test server script (SeaweedFS on
# 127.0.0.1 only).
#
#   1. Starts SeaweedFS, uploads the corpus (default ../shared/corpus/hotel-manuals) to a bucket.
#   2. Replica A, empty DATA_DIR: start-up sync, every passage embedded, every artifact published
#      (the cost without sharing: minutes).
#   3. Reference, same invocation: a fresh replica with S3_ARTIFACTS=off — lexically ready after
#      parsing everything itself (today's start), semantically ready only after embedding again.
#   4. Replica B, empty DATA_DIR, artifacts present: seconds from process start to lexically ready
#      (start-up sync done with every document) and to semantically ready, and how many documents
#      it parsed and passages it embedded (goal: 0 and 0; semantic-ready < 10 s).
# Prints a markdown table; `--json OUT` also writes the figures.
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import shutil
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the Server, health and metrics helpers)

REPO = Path(__file__).resolve().parent.parent
GOAL_FRESH_READY_S = 10.0


def metric_sum(port: int, name: str) -> float:
    """Sum of every series of `name` (all label sets) in GET /metrics."""
    import http.client
    conn = http.client.HTTPConnection(bench.HOST, port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def s3_env(s3_dir: Path) -> dict[str, str]:
    env = {}
    for line in (s3_dir / "env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'")
    return env


def curl_s3(env: dict[str, str], method: str, path: str, upload: Path | None = None) -> None:
    argv = ["curl", "-sS", "-f", "-X", method, "--aws-sigv4", f"aws:amz:{env['MANUALBOT_TEST_S3_REGION']}:s3",
            "--user", f"{env['MANUALBOT_TEST_S3_ACCESS_KEY']}:{env['MANUALBOT_TEST_S3_SECRET_KEY']}",
            f"{env['MANUALBOT_TEST_S3_ENDPOINT']}/{path}"]
    if upload is not None:
        # curl signs a body it streams only as UNSIGNED-PAYLOAD (SeaweedFS checks the rest).
        argv[3:3] = ["--data-binary", f"@{upload}", "-H", "Content-Type: application/octet-stream",
                     "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def replica_env(env: dict[str, str], bucket: str, **extra: str) -> dict[str, str]:
    return {"S3_BUCKET": bucket, "S3_ENDPOINT": env["MANUALBOT_TEST_S3_ENDPOINT"],
            "AWS_REGION": env["MANUALBOT_TEST_S3_REGION"], "AWS_ACCESS_KEY_ID": env["MANUALBOT_TEST_S3_ACCESS_KEY"],
            "AWS_SECRET_ACCESS_KEY": env["MANUALBOT_TEST_S3_SECRET_KEY"], "SYNC_INTERVAL_SECONDS": "0",
            "EMBEDDINGS": "on", **extra}


def wait_published(server: bench.Server, expected: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        published = metric_sum(server.port, "manualbot_artifacts_published_total")
        if published >= expected:
            return time.perf_counter() - server.started
        if not server.alive():
            raise RuntimeError(f"replica exited:\n{server.log_tail()}")
        time.sleep(0.5)
    raise TimeoutError(f"{expected} artifacts not published within {timeout:g} s")


def main() -> int:
    parser = argparse.ArgumentParser(description="fresh-replica benchmark")
    parser.add_argument("--binary", default=os.environ.get("MANUALBOT_BIN", str(REPO / ".build/release/manualbot")))
    parser.add_argument("--corpus", default=os.environ.get("BENCH_CORPUS", str(bench.DEFAULT_CORPUS)))
    parser.add_argument("--timeout", type=float, default=1200, help="max seconds for replica A to embed and publish")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args()
    binary, corpus = os.path.abspath(args.binary), Path(args.corpus).resolve()
    files = sorted(p for p in corpus.iterdir() if p.suffix.lower() in (".pdf", ".txt"))
    if not files:
        bench.log(f"no manuals in {corpus}")
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="manualbot-replica-bench-"))
    s3_dir = workdir / "s3"
    servers: list[bench.Server] = []
    results: dict = {"corpus": str(corpus), "files": len(files), "cpus": os.cpu_count()}
    try:
        subprocess.run(["bash", str(REPO / "scripts/s3-test-server.sh"), "start", str(s3_dir)], check=True)
        env = s3_env(s3_dir)
        bucket = "replica-bench"
        curl_s3(env, "PUT", bucket)
        for number, manual in enumerate(files):
            # ASCII keys: the benchmark is about timing, not names.
            curl_s3(env, "PUT", f"{bucket}/manuals/{number:03d}{manual.suffix.lower()}", upload=manual)
        bench.log(f"uploaded {len(files)} manuals to s3://{bucket}/manuals/")

        def start(name: str, **extra: str) -> bench.Server:
            server = bench.Server(binary, corpus, workdir, "info", name=name, extra_env=replica_env(env, bucket, **extra))
            servers.append(server)
            return server

        bench.log("replica A: empty DATA_DIR, computes everything and publishes it")
        first = start("replica-a")
        ready = bench.wait_ready(first, len(files), 300)
        done = ready["health"].get("documents", 0) - ready["health"].get("failed", 0)
        semantic = bench.wait_semantic(first, args.timeout)
        published_at = wait_published(first, done, 120)
        results["first"] = {"lexical_ready_s": ready["ready_seconds"], "semantic_ready_s": semantic["ready_seconds"],
                            "published_after_s": published_at, "documents": done,
                            "embedded": semantic["embedded"], "passages": semantic["passages"]}
        first.stop()

        bench.log("reference: a fresh replica with S3_ARTIFACTS=off (lexically ready after parsing everything)")
        reference = start("replica-off", S3_ARTIFACTS="off")
        results["reference"] = {"lexical_ready_s": bench.wait_ready(reference, len(files), 300)["ready_seconds"]}
        reference.stop()

        bench.log("replica B: empty DATA_DIR, artifacts in the bucket")
        fresh = start("replica-b")
        lexical = bench.wait_ready(fresh, len(files), 120)
        semantic = bench.wait_semantic(fresh, 120)
        results["fresh"] = {"lexical_ready_s": lexical["ready_seconds"], "semantic_ready_s": semantic["ready_seconds"],
                            "parsed": metric_sum(fresh.port, "manualbot_ingest_documents_total"),
                            "embedded": metric_sum(fresh.port, "manualbot_embedded_passages_total"),
                            "imported": metric_sum(fresh.port, "manualbot_artifact_lookups_total{result=\"imported\"}"),
                            "passages": semantic["passages"]}
        fresh.stop()
    finally:
        for server in servers:
            server.stop()
        subprocess.run(["bash", str(REPO / "scripts/s3-test-server.sh"), "stop", str(s3_dir)], check=False)
        shutil.rmtree(workdir, ignore_errors=True)

    a, ref, b = results["first"], results["reference"], results["fresh"]
    passed = b["semantic_ready_s"] < GOAL_FRESH_READY_S and b["parsed"] == 0 and b["embedded"] == 0
    results["pass"] = passed
    print()
    print(f"## Fresh replica with shared artifacts — {len(files)} manuals, {a['passages']} passages, {os.cpu_count()} CPUs")
    print()
    print("| replica | lexically ready s | semantically ready s | parsed | embedded | goal |")
    print("|---|---|---|---|---|---|")
    print(f"| A: empty, computes and publishes | {a['lexical_ready_s']:.2f} | {a['semantic_ready_s']:.1f} "
          f"(all {a['documents']} published at {a['published_after_s']:.1f}) | {a['documents']} | {a['embedded']:.0f} | — |")
    print(f"| reference: empty, S3_ARTIFACTS=off | {ref['lexical_ready_s']:.2f} | (as A) | {len(files)} | (as A) | — |")
    print(f"| B: empty, artifacts present | {b['lexical_ready_s']:.2f} | {b['semantic_ready_s']:.2f} | "
          f"{b['parsed']:.0f} | {b['embedded']:.0f} | semantic < {GOAL_FRESH_READY_S:g} s, 0 parsed, 0 embedded: "
          f"{'yes' if passed else 'NO'} |")
    print()
    print(f"B imported {b['imported']:.0f} artifacts; lexical start of B vs the reference: "
          f"{b['lexical_ready_s'] / ref['lexical_ready_s']:.2f}×")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# ManualBot benchmark (not a test): ingest speed vs. pdftotext, chat latency, peak memory.
# Run through `make bench` / `bash scripts/bench.sh`; Python 3.11 standard library only.
#
# Measures in one run, on the same corpus (default ../shared/corpus/hotel-manuals, BENCH_CORPUS):
#   1. pdftotext pages/s: one `pdftotext FILE /dev/null` per PDF, sequentially, best of N runs.
#   2. `manualbot ingest CORPUS` pages/s into a fresh DATA_DIR each time, best of N runs
#      (wall-clock of the whole command; pages from its summary line), and its peak RSS.
#   3. `manualbot serve` on 127.0.0.1:<free port>: waits for the start-up ingest, sends 20 warm-up
#      then >= 200 Korean questions sequentially over one keep-alive connection to /api/v1/chat,
#      and reports p50/p99/max latency, non-200 count, answers with sources, server VmHWM.
#      With the embedding engine installed (semantic search on), first: the time from start to
#      semantic-ready (every passage embedded, from an empty DATA_DIR), health latency while the
#      corpus is embedding and, as its reference, the same checks with SCHED_IDLE busy loops on
#      every core (the machine's floor for any background load), then the chat run on hybrid search, and a restart on the same DATA_DIR:
#      semantic-ready again and how many passages it embedded (goal: 0).
# Prints a markdown table; `--json OUT` also writes every figure. Always stops the server.
from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "hotel-manuals"
API_KEY = "bench-key"
HOST = "127.0.0.1"

GOAL_INGEST_RATIO = 0.8  # ManualBot pages/s >= 0.8 x pdftotext pages/s
GOAL_P99_MS = 10.0
GOAL_SERVER_RSS_MB = 100.0
# With semantic search on (the model loaded, a question embedded per chat request).
GOAL_SEMANTIC_P50_MS = 30.0
GOAL_SEMANTIC_P99_MS = 50.0
GOAL_SEMANTIC_RSS_MB = 300.0
GOAL_SEMANTIC_READY_S = 300.0
GOAL_RESTART_READY_S = 5.0
GOAL_HEALTH_P99_MS = 5.0

# ---------------------------------------------------------------------------------------------
# Questions: ~47 hotel topics x 5 phrasings, plus off-topic ones no manual answers.
TOPICS = [
    "체크인 절차", "얼리 체크인 요청", "레이트 체크아웃 요청", "노쇼 고객 환불", "예약 취소 수수료",
    "객실 업그레이드 요청", "객실 소음 불만", "객실 청소 상태 불만", "분실물 처리", "고객 클레임 응대",
    "전화 응대 예절", "화난 고객 사과", "VIP 고객 영접", "외국인 고객 응대", "장애인 고객 응대",
    "어린이 동반 고객 안내", "반려동물 동반 문의", "조식 시간 문의", "룸서비스 주문 접수",
    "미니바 요금 이의 제기", "주차 요금 문의", "객실 키 분실", "객실 온도 조절 불만", "와이파이 연결 불량",
    "귀중품 보관 요청", "수하물 보관", "모닝콜 요청", "엑스트라 베드 추가", "금연 객실 흡연 적발",
    "결제 카드 승인 오류", "영수증 재발행", "고객 만족도 조사", "직원 용모와 복장 기준", "고객 맞이 인사 방법",
    "컴플레인 접수 후 상사 보고", "객실 내 응급 환자 발생", "화재 대피 안내", "엘리베이터 고장",
    "단체 고객 체크인", "연회장 예약 문의", "세탁 서비스 요청", "택시 호출 요청", "목포 관광지 안내",
    "고객 개인정보 보호", "서비스 마인드 교육", "고객 호칭 방법", "대기 고객 응대",
]
PHRASINGS = [
    "{t} 어떻게 처리해야 하나요?",
    "{t} 관련 응대 절차 알려주세요",
    "{t} 상황에서 고객에게 뭐라고 말해야 하나요?",
    "신입인데 {t} 매뉴얼 기준이 어떻게 되나요?",
    "{t}에 대해 설명해 주세요",
    "{t} 규정 좀 알려줘",
    "고객이 {t} 건으로 항의하면 어떻게 대응하나요?",
    "{t} 처리 순서를 단계별로 알려주세요",
]
EXTRA_ON_TOPIC = [
    "What time is breakfast served?",
    "손님이 객실에 들어가자마자 냄새가 난다고 하시면서 다른 방으로 바꿔 달라고 하시는데, 오늘 만실이라 "
    "바꿔 드릴 방이 없고 손님은 계속 화를 내시면서 환불까지 요구하고 계십니다. 이런 경우 프런트 직원은 "
    "어떤 순서로 사과하고 대안을 제시해야 하며, 상급자에게는 언제 보고해야 하나요?",
    "노쇼 환불",
    "클레임",
]
OFF_TOPIC = [
    "오늘 서울 날씨 어때요?", "비트코인 시세 알려줘", "파이썬에서 리스트 정렬하는 방법은?",
    "양자역학의 불확정성 원리가 뭔가요?", "2002년 월드컵 4강 진출 국가는?", "김치찌개 맛있게 끓이는 법",
    "요즘 추천할 만한 주식 종목 있어?", "자동차 엔진오일 교체 주기는 얼마나 되나요?", "고양이 사료 추천해 주세요",
    "리눅스 커널 컴파일 방법", "화성 탐사선 발사 일정 알려줘", "ㅋㅋㅋㅋ", "?", "😀", "안녕하세요", "배고파요",
]


def build_questions() -> list[tuple[str, str]]:
    """(category, message) pairs in a fixed shuffled order; category is 'manual' or 'offtopic'."""
    questions = []
    for i, topic in enumerate(TOPICS):
        for j in range(5):
            questions.append(("manual", PHRASINGS[(i + j) % len(PHRASINGS)].format(t=topic)))
    questions += [("manual", q) for q in EXTRA_ON_TOPIC]
    questions += [("offtopic", q) for q in OFF_TOPIC]
    random.Random(20240601).shuffle(questions)
    return questions


# ---------------------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _set_pdeathsig() -> None:
    """In the child before exec: get SIGTERM if the benchmark dies, so no server is left behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def run_measured(argv: list[str], env: dict[str, str] | None, timeout: float,
                 stdout_path: str | os.PathLike | None = None) -> tuple[int, float, float]:
    """Runs argv to completion; returns (exit code, wall seconds, peak RSS MB of the process tree).

    Peak RSS comes from wait4's rusage for this one child: ru_maxrss is the largest RSS of the child
    or any descendant it reaped (e.g. ManualBot's `extract` workers), in KiB on Linux. A blocking
    wait4 (no polling) keeps the timing exact; a timer kills the child after `timeout` seconds.
    """
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - started
        except BaseException:  # interrupted: do not leave the child running
            proc.kill()
            os.waitpid(proc.pid, 0)
            raise
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if elapsed >= timeout:
            raise TimeoutError(f"{argv[0]} did not finish within {timeout:g} s")
        return proc.returncode, elapsed, usage.ru_maxrss / 1024
    finally:
        if stdout_path:
            out.close()


# ---------------------------------------------------------------------------------------------
def pdf_pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", out, re.M)
    if not match:
        raise RuntimeError(f"pdfinfo printed no page count for {pdf}")
    return int(match.group(1))


def bench_pdftotext(pdfs: list[Path], runs: int) -> dict:
    pages = sum(pdf_pages(p) for p in pdfs)
    times, peak = [], 0.0
    for run in range(runs):
        total = 0.0
        for pdf in pdfs:
            code, seconds, rss = run_measured(["pdftotext", str(pdf), "/dev/null"], None, timeout=120)
            if code != 0:
                raise RuntimeError(f"pdftotext failed on {pdf} (exit {code})")
            total += seconds
            peak = max(peak, rss)
        times.append(total)
        log(f"pdftotext run {run + 1}/{runs}: {pages} pages in {total:.3f} s = {pages / total:.0f} pages/s")
    best = min(times)
    return {"pages": pages, "files": len(pdfs), "runs_seconds": times, "best_seconds": best,
            "pages_per_second": pages / best, "peak_rss_mb": peak}


SUMMARY = re.compile(r"(\d+) added, (\d+) updated, (\d+) removed, (\d+) unchanged, (\d+) failed, "
                     r"(\d+) pages in ([\d.]+) s")


def bench_ingest(binary: str, corpus: Path, runs: int, workdir: Path, timeout: float) -> dict:
    times, reported, peaks, pages, summary = [], [], [], None, None
    for run in range(runs):
        data_dir = Path(tempfile.mkdtemp(prefix=f"ingest{run}-", dir=workdir))
        env = dict(os.environ, DATA_DIR=str(data_dir), API_KEY=API_KEY, LOG_LEVEL="warning")
        out_path = workdir / f"ingest{run}.out"
        code, seconds, rss = run_measured([binary, "ingest", str(corpus)], env, timeout, out_path)
        text = out_path.read_text(errors="replace")
        match = SUMMARY.search(text)
        if code != 0 or not match:
            raise RuntimeError(f"manualbot ingest exited {code}; stdout:\n{text[-2000:]}")
        added, failed, run_pages, run_reported = int(match[1]), int(match[5]), int(match[6]), float(match[7])
        if pages is not None and run_pages != pages:
            log(f"warning: ingest run {run + 1} reported {run_pages} pages, earlier runs {pages}")
        pages, summary = run_pages, match.group(0)
        times.append(seconds)
        reported.append(run_reported)
        peaks.append(rss)
        shutil.rmtree(data_dir, ignore_errors=True)
        log(f"ingest run {run + 1}/{runs}: {added} added, {failed} failed, {run_pages} pages in {seconds:.3f} s wall "
            f"({run_reported:.2f} s reported) = {run_pages / seconds:.0f} pages/s, peak RSS {rss:.1f} MB")
    best = min(times)
    return {"pages": pages, "summary": summary, "runs_seconds": times, "reported_seconds": reported,
            "best_seconds": best, "pages_per_second": pages / best,
            "pages_per_second_reported": pages / min(reported) if min(reported) > 0 else None,
            "peak_rss_mb": max(peaks), "peak_rss_mb_runs": peaks}


# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, float]:
    """VmHWM / VmRSS of a live process in MB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0]) / 1024
    return values


class Server:
    def __init__(self, binary: str, corpus: Path, workdir: Path, log_level: str, data_dir: Path | None = None,
                 name: str = "serve", extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="serve-", dir=workdir))
        self.log_path = workdir / f"{name}.log"
        env = dict(os.environ, HOST=HOST, PORT=str(self.port), DATA_DIR=str(self.data_dir),
                   MANUALS_DIR=str(corpus), LOG_LEVEL=log_level, API_KEY=API_KEY, **(extra_env or {}))
        self.log_file = open(self.log_path, "wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, preexec_fn=_set_pdeathsig)
        log(f"server pid {self.proc.pid} on http://{HOST}:{self.port}, log {self.log_path}")

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log("server ignored SIGTERM for 10 s; killing it")
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log_file.close()


HEADERS = {"Content-Type": "application/json", "Accept": "application/json",
           "Authorization": f"Bearer {API_KEY}"}


def get_health(port: int) -> tuple[int, dict | None]:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/api/v1/health", headers=HEADERS)
        resp = conn.getresponse()
        body = resp.read()
        try:
            return resp.status, json.loads(body)
        except ValueError:
            return resp.status, None
    finally:
        conn.close()


def wait_ready(server: Server, expected_docs: int, timeout: float) -> dict:
    """Health 200, then the start-up ingest finished with every document; all within `timeout` s."""
    deadline = time.perf_counter() + timeout
    first_ok, last, last_error = None, None, None
    while time.perf_counter() < deadline:
        if not server.alive():
            raise RuntimeError(f"server exited with {server.proc.returncode} while starting:\n{server.log_tail()}")
        try:
            status, body = get_health(server.port)
            last, last_error = (status, body), None
            if status == 200 and body is not None:
                if first_ok is None:
                    first_ok = time.perf_counter() - server.started
                    log(f"health 200 after {first_ok:.2f} s")
                ingest = body.get("ingest") or {}
                if (not ingest.get("running") and ingest.get("lastFinishedAt")
                        and body.get("documents", 0) >= expected_docs):
                    ready = time.perf_counter() - server.started
                    log(f"start-up ingest done after {ready:.2f} s: {body.get('documents')} documents, "
                        f"{body.get('pages')} pages, {body.get('chunks')} chunks, {body.get('failed')} failed")
                    return {"health_ok_seconds": first_ok, "ready_seconds": ready, "health": body}
                if not ingest.get("running") and ingest.get("lastFinishedAt"):
                    # Finished but short of documents: it will not get better by waiting.
                    raise RuntimeError(f"start-up ingest finished with {body.get('documents')} documents, "
                                       f"expected {expected_docs}: {json.dumps(body, ensure_ascii=False)}")
        except (OSError, http.client.HTTPException) as error:
            last_error = error
        time.sleep(0.1)
    raise TimeoutError(f"server not ready within {timeout:g} s (last health {last}, last error {last_error!r})\n"
                       f"{server.log_tail()}")


class ChatClient:
    """One keep-alive connection; reconnects (and counts it) if the server closes it."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.connects = 0

    def _connect(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connects += 1
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def chat(self, message: str, n: int) -> tuple[int | None, float, bytes, str | None]:
        """Returns (status or None on a transport error, ms, body, error)."""
        body = json.dumps({"userId": "anonymous", "sessionId": str(n), "message": message,
                           "customerAttributes": {}}, ensure_ascii=False).encode()
        conn = self._connect()
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/chat", body=body, headers=HEADERS)
            resp = conn.getresponse()
            data = resp.read()
            ms = (time.perf_counter() - started) * 1000
            if resp.will_close:
                self.close()
            return resp.status, ms, data, None
        except (OSError, http.client.HTTPException) as error:
            ms = (time.perf_counter() - started) * 1000
            self.close()
            return None, ms, b"", repr(error)


def bench_chat(server: Server, questions: list[tuple[str, str]], warmup: int, timeout: float) -> dict:
    client = ChatClient(server.port, timeout)
    try:
        for i in range(warmup):
            client.chat(questions[i % len(questions)][1], -1 - i)
        rss_before = proc_status(server.proc.pid)
        latencies, failures, with_sources = [], [], {"manual": 0, "offtopic": 0}
        totals = {"manual": 0, "offtopic": 0}
        for n, (category, message) in enumerate(questions):
            status, ms, data, error = client.chat(message, n)
            latencies.append(ms)
            totals[category] += 1
            if status != 200:
                failures.append({"message": message, "status": status, "error": error,
                                 "body": data[:300].decode(errors="replace")})
                continue
            try:
                reply = json.loads(data)
                if not isinstance(reply.get("reply"), str) or not isinstance(reply.get("sources"), list):
                    raise ValueError("missing reply or sources")
            except (ValueError, AttributeError) as problem:
                failures.append({"message": message, "status": status, "error": f"bad body: {problem}",
                                 "body": data[:300].decode(errors="replace")})
                continue
            if reply["sources"]:
                with_sources[category] += 1
        connects = client.connects
    finally:
        client.close()
    rss_after = proc_status(server.proc.pid)
    ordered = sorted(latencies)
    return {
        "requests": len(latencies), "warmup": warmup, "connections": connects,
        "p50_ms": percentile(ordered, 50), "p90_ms": percentile(ordered, 90), "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1], "mean_ms": sum(ordered) / len(ordered),
        "non_200": sum(1 for f in failures if f["status"] != 200),
        "bad_bodies": sum(1 for f in failures if f["status"] == 200),
        "errors": len(failures), "failures": failures[:20],
        "with_sources": with_sources, "totals": totals,
        "server_rss_before_mb": rss_before.get("VmRSS"), "server_rss_after_mb": rss_after.get("VmRSS"),
        "server_peak_rss_mb": rss_after.get("VmHWM"),
    }


def server_side_latency(log_path: Path, skip: int) -> dict | None:
    """The server's own per-request ms for /api/v1/chat, from its JSON request log (best effort)."""
    values = []
    try:
        for line in log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            meta = entry.get("metadata", entry) if isinstance(entry, dict) else {}
            if str(meta.get("path")) == "/api/v1/chat" and "ms" in meta:
                values.append(float(meta["ms"]))
    except OSError:
        return None
    values = sorted(values[skip:])
    if not values:
        return None
    return {"count": len(values), "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99),
            "max_ms": values[-1]}


# ---------------------------------------------------------------------------------------------
def metric_value(port: int, name: str) -> float | None:
    """One unlabelled series of GET /metrics."""
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{}"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def health_reference(server: Server, checks: int) -> dict:
    """The floor the machine sets for health while something else runs: the same sequential
    checks on the same server (now idle, every passage embedded), 20 ms apart as in
    wait_semantic, with a SCHED_IDLE busy loop on every core, as the embedding threads are. On
    this 2-vCPU VM such loops alone lift health p99 from ~1 ms to ~4 ms, whatever runs them; the
    embedding figure is read against this."""
    def run(n: int) -> list[float]:
        latencies = []
        for _ in range(n):
            started = time.perf_counter()
            get_health(server.port)
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
        return sorted(latencies)
    idle = run(checks)
    loops = [subprocess.Popen(["chrt", "--idle", "0", "sh", "-c", "while :; do :; done"])
             for _ in range(os.cpu_count() or 1)]
    try:
        busy = run(checks)
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    return {"checks": checks, "idle_p99_ms": percentile(idle, 99), "busy_p50_ms": percentile(busy, 50),
            "busy_p99_ms": percentile(busy, 99)}


def wait_semantic(server: Server, timeout: float) -> dict:
    """Polls health (sequentially, timing each) until semantic.ready: the seconds from the server's
    start, health latency while passages were being embedded, and how many it embedded."""
    deadline = time.perf_counter() + timeout
    latencies: list[float] = []
    body = None
    while time.perf_counter() < deadline:
        if not server.alive():
            raise RuntimeError(f"server exited while embedding:\n{server.log_tail()}")
        started = time.perf_counter()
        status, body = get_health(server.port)
        elapsed = (time.perf_counter() - started) * 1000
        semantic = (body or {}).get("semantic") or {}
        if status == 200 and semantic.get("ready"):
            ready = time.perf_counter() - server.started
            log(f"semantic-ready after {ready:.1f} s: {semantic.get('ready_passages')} passages")
            latencies.sort()
            return {"ready_seconds": ready, "passages": semantic.get("ready_passages"), "model": semantic.get("model"),
                    "embedded": metric_value(server.port, "manualbot_embedded_passages_total"),
                    "embed_seconds": metric_value(server.port, "manualbot_embed_seconds_total"),
                    "health_checks": len(latencies),
                    "health_p50_ms": percentile(latencies, 50) if latencies else None,
                    "health_p99_ms": percentile(latencies, 99) if latencies else None}
        if semantic.get("state") in ("off", "unavailable"):
            raise RuntimeError(f"semantic search is {semantic.get('state')}: {semantic.get('reason')}")
        if semantic.get("pending_passages"):
            latencies.append(elapsed)
        time.sleep(0.02)
    raise TimeoutError(f"not semantic-ready within {timeout:g} s (last health {body})")


def fmt(value, digits=1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


def table(r: dict) -> tuple[str, dict[str, bool]]:
    ing, ref, chat = r["ingest"], r["pdftotext"], r["chat"]
    semantic, restart = r.get("semantic"), r.get("restart")
    ratio = ing["pages_per_second"] / ref["pages_per_second"]
    p99_goal = GOAL_SEMANTIC_P99_MS if semantic else GOAL_P99_MS
    rss_goal = GOAL_SEMANTIC_RSS_MB if semantic else GOAL_SERVER_RSS_MB
    passed = {
        "ingest_ratio": ratio >= GOAL_INGEST_RATIO,
        "chat_p99": chat["p99_ms"] < p99_goal,
        "server_rss": chat["server_peak_rss_mb"] is not None and chat["server_peak_rss_mb"] < rss_goal,
        "errors": chat["errors"] == 0,
    }
    if semantic:
        passed["chat_p50"] = chat["p50_ms"] < GOAL_SEMANTIC_P50_MS
        passed["semantic_ready"] = semantic["ready_seconds"] <= GOAL_SEMANTIC_READY_S
        passed["health_p99_embedding"] = (semantic["health_p99_ms"] or 0) < GOAL_HEALTH_P99_MS
    if restart:
        passed["restart_ready"] = restart["ready_seconds"] <= GOAL_RESTART_READY_S and restart["embedded"] == 0
    yes = lambda ok: "✅ pass" if ok else "❌ FAIL"
    rows = [
        ("metric", "ManualBot", "reference", "ratio/goal", "pass?"),
        ("---", "---:", "---:", "---", "---"),
        ("ingest pages/s", f"{ing['pages_per_second']:,.0f} ({ing['pages']} p in {ing['best_seconds']:.2f} s)",
         f"{ref['pages_per_second']:,.0f} pdftotext ({ref['pages']} p in {ref['best_seconds']:.2f} s)",
         f"{ratio:.2f}× (goal ≥ {GOAL_INGEST_RATIO}×)", yes(passed["ingest_ratio"])),
        ("chat p50 ms" + (" (hybrid)" if semantic else ""), fmt(chat["p50_ms"], 2), "—",
         f"goal < {GOAL_SEMANTIC_P50_MS:g}" if semantic else "—", yes(passed["chat_p50"]) if semantic else "info"),
        ("chat p99 ms" + (" (hybrid)" if semantic else ""), fmt(chat["p99_ms"], 2), f"max {fmt(chat['max_ms'], 2)}",
         f"goal < {p99_goal:g}", yes(passed["chat_p99"])),
        ("server peak RSS MB" + (" (model loaded)" if semantic else ""), fmt(chat["server_peak_rss_mb"]),
         f"VmRSS now {fmt(chat['server_rss_after_mb'])}", f"goal < {rss_goal:g}", yes(passed["server_rss"])),
        ("ingest peak RSS MB", fmt(ing["peak_rss_mb"]), f"{fmt(ref['peak_rss_mb'])} pdftotext", "—", "info"),
        ("errors", f"{chat['errors']} of {chat['requests']}", "—", "goal 0", yes(passed["errors"])),
    ]
    if semantic:
        rows += [
            ("semantic-ready from empty s", fmt(semantic["ready_seconds"]),
             f"{fmt(semantic['embedded'], 0)} passages embedded, {fmt(semantic['embed_seconds'])} s embedding",
             f"goal ≤ {GOAL_SEMANTIC_READY_S:g}", yes(passed["semantic_ready"])),
            ("health p99 ms while embedding", fmt(semantic["health_p99_ms"], 2),
             f"p50 {fmt(semantic['health_p50_ms'], 2)}, {semantic['health_checks']} checks",
             f"goal < {GOAL_HEALTH_P99_MS:g}", yes(passed["health_p99_embedding"])),
        ]
        reference = r.get("health_reference")
        if reference:
            rows.append(("health p99 ms, idle busy loops", fmt(reference["busy_p99_ms"], 2),
                         f"idle server {fmt(reference['idle_p99_ms'], 2)}, {reference['checks']} checks each",
                         f"embedding {semantic['health_p99_ms'] / reference['busy_p99_ms']:.2f}× this", "info"))
    if restart:
        rows.append(("semantic-ready on restart s", fmt(restart["ready_seconds"], 2),
                     f"{fmt(restart['embedded'], 0)} passages embedded", f"goal ≤ {GOAL_RESTART_READY_S:g}, 0 embedded",
                     yes(passed["restart_ready"])))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        if row[0] == "---":
            lines.append("|" + "|".join("-" * (w + 2) if not c.endswith(":") else "-" * (w + 1) + ":"
                                        for c, w in zip(row, widths)) + "|")
        else:
            lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    return "\n".join(lines), passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__ or "ManualBot benchmark")
    parser.add_argument("--json", metavar="OUT", help="also write every figure to this JSON file")
    parser.add_argument("--binary", default=os.environ.get("MANUALBOT_BIN", str(REPO / ".build/release/manualbot")),
                        help="manualbot binary (env MANUALBOT_BIN; default .build/release/manualbot)")
    parser.add_argument("--corpus", default=os.environ.get("BENCH_CORPUS", str(DEFAULT_CORPUS)),
                        help="folder of manuals (env BENCH_CORPUS)")
    parser.add_argument("--runs", type=int, default=3, help="best-of runs for pdftotext and ingest (default 3)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up chat requests (default 20)")
    parser.add_argument("--ready-timeout", type=float, default=120, help="max seconds for health 200 + start-up ingest")
    parser.add_argument("--ingest-timeout", type=float, default=600, help="max seconds per ingest run")
    parser.add_argument("--semantic-timeout", type=float, default=900, help="max seconds until semantic-ready")
    parser.add_argument("--request-timeout", type=float, default=10, help="max seconds per chat request")
    parser.add_argument("--log-level", default=os.environ.get("BENCH_LOG_LEVEL", "info"),
                        help="server LOG_LEVEL (default info, as deployed)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server log, data)")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    corpus = Path(args.corpus).resolve()
    if not os.access(binary, os.X_OK):
        log(f"no executable manualbot at {binary} (build it, or set MANUALBOT_BIN)")
        return 2
    if not corpus.is_dir():
        log(f"corpus folder {corpus} not found (set BENCH_CORPUS)")
        return 2
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            log(f"{tool} not found: install poppler-utils")
            return 2
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in (".pdf", ".txt"))
    pdfs = [p for p in files if p.suffix.lower() == ".pdf"]
    if not pdfs:
        log(f"no PDFs in {corpus}")
        return 2
    if len(pdfs) != len(files):
        log(f"note: {len(files) - len(pdfs)} .txt files are ingested by ManualBot but not by pdftotext")
    questions = build_questions()
    assert len(questions) >= 200, len(questions)
    if "/debug/" in binary:
        log("note: DEBUG binary — figures are not representative of a release build")

    # Any stop signal unwinds through `finally`, which stops the server.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    workdir = Path(tempfile.mkdtemp(prefix="manualbot-bench-"))
    results: dict = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "binary": binary, "build": "debug" if "/debug/" in binary else "release",
        "corpus": str(corpus), "files": len(files), "pdfs": len(pdfs), "runs": args.runs,
        "host": {"cpus": os.cpu_count(), "machine": platform.machine(), "kernel": platform.release(),
                 "python": platform.python_version()},
        "goals": {"ingest_ratio_min": GOAL_INGEST_RATIO, "chat_p99_ms_max": GOAL_P99_MS,
                  "server_peak_rss_mb_max": GOAL_SERVER_RSS_MB, "errors": 0},
    }
    server = None
    try:
        log(f"binary {binary}; corpus {corpus} ({len(files)} files); workdir {workdir}")
        log(f"1/3 pdftotext, sequential, best of {args.runs}")
        results["pdftotext"] = bench_pdftotext(pdfs, args.runs)
        log(f"2/3 manualbot ingest into a fresh DATA_DIR, best of {args.runs}")
        results["ingest"] = bench_ingest(binary, corpus, args.runs, workdir, args.ingest_timeout)
        log(f"3/3 manualbot serve, {args.warmup} warm-up + {len(questions)} chat requests on one connection")
        server = Server(binary, corpus, workdir, args.log_level)
        results["serve"] = wait_ready(server, len(files), args.ready_timeout)
        semantic_on = (results["serve"]["health"].get("semantic") or {}).get("enabled")
        if semantic_on:
            log("semantic search on: waiting until every passage is embedded")
            results["semantic"] = wait_semantic(server, args.semantic_timeout)
            checks = min(max(results["semantic"]["health_checks"], 1000), 2000)
            log(f"reference: {checks} health checks idle, then with a SCHED_IDLE busy loop on every core")
            results["health_reference"] = health_reference(server, checks)
        results["chat"] = bench_chat(server, questions, args.warmup, args.request_timeout)
        if not server.alive():
            raise RuntimeError(f"server exited with {server.proc.returncode} during the queries:\n{server.log_tail()}")
        if semantic_on:
            log("restart on the same DATA_DIR: semantic-ready again without embedding")
            server.stop()
            results["chat"]["server_side"] = server_side_latency(server.log_path, args.warmup)
            server = Server(binary, corpus, workdir, args.log_level, data_dir=server.data_dir, name="restart")
            wait_ready(server, len(files), args.ready_timeout)
            results["restart"] = wait_semantic(server, args.semantic_timeout)
    except KeyboardInterrupt as stop:
        log(f"interrupted ({stop})")
        return 130
    except Exception as error:
        log(f"benchmark failed: {error}")
        return 1
    finally:
        if server is not None:
            server.stop()
            if "chat" in results and "server_side" not in results["chat"]:
                results["chat"]["server_side"] = server_side_latency(server.log_path, args.warmup)
            results["server_exit_code"] = server.proc.returncode
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    text, passed = table(results)
    results["pass"] = passed
    results["ingest_ratio"] = results["ingest"]["pages_per_second"] / results["pdftotext"]["pages_per_second"]
    chat, serve = results["chat"], results["serve"]
    print()
    print(f"## ManualBot benchmark — {results['build']} build, {results['date']}")
    print()
    print(f"- corpus: `{corpus}` — {len(files)} files, {results['ingest']['pages']} pages "
          f"(pdfinfo: {results['pdftotext']['pages']}); {os.cpu_count()} CPUs; best of {args.runs}")
    print(f"- ingest: `{results['ingest']['summary']}` (wall includes process start and the index; "
          f"by its own clock {fmt(results['ingest']['pages_per_second_reported'], 0)} pages/s)")
    print(f"- serve: health 200 after {serve['health_ok_seconds']:.2f} s, start-up ingest done after "
          f"{serve['ready_seconds']:.2f} s")
    print(f"- chat: {chat['requests']} requests after {chat['warmup']} warm-up, {chat['connections']} connection(s); "
          f"mean {chat['mean_ms']:.2f} ms, p90 {chat['p90_ms']:.2f} ms, max {chat['max_ms']:.2f} ms; "
          f"non-200 {chat['non_200']}, bad bodies {chat['bad_bodies']}")
    print(f"- answers with sources: {chat['with_sources']['manual']}/{chat['totals']['manual']} manual questions, "
          f"{chat['with_sources']['offtopic']}/{chat['totals']['offtopic']} off-topic questions")
    side = chat.get("server_side")
    if side:
        print(f"- server's own request log: p50 {side['p50_ms']:.2f} ms, p99 {side['p99_ms']:.2f} ms, "
              f"max {side['max_ms']:.2f} ms over {side['count']} requests")
    print(f"- server RSS: {fmt(chat['server_rss_before_mb'])} MB after warm-up, "
          f"{fmt(chat['server_rss_after_mb'])} MB after the queries, VmHWM {fmt(chat['server_peak_rss_mb'])} MB "
          f"(server process only; its `extract` children not included)")
    print(f"- ingest peak RSS: largest single process of the `manualbot ingest` tree (wait4 ru_maxrss)")
    print()
    print(text)
    print()
    for failure in chat["failures"][:5]:
        print(f"  failed: {json.dumps(failure, ensure_ascii=False)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
        log(f"wrote {args.json}")
    return 1 if args.strict and not all(passed.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

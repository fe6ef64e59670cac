# Shortcuts for the README's commands.
.PHONY: run test bench load

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# Benchmark (not a test): ingest pages/s vs pdftotext, chat latency, peak RSS.
bench:
	bash scripts/bench.sh $(BENCH_ARGS)

# Load test (not a test): wrk on health and chat (with an ingest running), RSS; LOAD_SECONDS=10 for a quick run.
load:
	bash scripts/load.sh

# Shortcuts for the README's commands.
.PHONY: run test bench

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# Benchmark (not a test): ingest pages/s vs pdftotext, chat latency, peak RSS.
bench:
	bash scripts/bench.sh $(BENCH_ARGS)

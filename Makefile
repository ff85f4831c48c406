# The entry points a person and CI use. `make test` is the whole suite and is
# what .ci/run calls; it installs what it needs first (scripts/deps.sh).

GO ?= go
# Per package test binary; the e2e package starts servers and real clients.
GOTEST_TIMEOUT ?= 20m
FUZZTIME ?= 15s

.PHONY: all build demo deps test fmt-check vet test-go fuzz bench-select1 clean

all: build

build:
	$(GO) build -o bin/sluice ./cmd/sluice

demo:
	$(GO) run ./cmd/sluice demo

deps:
	scripts/deps.sh

# deps first (nothing runs without it), then every step even when an earlier
# one failed, so one run reports all that is wrong: formatting, vet, the
# race-enabled tests (unit, oracle and e2e client tests alike), and a short
# fuzz of every fuzz target. Fails if any step failed.
TEST_STEPS = fmt-check vet test-go fuzz

test:
	@$(MAKE) --no-print-directory deps
	@failed=""; \
	for step in $(TEST_STEPS); do \
		echo "== make $$step"; \
		$(MAKE) --no-print-directory $$step || failed="$$failed $$step"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed"; exit 1; fi; \
	echo "make test: every step passed"

fmt-check:
	@out=$$(find . -name '*.go' -not -path './.git/*' -not -path './tmp/*' -not -path './bin/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi; \
	echo "gofmt: ok"

vet:
	$(GO) vet ./...

# -count=1: the e2e tests run external binaries whose changes the test cache
# cannot see.
test-go:
	$(GO) test -race -count=1 -timeout $(GOTEST_TIMEOUT) ./...

fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# SELECT 1 through Sluice beside a real PostgreSQL, pgbench -M prepared and
# simple; results land in bench/results/. Not part of `make test`.
bench-select1:
	bench/pgbench/run.sh

# TPC-H, the 22 queries on Sluice beside DuckDB over the same Parquet files
# with the same thread count (bench/tpch, a module of its own so DuckDB stays
# out of the gateway). Generates SF $(TPCH_SF) once, outside the repository;
# results in bench/results/. Not part of `make test`. For example:
#   make bench-tpch TPCH_SF=0.1 TPCH_FLAGS="--queries 1,6,3 --runs 5"
TPCH_SF ?= 1
TPCH_DIR ?= $(HOME)/.cache/sluice-bench/tpch-sf$(TPCH_SF)
TPCH_FLAGS ?=
.PHONY: bench-tpch
bench-tpch:
	$(GO) -C bench/tpch build -o $(CURDIR)/bin/tpch-bench .
	bin/tpch-bench gen --sf $(TPCH_SF) --dir $(TPCH_DIR)
	bin/tpch-bench run --dir $(TPCH_DIR) $(TPCH_FLAGS)

clean:
	rm -rf bin tmp

# AEGIS front door. `make run` and `make test` work on a fresh Debian 12 machine: they install
# what is missing (scripts/setup.sh), build, and run.
PYTHON     := /usr/bin/python3
BUILD      := build
SAN_BUILD  := build-san
JOBS       ?= $(shell nproc)
FUZZ_SECS  ?= 15
CMAKE_ARGS := -G Ninja -DCMAKE_BUILD_TYPE=Release

.PHONY: all setup build binary run test test-unit run-unit test-sanitize build-san run-sanitize \
  fuzz bench clean

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt | setup
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null

build: setup $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

# Only the `aegis` command, with only what it needs (scripts/setup.sh --runtime): no tests,
# benchmarks or Python module. For a CI job that runs `aegis gate`.
BIN_BUILD  := build-bin
binary:
	@scripts/setup.sh --runtime
	@cmake -S . -B $(BIN_BUILD) $(CMAKE_ARGS) -DAEGIS_TESTS=OFF -DAEGIS_BENCH=OFF \
	  -DAEGIS_PYTHON=OFF >/dev/null
	@cmake --build $(BIN_BUILD) -j $(JOBS) --target aegis

# Evaluate the example contexts, then serve the API on 127.0.0.1:8080 (SQLite in ./aegis.db).
run: build
	@scripts/run.sh $(BUILD)

# Both trees are built first (side by side), then the unit tests and the sanitizer run overlap:
# much of ctest's time is spent waiting on servers and subprocesses. `-O` keeps each part's
# output together.
test:
	@$(MAKE) --no-print-directory -j2 build build-san
	@$(MAKE) --no-print-directory -j2 -O run-unit run-sanitize

test-unit: build
	@$(MAKE) --no-print-directory run-unit

run-unit:
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same unit tests under ASan + UBSan (clang), then each fuzzer for FUZZ_SECS. Only what it
# runs is built: three test binaries and the fuzzers, each on the smallest library it needs.
SAN_TARGETS := aegis_core_tests aegis_workflow_tests aegis_kem_tests context_fuzzer \
  signature_fuzzer mcp_fuzzer http_body_fuzzer http_request_fuzzer kem_fuzzer gateway_fuzzer
test-sanitize: build-san
	@$(MAKE) --no-print-directory run-sanitize

build-san: setup
	@CC=clang CXX=clang++ cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DAEGIS_SANITIZE=ON -DAEGIS_FUZZ=ON -DAEGIS_BENCH=OFF -DAEGIS_PYTHON=OFF >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS) --target $(SAN_TARGETS)

run-sanitize:
	@$(SAN_BUILD)/tests/aegis_core_tests --gtest_brief=1
	@$(SAN_BUILD)/tests/aegis_workflow_tests --gtest_brief=1
	@$(SAN_BUILD)/tests/aegis_kem_tests --gtest_brief=1
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/context_fuzzer $(FUZZ_SECS) fuzz/corpus
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/signature_fuzzer $(FUZZ_SECS) fuzz/corpus-signature
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/mcp_fuzzer $(FUZZ_SECS) fuzz/corpus-mcp
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/http_body_fuzzer $(FUZZ_SECS) fuzz/corpus-http
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/http_request_fuzzer $(FUZZ_SECS) fuzz/corpus-request
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/kem_fuzzer $(FUZZ_SECS) fuzz/corpus-kem
	@scripts/run_fuzz.sh $(SAN_BUILD)/fuzz/gateway_fuzzer $(FUZZ_SECS) fuzz/corpus-gateway

fuzz: setup
	@$(MAKE) test-sanitize FUZZ_SECS=$${FUZZ_SECS:-300}

bench: build
	@scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(BIN_BUILD)

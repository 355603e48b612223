# The two commands of the README, plus the benchmarks.
#   make run    install what is missing, build Release, serve on 127.0.0.1:8080 with embedded SQLite
#   make test   install what is missing, build, run every test through CTest
#   make bench  build, then run the benchmarks (never part of make test)
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps configure build run test bench clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@mkdir -p data
	$(BUILD_DIR)/chorus serve $(ARGS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

bench: build
	@bench/run $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)

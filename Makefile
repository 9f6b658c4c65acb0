# The two commands of the README:
#   make run    install what is missing, build, start a node on the embedded defaults
#   make test   install what is missing, build everything and run every test
# ARGS are passed to relais by `make run`, e.g. make run ARGS="--listen 0.0.0.0:8080".
BUILD ?= build
JOBS := $(shell nproc)

.PHONY: all build run test deps test-deps clean

all: build

deps:
	scripts/install-deps.sh run

test-deps:
	scripts/install-deps.sh test

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/relais $(ARGS)

test: test-deps
	scripts/test.sh

clean:
	rm -rf build build-asan build-fuzz

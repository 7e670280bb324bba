#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run runs exactly this):
#
#   - static checks: gofmt, go mod tidy, vet (also of the guests, under
#     wasip1), the tendril binary links no package testing, cross-builds for
#     darwin/arm64, windows/amd64 and linux/arm64;
#   - the committed .wasm of every .wat fixture matches its source;
#   - the race-enabled tests of the root module and examples/editor-plugins/;
#     the tests of benchmarks/;
#   - a short run of every fuzz target (FUZZTIME, default 5s each, two
#     targets at a time).
#
# Needs only Go. Checks that need another tool (wat2wasm from Debian's wabt;
# protoc, in internal/testproto's test) run when it is installed and are
# skipped with a note when it is not, except with TENDRIL_CI=1 (set by
# .ci/run), where a missing tool is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
step() { echo "== [$((SECONDS - start))s] $*"; }

# tool NAME PACKAGE WHAT: whether NAME is installed; in CI it must be.
tool() {
	command -v "$1" >/dev/null && return 0
	if [[ -n "${TENDRIL_CI:-}" ]]; then
		echo "scripts/test.sh: $1 not found (Debian: apt-get install $2), needed for $3" >&2
		exit 1
	fi
	echo "scripts/test.sh: $1 not found: $3 skipped (apt-get install $2; CI runs it)"
	return 1
}

step "static checks"
unformatted=$(gofmt -l .)
if [[ -n "$unformatted" ]]; then
	echo "gofmt -l: these files need gofmt -w:" >&2
	echo "$unformatted" >&2
	exit 1
fi
for mod in . benchmarks examples/editor-plugins; do
	(cd "$mod" && go mod tidy -diff)
done
go vet ./...
GOOS=wasip1 GOARCH=wasm go vet ./pdk/... ./examples/plugins/*/ ./internal/testplugins/typed ./codec/...
if go list -deps ./cmd/tendril | grep -qx testing; then
	echo "the tendril binary links package testing:" >&2
	go list -deps -f '{{.ImportPath}}: {{join .Imports " "}}' ./cmd/tendril | grep -w testing >&2
	exit 1
fi
for target in darwin/arm64 windows/amd64 linux/arm64; do
	GOOS=${target%/*} GOARCH=${target#*/} go build ./... ./cmd/tendril
done
(cd benchmarks && go vet ./...)
(cd examples/editor-plugins && go vet ./... && GOOS=wasip1 GOARCH=wasm go vet ./plugins/...)

step "wasm fixtures"
if tool wat2wasm wabt "the check that each .wasm matches its .wat"; then
	scripts/gen-wasm.sh --check
fi

step "go test -race ./..."
go test -race -count=1 ./...

# The benchmarks module's tests check that Tendril and go-sdk agree; they
# run without -race (the root module's tests cover Tendril's concurrency),
# where go-sdk's compiler is not slowed tens of times (RATIONALE.md).
step "benchmarks/: go test ./..."
(cd benchmarks && go test -count=1 ./...)

step "examples/editor-plugins/: go test -race ./..."
(cd examples/editor-plugins && go test -race -count=1 ./...)

# Two targets at a time, one worker each: the same executions as one target
# at a time on two workers, in half the wall time, and each target's build
# overlaps the other's fuzzing. A failing target's output is printed whole.
#
# go test passes when no target matches: a renamed target fails here. It
# fails with "context deadline exceeded" and no failing input when the fuzz
# time ends while a worker is mid-input (golang/go#51484, seen here on
# FuzzInstrument): a finding always writes its input, so that one passes.
fuzz_one() {
	local out rc=0
	out=$(go test -run '^$' -fuzz "^$1\$" -fuzztime "$FUZZTIME" -parallel 1 "$2" 2>&1) || rc=$?
	local flake=$'--- FAIL: '"$1"$' (*)\n    context deadline exceeded\n'
	if [[ $rc == 0 && $out != *"no fuzz tests to fuzz"* ]]; then
		echo "ok   $1 $2"
	elif [[ $rc != 0 && $out == *$flake* && $out != *"Failing input written"* ]]; then
		echo "ok   $1 $2 (the fuzz engine's deadline flake, golang/go#51484; no failing input)"
	else
		printf '%s\nFAIL %s %s\n' "$out" "$1" "$2"
		return 1
	fi
}
export -f fuzz_one
export FUZZTIME=${FUZZTIME:-5s}
step "fuzz ($FUZZTIME each, two at a time)"
xargs -P 2 -L 1 bash -c 'fuzz_one "$@"' _ <<'TARGETS'
FuzzKernelABI ./internal/kern/
FuzzHTTPRequestJSON ./internal/kern/
FuzzMatchGlob ./internal/kern/
FuzzParseManifest ./runtime/
FuzzModuleNames ./hostile/
FuzzInstrument ./internal/wasmbin/
FuzzParseObject ./pdk/internal/flatjson/
FuzzAppendString ./pdk/internal/flatjson/
FuzzString ./codec/
FuzzUnmarshal ./codec/json/
FuzzUnmarshal ./codec/msgpack/
FuzzUnmarshal ./codec/protobuf/
TARGETS
step "scripts/test.sh: all checks passed"

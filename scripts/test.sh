#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run runs exactly this):
#
#   - static checks: gofmt, go mod tidy, vet (also of the guests, under
#     wasip1), the tendril binary links no package testing, cross-builds for
#     darwin/arm64, windows/amd64 and linux/arm64;
#   - the committed .wasm of every .wat fixture matches its source;
#   - the race-enabled tests of the root module and examples/editor-plugins/;
#     the tests of benchmarks/;
#   - a short run of every fuzz target (FUZZTIME, default 5s each).
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

step "fuzz (${FUZZTIME:-5s} each)"
fuzz() { go test -run '^$' -fuzz "^$1\$" -fuzztime "${FUZZTIME:-5s}" "$2"; }
fuzz FuzzKernelABI ./internal/kern/
fuzz FuzzHTTPRequestJSON ./internal/kern/
fuzz FuzzMatchGlob ./internal/kern/
fuzz FuzzParseManifest ./runtime/
fuzz FuzzModuleNames ./hostile/
fuzz FuzzInstrument ./internal/wasmbin/
fuzz FuzzParseObject ./pdk/internal/flatjson/
fuzz FuzzAppendString ./pdk/internal/flatjson/
fuzz FuzzString ./codec/
fuzz FuzzUnmarshal ./codec/json/
fuzz FuzzUnmarshal ./codec/msgpack/
fuzz FuzzUnmarshal ./codec/protobuf/
step "scripts/test.sh: all checks passed"

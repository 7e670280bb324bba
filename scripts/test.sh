#!/usr/bin/env bash
# The whole test suite, as CI runs it: vet, the race-enabled tests of the
# three modules (the root module, benchmarks/ and examples/editor-plugins/), and a short run of every fuzz
# target (FUZZTIME, default 5s each). Needs Go and wat2wasm (Debian: wabt);
# protoc (protobuf-compiler) for the generated-code check, which skips without
# it unless TENDRIL_CI=1.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wat2wasm >/dev/null || { echo "wat2wasm not found: apt-get install wabt" >&2; exit 1; }

go vet ./...
GOOS=wasip1 GOARCH=wasm go vet ./pdk/... ./examples/plugins/*/ ./internal/testplugins/typed ./codec/...
go test -race -count=1 ./...
(cd benchmarks && go vet ./... && go test -race -count=1 ./...)
(cd examples/editor-plugins && go vet ./... && GOOS=wasip1 GOARCH=wasm go vet ./plugins/... && go test -race -count=1 ./...)

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
echo "scripts/test.sh: all checks passed"

#!/usr/bin/env bash
# Regenerates the Go code of the repository's .proto files (today:
# internal/testproto/test.proto -> test.pb.go). Needs protoc (Debian:
# apt-get install protobuf-compiler); protoc-gen-go is built from the
# google.golang.org/protobuf version in go.mod, so the generated code always
# matches the runtime it links against.
#
#   scripts/genproto.sh            # rewrite the committed files
#   scripts/genproto.sh DIR        # write them under DIR instead (the check
#                                  # in internal/testproto compares the two)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-.}")

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go

protoc --plugin=protoc-gen-go="$bin/protoc-gen-go" \
  --go_out="$out" --go_opt=module=github.com/tendril-wasm/tendril \
  -I . internal/testproto/test.proto

#!/usr/bin/env bash
# Measures what each codec adds to a standard-Go plug-in: builds one minimal
# plug-in per codec (an echo of a small struct through pdk.RunTyped) and one
# without any codec (pdk.Run), and prints their sizes. The table in
# codec/doc.go comes from this script.
#
#   scripts/codecsize.sh          # KEEP=1 keeps the generated plug-ins
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "work dir: $work"

cat >"$work/go.mod" <<MOD
module codecsize

go 1.25.0

require github.com/tendril-wasm/tendril v0.0.0

replace github.com/tendril-wasm/tendril => $repo
MOD
cp go.sum "$work/go.sum"

# variant NAME IMPORTS BODY: a plug-in with one export, "run".
variant() {
  mkdir -p "$work/$1"
  cat >"$work/$1/main.go" <<SRC
//go:build wasip1

package main

import (
	"github.com/tendril-wasm/tendril/pdk"
$2
)

type Point struct {
	X, Y int64
	Name string
}

var _ Point

//go:wasmexport run
func run() int32 {
$3
}

func main() {}
SRC
}

variant none '' '	return pdk.Run(func() error { pdk.Output(pdk.Input()); return nil })'
variant raw '	"github.com/tendril-wasm/tendril/codec"' \
  '	return pdk.RunTyped(codec.Raw{}, func(b []byte) ([]byte, error) { return b, nil })'
variant string '	"github.com/tendril-wasm/tendril/codec"' \
  '	return pdk.RunTyped(codec.String{}, func(s string) (string, error) { return s, nil })'
variant json '	"github.com/tendril-wasm/tendril/codec/json"' \
  '	return pdk.RunTyped(json.Codec{}, func(p Point) (Point, error) { return p, nil })'
variant msgpack '	"github.com/tendril-wasm/tendril/codec/msgpack"' \
  '	return pdk.RunTyped(msgpack.Codec{}, func(p Point) (Point, error) { return p, nil })'
variant protobuf '	"github.com/tendril-wasm/tendril/codec/protobuf"
	"google.golang.org/protobuf/types/known/wrapperspb"' \
  '	return pdk.RunTyped(protobuf.Codec{}, func(s *wrapperspb.StringValue) (*wrapperspb.StringValue, error) { return s, nil })'
variant all '	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"google.golang.org/protobuf/types/known/wrapperspb"' \
  '	_ = []codec.Codec{json.Codec{}, msgpack.Codec{}}
	if pdk.InputString() == "json" {
		return pdk.RunTyped(json.Codec{}, func(p Point) (Point, error) { return p, nil })
	}
	if pdk.InputString() == "msgpack" {
		return pdk.RunTyped(msgpack.Codec{}, func(p Point) (Point, error) { return p, nil })
	}
	return pdk.RunTyped(protobuf.Codec{}, func(s *wrapperspb.StringValue) (*wrapperspb.StringValue, error) { return s, nil })'

size() { stat -c %s "$1"; }
printf '%-10s %12s %12s\n' codec bytes added
base=0
for v in none raw string json msgpack protobuf all; do
  (cd "$work/$v" && GOOS=wasip1 GOARCH=wasm GOFLAGS=-mod=mod go build -buildmode=c-shared -trimpath -buildvcs=false -o "$work/$v.wasm" .)
  n=$(size "$work/$v.wasm")
  [ "$v" = none ] && base=$n
  printf '%-10s %12d %+12d\n' "$v" "$n" $((n - base))
done
echo "($(go version | cut -d' ' -f3), GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath)"

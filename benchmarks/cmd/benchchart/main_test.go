package main

import (
	"regexp"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkCodec/codec=json/size=100B/op=both-2    100   9000 ns/op   11.1 MB/s   100.0 B/msg   540 B/op   12 allocs/op
BenchmarkCodec/codec=json/size=100B/op=both-2    100  11000 ns/op   11.1 MB/s   100.0 B/msg   540 B/op   12 allocs/op
BenchmarkCodec/codec=json/size=100B/op=both-2    100  10000 ns/op   11.1 MB/s   100.0 B/msg   540 B/op   12 allocs/op
BenchmarkCodec/codec=msgpack/size=100B/op=both-2 100   5000 ns/op   11.1 MB/s   90.0 B/msg    400 B/op   9 allocs/op
BenchmarkCodec/codec=json/size=1MiB/op=both-2     10   2000000 ns/op
BenchmarkCodec/codec=json/size=1MiB/op=marshal-2  10   1 ns/op
PASS
`

func TestRead(t *testing.T) {
	c, err := read(strings.NewReader(sample), regexp.MustCompile("op=both"), "size", "codec", "ns/op")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.panels, ","); got != "100B,1MiB" {
		t.Errorf("panels = %s", got)
	}
	if got := strings.Join(c.bars, ","); got != "json,msgpack" {
		t.Errorf("bars = %s", got)
	}
	if v, _ := c.median("100B", "json"); v != 10000 {
		t.Errorf("median = %v, want 10000", v)
	}
	if _, ok := c.median("1MiB", "msgpack"); ok {
		t.Error("a value for a benchmark that did not run")
	}
	var svg strings.Builder
	c.title, c.metric = "t", "ns/op"
	if err := c.svg(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "10.0 µs", "2.00 ms", ">msgpack<", "</svg>"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if _, err := read(strings.NewReader(sample), regexp.MustCompile("nothing"), "size", "codec", "ns/op"); err == nil {
		t.Error("no error for no values")
	}
}

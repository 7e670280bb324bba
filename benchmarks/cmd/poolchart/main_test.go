package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkPooled/goroutines=1/pool=1/host=extism-chan-2         	     100	    100000 ns/op	     90000 cpu-ns/op	     10000 calls/s	   80000 B/op	      28 allocs/op
BenchmarkPooled/goroutines=1/pool=1/host=tendril-pool-2        	  100000	      2000 ns/op	      1900 cpu-ns/op	    500000 calls/s	       0 B/op	       0 allocs/op
BenchmarkPooled/goroutines=2/pool=1/host=extism-chan-2         	     100	    100000 ns/op	     90000 cpu-ns/op	     12000 calls/s	   80000 B/op	      28 allocs/op
BenchmarkPooled/goroutines=2/pool=1/host=tendril-pool-2        	  100000	      2000 ns/op	      1900 cpu-ns/op	    600000 calls/s	       0 B/op	       0 allocs/op
`

func TestChart(t *testing.T) {
	data, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := data[point{"tendril-pool", 2, 1}]; got != 600000 {
		t.Fatalf("tendril-pool g=2 p=1: %v", got)
	}
	var b bytes.Buffer
	svg(&b, data)
	if !strings.HasPrefix(b.String(), "<svg") || strings.Count(b.String(), "<polyline") != 2 {
		t.Fatalf("svg:\n%s", b.String())
	}
	b.Reset()
	table(&b, data)
	if !strings.Contains(b.String(), "| 2 | 1 | 12.0k | 600.0k | 50x |") {
		t.Fatalf("table:\n%s", b.String())
	}
	if _, err := parse(strings.NewReader("nothing")); err == nil {
		t.Fatal("no error for an input without results")
	}
}

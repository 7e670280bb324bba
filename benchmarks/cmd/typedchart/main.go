// Command typedchart turns the output of BenchmarkTyped into the table and
// the chart of benchmarks/README.md, so that a user can pick a codec at a
// glance:
//
//	go test -run '^$' -bench '^BenchmarkTyped' -count 5 . | tee results/typed.txt
//	go run ./cmd/typedchart -svg results/typed.svg < results/typed.txt
//
// For every codec and payload size it takes the median of each body's runs
// (cpu-ns/op when present, else ns/op; B/op; allocs/op) and prints a
// Markdown table: the typed round trip, the raw call on the same guest with
// the same bytes, the host codec alone, the median difference of paired
// typed and raw calls and what remains of it beyond the codec, what package
// ext adds to the codec measured without wasm (ext - codec), and the
// allocations of the typed call and of the codec alone. The SVG has one panel per size with a bar per
// codec: the raw call (the guest's decoding and encoding, the runtime) and
// the host's codec, stacked, with the typed call's total at the end.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	svgPath := flag.String("svg", "", "write the chart to this SVG file")
	flag.Parse()
	res, err := parse(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	if len(res.codecs) == 0 {
		log.Fatal("typedchart: no BenchmarkTyped results on stdin")
	}
	table(os.Stdout, res)
	if *svgPath != "" {
		f, err := os.Create(*svgPath)
		if err != nil {
			log.Fatal(err)
		}
		chart(f, res)
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}

// key names one sub-benchmark.
type key struct{ codec, size, call string }

// sample is one run of a sub-benchmark.
type sample struct{ ns, bytes, allocs, paired float64 }

type results struct {
	codecs, sizes []string // in order of appearance
	runs          map[key][]sample
	metric        string // "cpu-ns/op" or "ns/op"
}

// parse reads `go test -bench` output.
func parse(r io.Reader) (*results, error) {
	res := &results{runs: map[key][]sample{}, metric: "ns/op"}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkTyped/") {
			continue
		}
		var k key
		name := fields[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		for _, part := range strings.Split(name, "/")[1:] {
			kv := strings.SplitN(part, "=", 2)
			if len(kv) != 2 {
				continue
			}
			switch kv[0] {
			case "codec":
				k.codec = kv[1]
			case "size":
				k.size = kv[1]
			case "call":
				k.call = kv[1]
			}
		}
		if k.codec == "" || k.size == "" || k.call == "" {
			continue
		}
		var s sample
		var wall, cpu float64
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				wall = v
			case "cpu-ns/op":
				cpu = v
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			case "typed-raw-ns":
				s.paired = v
			}
		}
		s.ns = wall
		if cpu > 0 {
			s.ns = cpu
			res.metric = "cpu-ns/op"
		}
		if !slices.Contains(res.codecs, k.codec) {
			res.codecs = append(res.codecs, k.codec)
		}
		if !slices.Contains(res.sizes, k.size) {
			res.sizes = append(res.sizes, k.size)
		}
		res.runs[k] = append(res.runs[k], s)
	}
	return res, sc.Err()
}

// median returns the median of one field over a sub-benchmark's runs, NaN
// when it has none.
func (r *results) median(k key, field func(sample) float64) float64 {
	runs := r.runs[k]
	if len(runs) == 0 {
		return math.NaN()
	}
	v := make([]float64, len(runs))
	for i, s := range runs {
		v[i] = field(s)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func ns(s sample) float64     { return s.ns }
func bytes(s sample) float64  { return s.bytes }
func allocs(s sample) float64 { return s.allocs }
func paired(s sample) float64 { return s.paired }

// table prints the Markdown table.
func table(w io.Writer, r *results) {
	fmt.Fprintf(w, "Medians of %s; typed - raw is the median difference of paired calls (wall time).\n\n", r.metric)
	fmt.Fprintln(w, "| codec | size | typed call | raw call | codec alone | typed - raw | typed - raw - codec | ext - codec | allocs typed / codec | B/op typed / codec |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, c := range r.codecs {
		for _, s := range r.sizes {
			m := func(call string, f func(sample) float64) float64 { return r.median(key{c, s, call}, f) }
			typed, raw, cod, ext, pair := m("typed", ns), m("raw", ns), m("codec", ns), m("ext", ns), m("paired", paired)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |\n", c, s,
				dur(typed), dur(raw), dur(cod), signed(pair), signed(pair-cod), signed(ext-cod),
				num(m("typed", allocs)), num(m("codec", allocs)), num(m("typed", bytes)), num(m("codec", bytes)))
		}
	}
}

// dur formats nanoseconds with a unit that keeps three digits or so.
func dur(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.Abs(v) >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + " ms"
	case math.Abs(v) >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + " µs"
	case math.Abs(v) >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 2, 64) + " µs"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ns"
}

func signed(v float64) string {
	if v >= 0 && !math.IsNaN(v) {
		return "+" + dur(v)
	}
	return dur(v)
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// chart writes the SVG: a panel per size, a bar per codec.
func chart(w io.Writer, r *results) {
	const (
		panelW, labelW, barH, gap, top, legendH = 620, 90, 18, 6, 34, 36
		textW                                   = 90
	)
	panelH := top + len(r.codecs)*(barH+gap) + 24
	width := labelW + panelW + textW
	height := legendH + len(r.sizes)*panelH
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	colors := []struct{ name, fill string }{
		{"raw call (guest codec + runtime)", "#9ecae1"},
		{"host codec (encode + decode)", "#fd8d3c"},
		{"rest of the typed call", "#bdbdbd"},
	}
	x := labelW
	for _, c := range colors {
		fmt.Fprintf(w, `<rect x="%d" y="10" width="12" height="12" fill="%s"/><text x="%d" y="21">%s</text>`+"\n", x, c.fill, x+16, c.name)
		x += 16 + 7*len(c.name)
	}
	for i, s := range r.sizes {
		y0 := legendH + i*panelH
		max := 0.0
		for _, c := range r.codecs {
			if v := r.median(key{c, s, "typed"}, ns); v > max {
				max = v
			}
			if v := r.median(key{c, s, "raw"}, ns) + r.median(key{c, s, "codec"}, ns); v > max {
				max = v
			}
		}
		if max <= 0 || math.IsNaN(max) {
			continue
		}
		scale := float64(panelW) / max
		fmt.Fprintf(w, `<text x="%d" y="%d" font-weight="bold">payload %s (typed round trip, %s)</text>`+"\n", labelW, y0+top-12, s, r.metric)
		for j, c := range r.codecs {
			y := y0 + top + j*(barH+gap)
			typed, raw, cod := r.median(key{c, s, "typed"}, ns), r.median(key{c, s, "raw"}, ns), r.median(key{c, s, "codec"}, ns)
			fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+barH-5, c)
			bx := float64(labelW)
			for k, v := range []float64{raw, cod, math.Max(0, typed-raw-cod)} {
				if math.IsNaN(v) || v <= 0 {
					continue
				}
				bw := v * scale
				fmt.Fprintf(w, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", bx, y, bw, barH, colors[k].fill)
				bx += bw
			}
			fmt.Fprintf(w, `<text x="%.1f" y="%d">%s</text>`+"\n", bx+4, y+barH-5, dur(typed))
		}
	}
	fmt.Fprintln(w, "</svg>")
}

// Command benchchart draws `go test -bench` output as an SVG bar chart: one
// panel per value of one name key (say size=), one bar per value of another
// (say codec=), the median of the runs, each panel on its own scale so that
// the fastest choice of each panel is plain at a glance.
//
// Benchmark names are read as slash-separated key=value parts:
// BenchmarkCodec/codec=json/size=10KiB/op=both-2.
//
//	go test -run '^$' -bench BenchmarkCodec -count 3 | tee codec.txt
//	go run ./cmd/benchchart -in codec.txt -match 'op=both' -panel size -bar codec \
//	    -title 'Codec alone: marshal + unmarshal' -out codec.svg
//
// It uses only the standard library.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "", "benchmark output (default: standard input)")
	out := flag.String("out", "", "SVG file to write (default: standard output)")
	match := flag.String("match", "", "only benchmarks whose name matches this regexp")
	panel := flag.String("panel", "size", "name key whose values make the panels")
	bar := flag.String("bar", "codec", "name key whose values make the bars")
	metric := flag.String("metric", "ns/op", "the unit of the value to draw")
	title := flag.String("title", "", "chart title")
	flag.Parse()

	r := io.Reader(os.Stdin)
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		r = f
	}
	re, err := regexp.Compile(*match)
	if err != nil {
		fail(err)
	}
	ch, err := read(r, re, *panel, *bar, *metric)
	if err != nil {
		fail(err)
	}
	ch.title, ch.metric = *title, *metric
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fail(err)
		}
		defer func() {
			if err := f.Close(); err != nil {
				fail(err)
			}
		}()
		w = f
	}
	if err := ch.svg(w); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchchart:", err)
	os.Exit(1)
}

// chart is the medians by panel and bar, in order of first appearance.
type chart struct {
	title, metric string
	panels, bars  []string
	values        map[[2]string][]float64
}

func (c *chart) median(p, b string) (float64, bool) {
	v := slices.Clone(c.values[[2]string{p, b}])
	if len(v) == 0 {
		return 0, false
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// read collects metric from the benchmark lines whose names match re.
func read(r io.Reader, re *regexp.Regexp, panelKey, barKey, metric string) (*chart, error) {
	c := &chart{values: map[[2]string][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || !re.MatchString(f[0]) {
			continue
		}
		keys := map[string]string{}
		for _, part := range strings.Split(f[0], "/") {
			if k, v, ok := strings.Cut(part, "="); ok {
				if i := strings.LastIndexByte(v, '-'); i > 0 && k == lastKey(f[0]) && digits(v[i+1:]) {
					v = v[:i] // the -GOMAXPROCS suffix
				}
				keys[k] = v
			}
		}
		p, okP := keys[panelKey]
		b, okB := keys[barKey]
		if !okP || !okB {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if f[i+1] != metric {
				continue
			}
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", f[0], metric, err)
			}
			if !slices.Contains(c.panels, p) {
				c.panels = append(c.panels, p)
			}
			if !slices.Contains(c.bars, b) {
				c.bars = append(c.bars, b)
			}
			c.values[[2]string{p, b}] = append(c.values[[2]string{p, b}], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(c.values) == 0 {
		return nil, fmt.Errorf("no %s values for keys %s= and %s=", metric, panelKey, barKey)
	}
	return c, nil
}

func digits(s string) bool {
	_, err := strconv.Atoi(s)
	return s != "" && err == nil
}

// lastKey returns the key of the name's last key=value part.
func lastKey(name string) string {
	parts := strings.Split(name, "/")
	k, _, _ := strings.Cut(parts[len(parts)-1], "=")
	return k
}

var palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"}

// svg draws the panels side by side, bars horizontal, labelled with values.
func (c *chart) svg(w io.Writer) error {
	const (
		panelW, labelW, barH, gap, top, pad = 300, 70, 22, 6, 56, 16
	)
	panelH := len(c.bars)*(barH+gap) + 30
	width := pad + len(c.panels)*(labelW+panelW+pad)
	height := top + panelH + 24
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", pad, html.EscapeString(c.title))
	fmt.Fprintf(&b, `<text x="%d" y="40" fill="#555">median %s, shorter is better; each panel has its own scale</text>`+"\n", pad, html.EscapeString(c.metric))
	for pi, p := range c.panels {
		x0 := pad + pi*(labelW+panelW+pad)
		max := 0.0
		for _, bar := range c.bars {
			if v, ok := c.median(p, bar); ok && v > max {
				max = v
			}
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, top+12, html.EscapeString(p))
		for bi, bar := range c.bars {
			y := top + 24 + bi*(barH+gap)
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", x0+labelW-6, y+barH-7, html.EscapeString(bar))
			v, ok := c.median(p, bar)
			if !ok {
				continue
			}
			bw := 1.0
			if max > 0 {
				bw = v / max * float64(panelW-80)
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", x0+labelW, y, bw, barH, palette[bi%len(palette)])
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(x0+labelW)+bw+4, y+barH-7, human(v, c.metric))
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// human prints a value with a unit a reader takes in at once.
func human(v float64, metric string) string {
	if !strings.HasSuffix(metric, "ns/op") { // ns/op, cpu-ns/op
		return strconv.FormatFloat(v, 'g', 3, 64) + " " + metric
	}
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2f s", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}

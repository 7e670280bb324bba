// Command chart reads the output of BenchmarkPooled (go test -bench) and
// draws calls/s against goroutines as an SVG chart, one line per host and
// pool size; with -table it prints the same figures as a Markdown table,
// with Tendril's ratios to go-sdk. Several runs (-count) are averaged.
//
//	go test -run '^$' -bench '^BenchmarkPooled$' . | tee pooled.txt
//	go run ./cmd/poolchart -o pooled.svg < pooled.txt
//	go run ./cmd/poolchart -table < pooled.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// point is one configuration of BenchmarkPooled.
type point struct {
	host       string
	goroutines int
	pool       int
}

var line = regexp.MustCompile(`^BenchmarkPooled/goroutines=(\d+)/pool=(\d+)/host=([\w-]+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parse returns the mean calls/s of each configuration in r.
func parse(r io.Reader) (map[point]float64, error) {
	sum, n := map[point]float64{}, map[point]int{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		g, _ := strconv.Atoi(m[1])
		p, _ := strconv.Atoi(m[2])
		f := strings.Fields(m[4])
		for i := 1; i < len(f); i += 2 {
			if f[i] == "calls/s" {
				v, err := strconv.ParseFloat(f[i-1], 64)
				if err != nil {
					return nil, fmt.Errorf("calls/s in %q: %w", sc.Text(), err)
				}
				k := point{host: m[3], goroutines: g, pool: p}
				sum[k] += v
				n[k]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(sum) == 0 {
		return nil, fmt.Errorf("no BenchmarkPooled results with calls/s in the input")
	}
	for k := range sum {
		sum[k] /= float64(n[k])
	}
	return sum, nil
}

// axes returns the sorted distinct hosts, goroutine counts and pool sizes.
func axes(data map[point]float64) (hosts []string, gs, pools []int) {
	for k := range data {
		if !slices.Contains(hosts, k.host) {
			hosts = append(hosts, k.host)
		}
		if !slices.Contains(gs, k.goroutines) {
			gs = append(gs, k.goroutines)
		}
		if !slices.Contains(pools, k.pool) {
			pools = append(pools, k.pool)
		}
	}
	slices.Sort(hosts)
	slices.Sort(gs)
	slices.Sort(pools)
	return hosts, gs, pools
}

var colors = []string{"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"}
var dashes = []string{"", "6,3", "2,3", "8,3,2,3"}

// svg draws the chart: x is goroutines (evenly spaced), y is calls/s on a
// log scale (go-sdk and Tendril differ by orders of magnitude).
func svg(w io.Writer, data map[point]float64) {
	hosts, gs, pools := axes(data)
	const (
		width, height          = 760, 460
		left, right, top, bott = 80, 220, 40, 50
	)
	pw, ph := float64(width-left-right), float64(height-top-bott)
	lo, hi := 1e300, 0.0
	for _, v := range data {
		lo, hi = min(lo, v), max(hi, v)
	}
	lo, hi = pow10floor(lo), pow10ceil(hi)
	x := func(i int) float64 {
		if len(gs) == 1 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(len(gs)-1)
	}
	y := func(v float64) float64 { return top + ph*(1-(log10(v)-log10(lo))/(log10(hi)-log10(lo))) }

	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%d" y="22" font-size="14">count_vowels, 16 B: calls/s against goroutines (log scale)</text>`+"\n", left)
	for d := lo; d <= hi*1.0001; d *= 10 {
		fmt.Fprintf(w, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, left+pw, y(d), y(d))
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y(d)+4, human(d))
	}
	for i, g := range gs {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="#eee"/>`+"\n", x(i), x(i), top, top+ph)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", x(i), top+ph+18, g)
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">goroutines</text>`+"\n", left+pw/2, height-8)
	ly := top + 10
	for hi, h := range hosts {
		for pi, p := range pools {
			var pts []string
			for i, g := range gs {
				if v, ok := data[point{h, g, p}]; ok {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
				}
			}
			if len(pts) == 0 {
				continue
			}
			c, d := colors[hi%len(colors)], dashes[pi%len(dashes)]
			fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s" points="%s"/>`+"\n", c, d, strings.Join(pts, " "))
			fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n",
				width-right+10, width-right+40, ly, ly, c, d)
			fmt.Fprintf(w, `<text x="%d" y="%d">%s, pool %d</text>`+"\n", width-right+46, ly+4, h, p)
			ly += 18
		}
	}
	fmt.Fprintln(w, `</svg>`)
}

// table prints the figures in Markdown, with ratios to the first host
// (go-sdk's, "extism-chan").
func table(w io.Writer, data map[point]float64) {
	hosts, gs, pools := axes(data)
	base := hosts[0]
	fmt.Fprintf(w, "| goroutines | pool |")
	for _, h := range hosts {
		fmt.Fprintf(w, " %s calls/s |", h)
	}
	for _, h := range hosts[1:] {
		fmt.Fprintf(w, " %s / %s |", h, base)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "|"+strings.Repeat("---|", 2+2*len(hosts)-1))
	for _, g := range gs {
		for _, p := range pools {
			fmt.Fprintf(w, "| %d | %d |", g, p)
			for _, h := range hosts {
				fmt.Fprintf(w, " %s |", human(data[point{h, g, p}]))
			}
			for _, h := range hosts[1:] {
				if b := data[point{base, g, p}]; b > 0 {
					fmt.Fprintf(w, " %.0fx |", data[point{h, g, p}]/b)
				} else {
					fmt.Fprintf(w, " - |")
				}
			}
			fmt.Fprintln(w)
		}
	}
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func main() {
	out := flag.String("o", "", "write the SVG chart to this file (default: stdout)")
	md := flag.Bool("table", false, "print a Markdown table instead of the chart")
	flag.Parse()
	data, err := parse(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	if *md {
		table(os.Stdout, data)
		return
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	svg(w, data)
}

package wasmbin

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// corpusModule is the module whose wasm/ folder holds real-world guests
// built by TinyGo, Rust, standard Go, Haskell and C.
const corpusModule = "github.com/extism/go-sdk@v1.7.1"

var corpus struct {
	once  sync.Once
	files []string
	err   error
}

// corpusFiles returns the .wasm files of corpusModule, downloading it into
// the module cache if needed. It runs the go command outside this module
// so that go.mod and go.sum are left alone.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	corpus.once.Do(func() {
		cmd := exec.Command("go", "mod", "download", "-json", corpusModule)
		cmd.Dir = os.TempDir()
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		var info struct{ Dir, Error string }
		if jerr := json.Unmarshal(out, &info); err == nil && jerr != nil {
			err = jerr
		}
		if err == nil && info.Error != "" {
			err = errors.New(info.Error)
		}
		if err != nil {
			corpus.err = err
			return
		}
		corpus.files, corpus.err = filepath.Glob(filepath.Join(info.Dir, "wasm", "*.wasm"))
	})
	if corpus.err != nil {
		t.Fatalf("go mod download %s: %v", corpusModule, corpus.err)
	}
	if len(corpus.files) < 20 {
		t.Fatalf("found only %d .wasm files in %s", len(corpus.files), corpusModule)
	}
	return corpus.files
}

// largestCorpusFile returns the path of the largest corpus module.
func largestCorpusFile(t testing.TB) string {
	var best string
	var size int64
	for _, f := range corpusFiles(t) {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > size {
			best, size = f, st.Size()
		}
	}
	return best
}

func exportedFunctions(defs map[string]api.FunctionDefinition) []string {
	var names []string
	for name, def := range defs {
		if name == StartExport { // the start function, moved by Instrument
			continue
		}
		names = append(names, name+":"+signature(def))
	}
	slices.Sort(names)
	return names
}

func signature(def api.FunctionDefinition) string {
	var b strings.Builder
	for _, p := range def.ParamTypes() {
		b.WriteString(api.ValueTypeName(p) + ",")
	}
	b.WriteString("->")
	for _, r := range def.ResultTypes() {
		b.WriteString(api.ValueTypeName(r) + ",")
	}
	return b.String()
}

// TestCorpus instruments real-world modules (see below for which) and checks
// that wazero still accepts it, with the same exports, and that the DWARF
// sections are gone and the name section kept. Compiling with the
// interpreter validates exactly as the compiler does, in a fraction of the
// time; TestCompiledCorpus runs compiled code.
func TestCorpus(t *testing.T) {
	ctx := context.Background()
	r := validator()
	// Each run takes every small module and two of the big ones (over a
	// megabyte: standard Go, Haskell, Rust with DWARF), and every module in
	// ChecksFull and one of the lighter modes: runs differ (the choice is
	// logged), and together cover the whole corpus.
	seed := rand.Uint64()
	if s := os.Getenv("CORPUS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("CORPUS_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var small, big []string
	for _, path := range corpusFiles(t) {
		if st, err := os.Stat(path); err == nil && st.Size() > 1<<20 {
			big = append(big, path)
		} else {
			small = append(small, path)
		}
	}
	rng.Shuffle(len(big), func(i, j int) { big[i], big[j] = big[j], big[i] })
	for _, path := range append(small, big[:min(2, len(big))]...) {
		light := []Checks{ChecksInterruptOnly, ChecksNone}[rng.IntN(2)]
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cin, err := r.CompileModule(ctx, in)
			if err != nil {
				t.Fatalf("compile input: %v", err)
			}
			defer cin.Close(ctx)
			for _, c := range []Checks{ChecksFull, light} {
				m, err := InstrumentModule(in, Options{Checks: c, MaxTableElements: 1 << 16})
				if err != nil {
					t.Fatalf("Instrument: %v", err)
				}
				cout, err := r.CompileModule(ctx, m.Binary)
				if err != nil {
					t.Fatalf("checks %d: compile output: %v", c, err)
				}
				if a, b := exportedFunctions(cin.ExportedFunctions()), exportedFunctions(cout.ExportedFunctions()); !slices.Equal(a, b) {
					t.Fatalf("exported functions changed:\n in: %v\nout: %v", a, b)
				}
				cout.Close(ctx)
				if c != ChecksFull {
					continue
				}
				if a, b := customSections(t, in), customSections(t, m.Binary); !slices.Equal(nonDebug(a), b) {
					t.Fatalf("custom sections %v became %v", a, b)
				}
				if _, err := Instrument(m.Binary); !errors.Is(err, ErrExportExists) {
					t.Fatalf("Instrument(output): %v, want ErrExportExists", err)
				}
			}
		})
	}
}

// customSections lists the names of bin's custom sections, in order.
func customSections(t testing.TB, bin []byte) []string {
	secs, err := splitSections(bin)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range secs {
		if s.id == secCustom {
			d := decoder{b: bin[:s.end], pos: s.content}
			name, _ := d.name()
			names = append(names, string(name))
		}
	}
	return names
}

func nonDebug(names []string) []string {
	var keep []string
	for _, n := range names {
		if !strings.HasPrefix(n, ".debug_") {
			keep = append(keep, n)
		}
	}
	return keep
}

func BenchmarkInstrument(b *testing.B) {
	for _, name := range []string{"count_vowels.wasm", "count_vowels_std.wasm", filepath.Base(largestCorpusFile(b))} {
		path := filepath.Join(filepath.Dir(largestCorpusFile(b)), name)
		in, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := Instrument(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

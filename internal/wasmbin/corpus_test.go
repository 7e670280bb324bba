package wasmbin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
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

func TestCorpus(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx) // shared by the parallel subtests
	t.Cleanup(func() { r.Close(ctx) })

	for _, path := range corpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Instrument(in)
			if err != nil {
				t.Fatalf("Instrument: %v", err)
			}
			runTool(t, "wasm-validate", out, "--enable-all")
			checkShape(t, in, out)

			cin, err := r.CompileModule(ctx, in)
			if err != nil {
				t.Fatalf("compile input: %v", err)
			}
			defer cin.Close(ctx)
			cout, err := r.CompileModule(ctx, out)
			if err != nil {
				t.Fatalf("compile output: %v", err)
			}
			defer cout.Close(ctx)
			if a, b := exportedFunctions(cin.ExportedFunctions()), exportedFunctions(cout.ExportedFunctions()); !slices.Equal(a, b) {
				t.Fatalf("exported functions changed:\n in: %v\nout: %v", a, b)
			}

			if _, err := Instrument(out); !errors.Is(err, ErrExportExists) {
				t.Fatalf("Instrument(output): %v, want ErrExportExists", err)
			}
		})
	}
}

func BenchmarkInstrument(b *testing.B) {
	for _, name := range []string{"count_vowels_std.wasm", filepath.Base(largestCorpusFile(b))} {
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

package wasmbin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"
)

// compile compiles bin, turning a wazero panic into an error.
func compile(r wazero.Runtime, bin []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("wazero panicked: %v", p)
		}
	}()
	return r.CompileModule(context.Background(), bin)
}

// FuzzInstrument checks that Instrument never panics, only fails with its
// sentinel errors and never turns a module that wazero accepts into one it
// rejects. The converse cannot be promised: an invalid module that uses
// table N, where N is the index of the added table, becomes valid.
//
// An input that does not start with the WebAssembly magic number is used
// as the body of function "simd" in testdata/features.wat: mutations of
// real function bodies stay valid far more often than mutations of whole
// modules, which exercises the instruction decoder against wazero's. An
// input that starts with 'G' is a program for genModule (loops, branches
// out of them, straight-line bulk instructions and imported calls): its
// instrumented versions, in every mode, must compute what it computes.
func FuzzInstrument(f *testing.F) {
	features := wat(f, "features")
	bodies := codeBodies(features)
	if len(bodies) < 7 {
		f.Fatalf("features.wat has %d function bodies", len(bodies))
	}
	if !bytes.Equal(withBody(features, 2, bodies[2]), features) {
		f.Fatal("withBody does not round-trip")
	}
	for _, b := range bodies[2:] {
		f.Add(b)
	}
	for _, s := range []struct {
		name  string
		flags []string
	}{
		{"spin", nil},
		{"tailcall", []string{"--enable-tail-call"}},
		{"noexports", nil},
		{"provider", nil},
		{"imported", nil},
		{"features", nil},
		{"threads", []string{"--enable-threads"}},
		{"legacy_eh", []string{"--enable-exceptions"}},
	} {
		f.Add(wat(f, s.name, s.flags...))
	}
	for _, g := range generatedSeeds {
		f.Add(append([]byte{'G'}, g...))
	}
	f.Add(tryTableModule())
	f.Add(funcRefModule())
	f.Add(wasmHeader)

	ctx := context.Background()
	// The interpreter validates exactly as the compiler does and compiles
	// much faster.
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(allFeatures))
	f.Cleanup(func() { r.Close(ctx) })

	gr := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { gr.Close(ctx) })

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 0 && in[0] == 'G' {
			checkGenerated(t, gr, in[1:])
			return
		}
		if !bytes.HasPrefix(in, wasmHeader[:4]) {
			in = withBody(features, 2, in)
		}
		orig := slices.Clone(in)
		ContentSum(in) // never panics, whatever in is
		out, err := Instrument(in)
		if !slices.Equal(in, orig) {
			t.Fatal("Instrument modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrExportExists) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if _, err := Instrument(out); !errors.Is(err, ErrExportExists) {
			t.Fatalf("Instrument(output): %v, want ErrExportExists", err)
		}
		if tooBigForWazero(in) {
			return
		}
		cin, err := compile(r, in)
		if err != nil {
			return // invalid input: nothing to preserve
		}
		defer cin.Close(ctx)
		cout, err := compile(r, out)
		if err != nil {
			t.Fatalf("input compiles but output does not: %v", err)
		}
		defer cout.Close(ctx)
		if a, b := exportedFunctions(cin.ExportedFunctions()), exportedFunctions(cout.ExportedFunctions()); !slices.Equal(a, b) {
			t.Fatalf("exported functions changed:\n in: %v\nout: %v", a, b)
		}
	})
}

// tooBigForWazero reports whether compiling bin could make wazero
// allocate gigabytes: wazero sizes slices and maps from counts, lengths
// and sizes in the binary before checking that the entries exist (seen
// with a data section whose count was 118 million), and allocates one
// entry per declared local.
//
// Outside function code, any LEB128 run of three continuation bytes (a
// value of 2^21 or more) disqualifies bin, as does a section or function
// body larger than the rest of the input; all of those are almost always
// invalid anyway. Instructions are not restricted. Instrument itself
// still runs on every input.
func tooBigForWazero(bin []byte) bool {
	d := decoder{b: bin, pos: len(wasmHeader)}
	for !d.done() {
		id, _ := d.readByte()
		size, err := d.u32()
		if err != nil {
			return false
		}
		sec, err := d.sub(size)
		if err != nil {
			return true
		}
		if id == secCode {
			if tooBigCode(sec) {
				return true
			}
		} else if hasBigLEB(sec.b) {
			return true
		}
	}
	return false
}

func hasBigLEB(b []byte) bool {
	run := 0
	for _, c := range b {
		if c < 0x80 {
			run = 0
		} else if run++; run == 3 {
			return true
		}
	}
	return false
}

// tooBigCode reports whether the code section in d announces more bodies
// or bigger bodies than it holds, or more than 2^20 locals in a function.
func tooBigCode(d decoder) bool {
	n, err := d.u32()
	if err != nil || uint64(n) > uint64(len(d.b)) {
		return err == nil
	}
	for i := uint32(0); i < n; i++ {
		size, err := d.u32()
		if err != nil {
			return false
		}
		body, err := d.sub(size)
		if err != nil {
			return true
		}
		groups, _ := body.u32()
		var locals uint64
		for j := uint32(0); j < groups; j++ {
			c, err := body.u32()
			if err != nil || body.valType() != nil {
				break
			}
			if locals += uint64(c); locals > 1<<20 {
				return true
			}
		}
	}
	return false
}

// codeSection returns the offsets of the code section (from its id byte
// to its end) in bin, or zeros.
func codeSection(bin []byte) (start, end int) {
	d := decoder{b: bin, pos: len(wasmHeader)}
	for !d.done() {
		start = d.pos
		id, _ := d.readByte()
		size, err := d.u32()
		if err != nil {
			return 0, 0
		}
		if _, err := d.sub(size); err != nil {
			return 0, 0
		}
		if id == secCode {
			return start, d.pos
		}
	}
	return 0, 0
}

// codeBodies returns the function bodies (locals and code) of bin.
func codeBodies(bin []byte) [][]byte {
	start, end := codeSection(bin)
	d := decoder{b: bin[:end], pos: start + 1}
	if _, err := d.u32(); err != nil { // section size
		return nil
	}
	n, err := d.u32()
	var bodies [][]byte
	for i := uint32(0); err == nil && i < n; i++ {
		var size uint32
		if size, err = d.u32(); err == nil {
			var b decoder
			b, err = d.sub(size)
			bodies = append(bodies, b.b)
		}
	}
	return bodies
}

// withBody returns a copy of bin in which the i-th function body is
// replaced with b.
func withBody(bin []byte, i int, b []byte) []byte {
	var framed [][]byte
	for j, old := range codeBodies(bin) {
		if j == i {
			old = b
		}
		framed = append(framed, body(old))
	}
	start, end := codeSection(bin)
	return cat(bin[:start], section(secCode, vec(framed...)), bin[end:])
}

package wasmbin

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

// TestSingleByteMutations sets every byte of every function body of two
// test modules to many values (a sixteenth of them per run) and, for each
// mutant wazero accepts, checks that Instrument accepts it too and that
// wazero accepts the output.
// Thousands of the mutants are valid, each a slightly different
// instruction stream, which checks instruction boundaries against wazero's
// decoder far more thoroughly than hand-written cases.
//
// The only mutants wazero accepts and Instrument rejects are 0xFD
// (SIMD) instructions whose sub-opcode is not minimally encoded: wazero
// reads those sub-opcodes as single bytes, contrary to the specification,
// and Instrument refuses to guess (see prefixFD).
func TestSingleByteMutations(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(allFeatures))
	defer r.Close(ctx)
	// Each run tries one value in sixteen at every byte, starting from a
	// random offset (logged): runs differ, and together cover every value.
	step := 16
	if testing.Short() {
		step = 32
	}
	offset := rand.IntN(step)
	t.Logf("values %d, %d+%d, ... (set MUTATION_OFFSET to repeat)", offset, offset, step)
	if s := os.Getenv("MUTATION_OFFSET"); s != "" {
		offset, _ = strconv.Atoi(s)
	}
	for _, m := range []struct {
		name  string
		flags []string
	}{{"features", nil}, {"threads", []string{"--enable-threads"}}} {
		mod := wat(t, m.name, m.flags...)
		var valid, rejected int
		for i, b := range codeBodies(mod) {
			for pos := range b {
				for v := offset; v < 256; v += step {
					mut := slices.Clone(b)
					mut[pos] = byte(v)
					in := withBody(mod, i, mut)
					if tooBigForWazero(in) {
						continue
					}
					cin, err := compile(r, in)
					if err != nil {
						continue
					}
					cin.Close(ctx)
					valid++
					out, err := Instrument(in)
					if err != nil {
						if !strings.Contains(err.Error(), "opcode 0xfd") {
							t.Fatalf("%s body %d byte %d = %#x: wazero accepts, Instrument: %v", m.name, i, pos, v, err)
						}
						rejected++
						continue
					}
					cout, err := compile(r, out)
					if err != nil {
						t.Fatalf("%s body %d byte %d = %#x: output rejected: %v", m.name, i, pos, v, err)
					}
					cout.Close(ctx)
				}
			}
		}
		t.Logf("%s: %d valid mutants, %d rejected for 0xfd encodings", m.name, valid, rejected)
		if valid < 500/step {
			t.Fatalf("%s: only %d valid mutants", m.name, valid)
		}
	}
}

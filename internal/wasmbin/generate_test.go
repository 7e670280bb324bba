package wasmbin

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// genModule builds a valid module from arbitrary bytes: export "run" runs a
// program of straight-line bulk memory instructions, calls to an imported
// function and to a small defined function, counted loops (at most 8
// iterations each, so every program ends), blocks, and branches (br_if,
// br_table) out of blocks across any number of loops, which the exit-loop
// rewrite re-targets. It returns the accumulator global; the memory is
// exported for comparison.
//
// The program also returns from the middle, branches to the function's
// label, and calls $looper, which only the module calls (its callers
// charge it) and which loops, returns and branches to its function label
// from inside its loop (it flushes its loop count on every way out).
//
// Layout: import env.f (i32)->i32 is function 0; $leaf (->i32) is 1; run
// is 2; $looper (i32)->i32 is 3. Global 0 is the accumulator. Memory: one
// page.
func genModule(data []byte) []byte {
	g := &gen{data: data}
	g.emit(0x02, 0x40) // a block around the program, the outermost target
	g.labels = []bool{false}
	g.stmts(0)
	code := append(g.code, 0x0b, 0x23, 0x00, 0x0b) // end; global.get acc; end
	locals := []byte{1, byte(g.counters), typeI32}
	if g.counters == 0 {
		locals = []byte{0}
	}
	leaf := []byte{0, // no locals: a leaf (no loop, no call but imports)
		0x41, 0x80, 0x02, 0x41, 0x05, 0x41, 0xc0, 0x00, 0xfc, 0x0b, 0x00, // memory.fill(256, 5, 64)
		0x41, 0x07, 0x10, 0x00, // call f(7)
		0x0b}
	looper := []byte{1, 1, typeI32, // (local $n i32)
		0x20, 0x00, 0x41, 0x07, 0x71, 0x41, 0x01, 0x6a, 0x21, 0x01, // n = acc&7 + 1
		0x03, 0x40, // loop
		0x20, 0x00, 0x41, 0x03, 0x6c, 0x41, 0x01, 0x6a, 0x21, 0x00, // x = x*3 + 1
		0x20, 0x00, 0x41, 0xc0, 0x00, 0x71, 0x04, 0x40, 0x20, 0x00, 0x0f, 0x0b, // if x&64: return x
		0x20, 0x00, 0x20, 0x00, 0x41, 0x80, 0x02, 0x71, 0x0d, 0x01, 0x1a, // br_if x&256 to the function, x
		0x20, 0x01, 0x41, 0x01, 0x6b, 0x22, 0x01, 0x0d, 0x00, // n--; br_if loop
		0x0b, 0x20, 0x00, 0x0b} // end; x
	return module(
		section(secType, vec([]byte{0x60, 1, typeI32, 1, typeI32}, []byte{0x60, 0, 1, typeI32})),
		section(secImport, vec(cat([]byte{3}, []byte("env"), []byte{1, 'f', externFunc, 0}))),
		section(secFunction, vec([]byte{1}, []byte{1}, []byte{0})),
		section(secMemory, vec([]byte{1, 1, 1})),
		section(secGlobal, vec([]byte{typeI32, 1, 0x41, 0, 0x0b})),
		section(secExport, vec(cat([]byte{3}, []byte("run"), []byte{externFunc, 2}),
			cat([]byte{3}, []byte("mem"), []byte{externMemory, 0}))),
		section(secCode, vec(body(leaf), body(locals, code), body(looper))))
}

type gen struct {
	data     []byte
	pos      int
	code     []byte
	labels   []bool // open labels, innermost last: true for loops
	counters int    // loop counter locals used
	stmtsN   int
}

func (g *gen) next() byte {
	if g.pos >= len(g.data) {
		return 0xff
	}
	b := g.data[g.pos]
	g.pos++
	return b
}

// blockTargets returns the relative depths of the open blocks (not loops:
// branching back to a loop could run forever).
func (g *gen) blockTargets() []uint32 {
	var ds []uint32
	for i := len(g.labels) - 1; i >= 0; i-- {
		if !g.labels[i] {
			ds = append(ds, uint32(len(g.labels)-1-i))
		}
	}
	return ds
}

func (g *gen) emit(b ...byte) { g.code = append(g.code, b...) }

// acc emits global.get acc; ...; global.set acc around op.
func (g *gen) acc(op ...byte) {
	g.emit(0x23, 0x00)
	g.emit(op...)
	g.emit(0x24, 0x00)
}

func (g *gen) stmts(depth int) {
	for g.pos < len(g.data) && g.stmtsN < 200 {
		op := g.next()
		if op == 0xff || op%16 == 15 { // end of this block
			return
		}
		g.stmtsN++
		a, b := g.next(), g.next()
		switch op % 16 {
		case 0: // acc += a
			g.acc(append(appendS32([]byte{0x41}, int32(a)), 0x6a)...)
		case 1: // if acc >> a%8 & 1: return acc
			g.emit(0x23, 0x00, 0x41, a%8, 0x76, 0x41, 0x01, 0x71, 0x04, 0x40, 0x23, 0x00, 0x0f, 0x0b)
		case 2: // memory.fill(a*128, b, 64 + b)
			g.emit(appendS32([]byte{0x41}, int32(a)*128)...)
			g.emit(appendS32([]byte{0x41}, int32(b))...)
			g.emit(appendS32([]byte{0x41}, 64+int32(b))...)
			g.emit(0xfc, 0x0b, 0x00)
		case 3: // memory.copy(b*128, a*128, 128)
			g.emit(appendS32([]byte{0x41}, int32(b)*128)...)
			g.emit(appendS32([]byte{0x41}, int32(a)*128)...)
			g.emit(0x41, 0x80, 0x01, 0xfc, 0x0a, 0x00, 0x00)
		case 4: // acc = f(acc)
			g.acc(0x10, 0x00)
		case 5: // acc = looper(acc)
			g.acc(0x10, 0x03)
		case 6: // acc += leaf()
			g.acc(0x10, 0x01, 0x6a)
		case 7, 8: // a counted loop
			if depth >= 4 || g.counters >= 8 {
				continue
			}
			c := byte(g.counters)
			g.counters++
			g.emit(0x41, 1+a%8, 0x21, c, 0x03, 0x40)
			g.labels = append(g.labels, true)
			g.stmts(depth + 1)
			g.emit(0x20, c, 0x41, 0x01, 0x6b, 0x22, c, 0x0d, 0x00, 0x0b) // c--; br_if loop
			g.labels = g.labels[:len(g.labels)-1]
		case 10: // br_if (acc >> a%8 & 1) to the function's label, with acc
			g.emit(0x23, 0x00, 0x23, 0x00, 0x41, a%8, 0x76, 0x41, 0x01, 0x71, 0x0d)
			g.code = appendU32(g.code, uint32(len(g.labels)))
			g.emit(0x1a) // drop
		case 9: // a block
			if depth >= 4 {
				continue
			}
			g.emit(0x02, 0x40)
			g.labels = append(g.labels, false)
			g.stmts(depth + 1)
			g.emit(0x0b)
			g.labels = g.labels[:len(g.labels)-1]
		case 11, 12: // br_if (acc >> a%8 & 1) to an open block
			ts := g.blockTargets()
			g.emit(0x23, 0x00, 0x41, a%8, 0x76, 0x41, 0x01, 0x71, 0x0d)
			g.code = appendU32(g.code, ts[int(b)%len(ts)])
		case 13: // br_table on acc & 3 over open blocks
			ts := g.blockTargets()
			g.emit(0x23, 0x00, 0x41, 0x03, 0x71, 0x0e, 3)
			for i := range 4 {
				g.code = appendU32(g.code, ts[(int(a)+i*int(b))%len(ts)])
			}
		case 14: // a straight-line run of bulk copies
			for i := range 1 + a%16 {
				g.emit(appendS32([]byte{0x41}, int32(i)*64)...)
				g.emit(appendS32([]byte{0x41}, int32(b)*16)...)
				g.emit(0x41, 0x20, 0xfc, 0x0a, 0x00, 0x00)
			}
		}
	}
}

// runGenerated instantiates bin with the host function env.f and returns
// the result of run and a hash of the memory, or the error.
func runGenerated(t *testing.T, r wazero.Runtime, bin []byte) (string, error) {
	t.Helper()
	ctx := context.Background()
	env := r.Module("env")
	if env == nil {
		var err error
		env, err = r.NewHostModuleBuilder("env").NewFunctionBuilder().
			WithGoFunction(api.GoFunc(func(_ context.Context, stack []uint64) {
				stack[0] = uint64(uint32(stack[0])*33 + 1)
			}), []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
			Export("f").Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
	}
	mod, err := r.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	defer mod.Close(ctx)
	res, err := mod.ExportedFunction("run").Call(ctx)
	if err != nil {
		return "", err
	}
	mem, _ := mod.Memory().Read(0, mod.Memory().Size())
	return fmt.Sprintf("%d %x", res[0], sha256.Sum256(mem)), nil
}

// checkGenerated instruments a generated module in every mode and checks
// that each result compiles and computes what the original does.
func checkGenerated(t *testing.T, r wazero.Runtime, data []byte) {
	t.Helper()
	in := genModule(data)
	want, err := runGenerated(t, r, in)
	if err != nil {
		t.Fatalf("generated module: %v", err)
	}
	for _, c := range []Checks{ChecksFull, ChecksInterruptOnly, ChecksNone} {
		m, err := InstrumentModule(in, Options{Checks: c})
		if err != nil {
			t.Fatalf("checks %d: %v", c, err)
		}
		got, err := runGenerated(t, r, m.Binary)
		if err != nil || got != want {
			t.Fatalf("checks %d: got %q, %v; want %q", c, got, err, want)
		}
	}
}

func TestGenerated(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	for i, data := range generatedSeeds {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkGenerated(t, r, data) })
	}
}

// generatedSeeds are programs for genModule: loops in blocks in loops with
// branches out of them, bulk runs and calls.
var generatedSeeds = [][]byte{
	{0, 1, 2},
	{7, 3, 0, 9, 0, 0, 7, 2, 0, 11, 1, 1, 13, 2, 3, 4, 0, 0, 15, 15, 6, 0, 0},
	{9, 0, 0, 7, 5, 0, 7, 2, 0, 12, 3, 2, 2, 9, 9, 14, 7, 3, 15, 0, 4, 4, 15, 15, 3, 5, 6},
	{8, 7, 0, 10, 0, 0, 8, 7, 0, 8, 7, 0, 13, 5, 7, 11, 2, 3, 1, 9, 9, 15, 15, 15, 15, 5, 0, 0},
	{14, 15, 200, 7, 1, 0, 14, 3, 3, 6, 0, 0, 15, 2, 100, 100},
	{5, 0, 0, 7, 4, 0, 5, 1, 0, 10, 2, 0, 9, 0, 0, 5, 0, 0, 1, 6, 0, 15, 15, 1, 3, 0, 5, 0, 0, 10, 0, 0},
	{7, 7, 0, 5, 0, 0, 1, 1, 0, 7, 7, 0, 5, 0, 0, 10, 5, 0, 15, 15, 0, 9, 0},
}

package wasmbin

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// wabt 1.0.32 knows neither the final exception handling proposal nor
// typed function references, so these modules are assembled by hand.

var typeI32toI32 = []byte{0x60, 1, typeI32, 1, typeI32}

// tryTableModule exports eh(n) = n + (n-1) + ... + 1, computed by throwing
// each term from a try_table inside a loop and catching it.
func tryTableModule() []byte {
	return module(
		section(secType, vec(typeI32toI32, []byte{0x60, 1, typeI32, 0})),
		section(secFunction, vec([]byte{0})),
		section(secTag, vec([]byte{0, 1})),
		section(secExport, vec([]byte{2, 'e', 'h', externFunc, 0})),
		section(secCode, vec(body([]byte{1, 1, typeI32}, []byte{
			0x03, 0x40, // loop
			0x02, typeI32, // block (result i32)
			0x1f, 0x40, 1, 0x00, 0, 0, // try_table (catch tag 0 -> label 0)
			0x20, 0, 0x08, 0, // local.get 0, throw 0
			0x0b,       // end try_table
			0x41, 0x00, // i32.const 0
			0x0b,                   // end block
			0x20, 1, 0x6a, 0x21, 1, // s += caught
			0x20, 0, 0x41, 1, 0x6b, 0x22, 0, // n = n - 1
			0x0d, 0, // br_if loop
			0x0b,    // end loop
			0x20, 1, // local.get 1
			0x0b,
		}))))
}

// funcRefModule exports fr(n) = 2n + 2(n-1) + ... + 2, calling double
// through call_ref on a declared function reference inside a loop.
func funcRefModule() []byte {
	return module(
		section(secType, vec(typeI32toI32)),
		section(secFunction, vec([]byte{0}, []byte{0})),
		section(secExport, vec([]byte{2, 'f', 'r', externFunc, 1})),
		section(secElement, vec([]byte{0x03, 0x00, 1, 0})), // declare func 0
		section(secCode, vec(
			body(noLocals, []byte{0x20, 0, 0x41, 2, 0x6c, 0x0b}), // double
			body([]byte{1, 1, typeI32}, []byte{
				0x03, 0x40, // loop
				0x02, 0x40, // block $null
				0x20, 0, // local.get 0
				0xd2, 0, // ref.func 0
				0xd5, 0, // br_on_null $null
				0xd4,    // ref.as_non_null
				0x14, 0, // call_ref type 0
				0x20, 1, 0x6a, 0x21, 1, // s += result
				0x0b,                            // end block
				0x20, 0, 0x41, 1, 0x6b, 0x22, 0, // n = n - 1
				0x0d, 0, // br_if loop
				0x0b,    // end loop
				0x20, 1, // local.get 1
				0x0b,
			}))))
}

func TestTryTable(t *testing.T) {
	orig := tryTableModule()
	out, err := Instrument(orig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	compareCalls(t, cfg, orig, out, []testCall{{"eh", []uint64{1}}, {"eh", []uint64{10}}, {"eh", []uint64{1000}}})

	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	mod := instantiate(t, r, out, "eh")
	if got := call(t, mod, "eh", 100)[0]; got != 5050 {
		t.Fatalf("eh(100) = %d", got)
	}
	interrupt(t, mod, "eh", 0) // 2^32 iterations
}

func TestFuncRef(t *testing.T) {
	orig := funcRefModule()
	out, err := Instrument(orig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTypedFunctionReferences)
	compareCalls(t, cfg, orig, out, []testCall{{"fr", []uint64{1}}, {"fr", []uint64{10}}, {"fr", []uint64{1000}}})

	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	mod := instantiate(t, r, out, "fr")
	if got := call(t, mod, "fr", 100)[0]; got != 10100 {
		t.Fatalf("fr(100) = %d", got)
	}
	interrupt(t, mod, "fr", 0)
}

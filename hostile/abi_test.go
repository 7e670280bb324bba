package hostile_test

import (
	"fmt"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// Offsets an attacker tries on every kernel function. With abi.wat's 16-byte
// input the heap is [128, 152): the input block's header at 128, its data at
// 136 (0x88); below 128 is the kernel's own header.
const (
	maxU64   = ^uint64(0)      // 2^64-1
	wrapNear = maxU64 - 7      // 2^64-8: offs+len wraps around with len 16
	half     = uint64(1) << 63 // 2^63
	past4G   = 1<<32 + 0x88    // truncated to 32 bits it would be the input
	in0      = 0x88            // the input block
	inside   = 0x8c            // inside the input block, not a block
	top      = 0x98            // end of the heap
	pattern  = 0x1122334455667788
)

// abiCases call each kernel function with out-of-range, wrapping and bogus
// arguments. Each must end in a *kernel.FaultError naming the function (the
// instance is then broken), a typed kernel error, or a documented benign
// result (0, ignored), never in a crash or an access outside the kernel heap.
func abiCases() []hostileCase {
	type row struct {
		fn   string
		a, b uint64
		want matcher
	}
	// A fault traps, which breaks the instance; the other outcomes do not.
	var rows []row
	broken := map[int]bool{}
	faults := func(fn string, b uint64, offs ...uint64) {
		for _, a := range offs {
			rows = append(rows, row{fn, a, b, fault(fn, a)})
			broken[len(rows)-1] = true
		}
	}
	benign := func(fn string, want matcher, offs ...uint64) {
		for _, a := range offs {
			rows = append(rows, row{fn, a, 0, want})
		}
	}
	bad := []uint64{0, 8, 127, top, 1<<32 - 1, past4G, half, maxU64, wrapNear}

	faults("load_u8", 0, bad...)
	rows = append(rows,
		row{"load_u8", 128, 0, outputU64(16)},             // the input block's cap (its header is heap too)
		row{"load_u8", top - 1, pattern, outputU64(0x11)}, // the input's last byte
	)
	faults("load_u64", 0, append(bad, top-7)...)
	rows = append(rows,
		row{"load_u64", 128, 0, outputU64(16 | 16<<32)}, // cap and len of the input block
		row{"load_u64", top - 8, pattern, outputU64(pattern)},
	)
	faults("store_u8", 0x41, bad...)
	faults("store_u64", 0, append(bad, 48, top-7)...) // 48: the kernel's fault code
	rows = append(rows, row{"store_u8", in0, 0x41, output(nil)})
	faults("input_load_u8", 0, 16, 1<<32, half, maxU64, wrapNear)
	rows = append(rows, row{"input_load_u8", 15, pattern, outputU64(0x11)})
	faults("input_load_u64", 0, 9, 16, 1<<32, half, maxU64, wrapNear)
	rows = append(rows, row{"input_load_u64", 8, pattern, outputU64(pattern)})

	// output_set(offs, len).
	for _, ol := range [][2]uint64{
		{wrapNear, 16}, {in0, 17}, {in0, maxU64}, {in0, half}, {half, 1}, {0, 8}, {8, 16},
		{past4G, 16}, {maxU64, 1}, {top, 1},
	} {
		rows = append(rows, row{"output_set", ol[0], ol[1], fault("output_set", ol[0])})
		broken[len(rows)-1] = true
	}
	rows = append(rows,
		row{"output_set", in0, 16, output(args(in0, 16))},
		row{"output_set", maxU64, 0, output(nil)}, // a zero length clears the output
	)

	faults("error_set", 0, maxU64, wrapNear, half, past4G, inside, top, 8)
	rows = append(rows,
		row{"error_set", in0, 0, guestError(0, string(args(in0, 0)))}, // the input as the message
		row{"error_set", 0, 0, output(nil)},                           // 0 clears the error
	)
	benign("length", outputU64(0), 0, 127, inside, top, past4G, half, maxU64, wrapNear)
	benign("length", outputU64(16), in0)
	benign("length_unsafe", outputU64(0), 0, 127, past4G, half, maxU64, wrapNear)
	benign("length_unsafe", outputU64(16), in0)
	rows = append(rows, row{"length_unsafe", top, pattern, outputU64(0)}) // checked like length, in O(1): top is no block
	benign("free", output(nil), 0, 8, 127, inside, top, past4G, half, maxU64, wrapNear, in0)
	benign("alloc", outputU64(0), half, maxU64, 0xFFFFFFF1, 0xFFFFFFF0, 1<<32)
	benign("config_get", outputU64(0), 0, 8, inside, top, past4G, half, maxU64, in0)
	benign("var_get", outputU64(0), 0, 8, inside, top, past4G, half, maxU64, in0)
	for _, kv := range [][2]uint64{{maxU64, 0}, {half, in0}, {in0, maxU64}, {past4G, in0}, {0, in0}, {inside, in0}} {
		rows = append(rows, row{"var_set", kv[0], kv[1], is(kernel.ErrBadHandle, "var_set")})
	}
	for _, fn := range []string{"log_trace", "log_debug", "log_info", "log_warn", "log_error"} {
		benign(fn, output(nil), 0, inside, past4G, maxU64)
	}
	for _, rb := range [][2]uint64{{maxU64, 0}, {0, 0}, {past4G, maxU64}, {inside, 0}, {in0, 0}} {
		rows = append(rows, row{"http_request", rb[0], rb[1], is(kernel.ErrHTTPRequest)})
	}
	rows = append(rows, row{"reset", in0, 16, fault("output_set", in0)}) // reset frees the input mid-call
	broken[len(rows)-1] = true

	setup := grant(hosts("127.0.0.1"), func(m *runtime.Manifest, _ *runtime.PluginOptions) {
		m.Config = map[string]string{"k": "v"}
	})
	var cases []hostileCase
	for i, r := range rows {
		cases = append(cases, hostileCase{
			name:   fmt.Sprintf("abi/%s(%#x,%#x)", r.fn, r.a, r.b),
			wat:    "abi",
			share:  "abi",
			setup:  setup,
			fn:     r.fn,
			input:  args(r.a, r.b),
			want:   r.want,
			broken: broken[i],
		})
	}
	return cases
}

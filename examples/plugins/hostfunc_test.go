package plugins_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tendril-wasm/tendril/runtime"
)

// toUpper is the host function the hostfunc plug-in imports: bytes in,
// bytes out, no wazero types.
var toUpper = runtime.NewHostFunction("to_upper", func(_ context.Context, _ *runtime.Caller, in []byte) ([]byte, error) {
	return bytes.ToUpper(in), nil
})

func TestHostFunction(t *testing.T) {
	t.Parallel()
	inst := start(t, "hostfunc", setup{plugin: runtime.PluginOptions{HostFunctions: []runtime.HostFunction{toUpper}}})
	t.Run("upper", func(t *testing.T) { testUpper(t, inst) })
	t.Run("handles", func(t *testing.T) { testHandles(t, inst) })
}

func testUpper(t *testing.T, inst *runtime.Instance) {
	for _, in := range []string{"a", "hello", "hello, world", strings.Repeat("long input ", 100)} {
		if got, want := string(call(t, inst, "upper", []byte(in))), strings.ToUpper(in); got != want {
			t.Errorf("upper(%.20q) = %.20q, want %.20q", in, got, want)
		}
	}
}

// testHandles checks Alloc, Store, Load, Len, Bytes, Free, AllocBytes and
// Text through the plug-in's handles export.
func testHandles(t *testing.T, inst *runtime.Instance) {
	for _, in := range []string{"abc", "0123456789abcdef"} {
		want := "len=" + strconv.Itoa(len(in)+3) + " head=" + in + " all=" + in + "+++ copy=" + in
		if got := string(call(t, inst, "handles", []byte(in))); got != want {
			t.Errorf("handles(%q) = %q, want %q", in, got, want)
		}
	}
}

package plugins_test

import (
	"bytes"
	"fmt"
	"testing"
)

// TestEcho sends inputs of every length around the 8-byte word size through
// each export, so that both the word loop and the tail of the copies run.
func TestEcho(t *testing.T) {
	t.Parallel()
	inst := start(t, "echo", setup{})
	var sizes []int
	for n := range 34 {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1000, 4095, 4096, 1<<20+3)
	for _, fn := range []string{"echo", "echo_string", "echo_copy"} {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", fn, n), func(t *testing.T) {
				in := make([]byte, n)
				for i := range in {
					in[i] = byte(i*7 + n)
				}
				if got := call(t, inst, fn, in); !bytes.Equal(got, in) {
					t.Fatalf("%s(%d bytes) returned %d different bytes", fn, n, len(got))
				}
			})
		}
	}
}

package wasmbin

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestContentSum(t *testing.T) {
	named := func(name string, data ...byte) []byte {
		return section(secCustom, cat(leb(uint32(len(name))), []byte(name), data))
	}
	types := section(secType, vec([]byte{0x60, 0, 0}))
	base := module(types, named("name", 1, 2))
	withDebug := module(types, named(".debug_info", 9, 9, 9), named("name", 1, 2), named(".debug_line", 7))
	require.Equal(t, ContentSum(base), ContentSum(withDebug), "DWARF sections are not part of the sum")

	// Instrumenting both gives the same binary: that is why the sum may
	// leave DWARF out.
	a, err := Instrument(base)
	require.NoError(t, err)
	b, err := Instrument(withDebug)
	require.NoError(t, err)
	require.Equal(t, a, b)

	for name, other := range map[string][]byte{
		"another custom section": module(types, named("name", 1, 3)),
		"another type":           module(section(secType, vec([]byte{0x60, 0, 1, typeI32})), named("name", 1, 2)),
		"a section moved":        module(named("name", 1, 2), types),
		"a debug section's bytes in another custom section": module(types, named("name", 1, 2), named("debug_info", 9, 9, 9)),
	} {
		require.NotEqual(t, ContentSum(base), ContentSum(other), name)
	}
	bad := append(module(types), 0x01, 0x7f) // a section longer than the input
	require.Equal(t, sha256.Sum256(bad), ContentSum(bad), "a binary that cannot be framed is hashed whole")
	require.Equal(t, sha256.Sum256([]byte("not wasm")), ContentSum([]byte("not wasm")))
}

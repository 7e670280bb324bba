package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Concurrent compilations share Options.CompileWorkers, one goroutine each
// at least.
func TestCompileWorkersShared(t *testing.T) {
	var tab moduleTable
	require.Equal(t, 4, tab.workers(4)) // alone
	require.Equal(t, 2, tab.workers(4)) // with one other
	require.Equal(t, 1, tab.workers(4)) // with two others
	require.Equal(t, 1, tab.workers(4))
	tab.compiling.Add(-4)
	require.Equal(t, 4, tab.workers(4), "every compilation counted out")
	tab.compiling.Add(-1)
	require.Equal(t, 1, tab.workers(1))
}

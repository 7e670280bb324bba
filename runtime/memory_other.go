//go:build !linux

package runtime

import "github.com/tetratelabs/wazero/experimental"

// newMappedMemory: only Linux maps guest memory directly; elsewhere linear
// memories live in the Go heap.
func newMappedMemory(limit uint64) experimental.LinearMemory { return nil }

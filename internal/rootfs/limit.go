package rootfs

import (
	"sync/atomic"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// DefaultMaxOpenFiles is the number of files and directories a plug-in
// instance may hold open at once through its mounts when nothing else is
// said. Beyond it, opens fail with ErrnoTooManyOpenFiles: the host's own
// descriptors stay available.
const DefaultMaxOpenFiles = 256

// ErrnoTooManyOpenFiles is what an open past the Limit fails with. It would
// be EMFILE, but wazero v1.12's WASI layer knows no EMFILE and turns any
// errno outside its list into EIO, so EIO is what the guest would see
// anyway; returning it directly says so.
const ErrnoTooManyOpenFiles = experimentalsys.EIO

// Limit bounds the host descriptors that file systems sharing it hold open
// for their files and directories (not counting each mount's root). Give one
// Limit to every mount of one plug-in instance. It is safe for concurrent
// use.
type Limit struct {
	max  int64
	open atomic.Int64
}

// NewLimit returns a Limit of n open files; n <= 0 means DefaultMaxOpenFiles.
func NewLimit(n int) *Limit {
	if n <= 0 {
		n = DefaultMaxOpenFiles
	}
	return &Limit{max: int64(n)}
}

// Open returns the number of files open under the limit now.
func (l *Limit) Open() int { return int(l.open.Load()) }

// acquire takes one descriptor, or fails with ErrnoTooManyOpenFiles.
func (l *Limit) acquire() experimentalsys.Errno {
	if l.open.Add(1) > l.max {
		l.open.Add(-1)
		return ErrnoTooManyOpenFiles
	}
	return 0
}

func (l *Limit) release() { l.open.Add(-1) }

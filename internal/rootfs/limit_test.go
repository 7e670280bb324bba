package rootfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// TestLimit: the files a plug-in opens through its mounts count against one
// per-instance Limit; past it opens fail (ErrnoTooManyOpenFiles) without
// taking a host descriptor, and closing a file gives its slot back. Issue
// 12: a guest that never closed took ~20,000 descriptors in 0.5 s, after
// which the host's own os.Open and net.Listen failed.
func TestLimit(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644))
	lim := NewLimit(10)
	ro, err := NewLimited(dir, true, lim)
	require.NoError(t, err)
	rw, err := NewLimited(dir, false, lim)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ro.(interface{ Close() error }).Close(); _ = rw.(interface{ Close() error }).Close() })

	var files []experimentalsys.File
	for i := 0; i < 10; i++ {
		fs := ro
		if i%2 == 1 {
			fs = rw
		}
		f, errno := fs.OpenFile("f", experimentalsys.O_RDONLY, 0)
		require.Zero(t, errno)
		files = append(files, f)
	}
	require.Equal(t, 10, lim.Open())
	fdsAtCap := countFDs(t)
	for _, fs := range []experimentalsys.FS{ro, rw} {
		_, errno := fs.OpenFile("f", experimentalsys.O_RDONLY, 0)
		require.Equal(t, ErrnoTooManyOpenFiles, errno)
		_, errno = fs.OpenFile(".", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
		require.Equal(t, ErrnoTooManyOpenFiles, errno)
	}
	require.Equal(t, fdsAtCap, countFDs(t), "a refused open took a host descriptor")
	// A host open still works.
	hf, err := os.Open(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.NoError(t, hf.Close())

	require.Zero(t, files[0].Close())
	require.Zero(t, files[0].Close()) // idempotent: releases once
	require.Equal(t, 9, lim.Open())
	f, errno := rw.OpenFile("f", experimentalsys.O_RDONLY, 0)
	require.Zero(t, errno)
	files[0] = f
	// Failed opens give their slot back.
	require.Zero(t, files[1].Close())
	_, errno = ro.OpenFile("missing", experimentalsys.O_RDONLY, 0)
	require.Equal(t, experimentalsys.ENOENT, errno)
	_, errno = ro.OpenFile("f", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	require.Equal(t, experimentalsys.ENOTDIR, errno)
	require.Equal(t, 9, lim.Open())
	for _, f := range files {
		_ = f.Close()
	}
	require.Zero(t, lim.Open())
	require.Equal(t, DefaultMaxOpenFiles, int(NewLimit(0).max))
}

// countFDs counts this process's open descriptors (Linux), or -1.
func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

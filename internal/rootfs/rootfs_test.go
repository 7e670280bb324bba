package rootfs

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// Short names for the flags and errnos the tables use.
const (
	rfsRDONLY    = experimentalsys.O_RDONLY
	rfsWRONLY    = experimentalsys.O_WRONLY
	rfsRDWR      = experimentalsys.O_RDWR
	rfsAPPEND    = experimentalsys.O_APPEND
	rfsCREAT     = experimentalsys.O_CREAT
	rfsDIRECTORY = experimentalsys.O_DIRECTORY
	rfsEXCL      = experimentalsys.O_EXCL
	rfsNOFOLLOW  = experimentalsys.O_NOFOLLOW
	rfsTRUNC     = experimentalsys.O_TRUNC
)

const (
	rfsSecretText = "TOP SECRET: outside the mount"
	rfsInnerText  = "INNER SECRET: in a directory outside the mount"
	rfsFileText   = "hello world!"
)

// rfsOldTime is the modification time of the files outside the mount, so
// that any change to it shows.
var rfsOldTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// rfsTree is a directory tree on the host for one test:
//
//	parent/secret.txt               "TOP SECRET..."       (outside)
//	parent/secretdir/inner.txt      "INNER SECRET..."     (outside)
//	parent/mnt/                                           (the mount)
//	    file.txt                    "hello world!"
//	    sub/nested.txt              "nested"
//	    empty/
//	    abs_link        -> parent/secret.txt  (absolute, escapes)
//	    rel_link        -> ../secret.txt      (relative, escapes)
//	    chain1 -> chain2 -> rel_link          (chain, escapes)
//	    sub/deep_link   -> ../../secret.txt   (escapes from a subdirectory)
//	    dir_link        -> ../secretdir       (directory outside)
//	    abs_dir_link    -> parent/secretdir   (absolute, directory outside)
//	    dangling_out    -> ../created.txt     (dangling, would create outside)
//	    abs_in_link     -> parent/mnt/file.txt (absolute, inside: refused too)
//	    in_link         -> file.txt           (inside: works)
//	    in_dir_link     -> sub                (inside: works)
//	    sub/up_link     -> ../file.txt        (inside through "..": works)
//	    loop1 -> loop2 -> loop1               (ELOOP)
//	    dangle_in       -> nothere.txt        (dangling, inside)
//
// With escapes false the links leading outside are left out (for comparing
// with wazero's DirFS, which follows them).
type rfsTree struct {
	parent, mnt string
	outside     map[string]rfsEntry // parent's tree without mnt, when made
}

// rfsEntry is what is compared of a host file.
type rfsEntry struct {
	mode    fs.FileMode
	mtime   time.Time
	content string
}

func newRFSTree(t *testing.T, escapes bool) *rfsTree {
	t.Helper()
	parent := t.TempDir()
	tr := &rfsTree{parent: parent, mnt: filepath.Join(parent, "mnt")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(rel string) string { return filepath.Join(parent, filepath.FromSlash(rel)) }
	must(os.MkdirAll(p("secretdir"), 0o755))
	must(os.MkdirAll(p("mnt/sub"), 0o755))
	must(os.MkdirAll(p("mnt/empty"), 0o755))
	must(os.WriteFile(p("secret.txt"), []byte(rfsSecretText), 0o644))
	must(os.WriteFile(p("secretdir/inner.txt"), []byte(rfsInnerText), 0o644))
	must(os.WriteFile(p("mnt/file.txt"), []byte(rfsFileText), 0o644))
	must(os.WriteFile(p("mnt/sub/nested.txt"), []byte("nested"), 0o644))
	links := [][2]string{
		{"file.txt", "mnt/in_link"},
		{"sub", "mnt/in_dir_link"},
		{"../file.txt", "mnt/sub/up_link"},
		{"loop2", "mnt/loop1"},
		{"loop1", "mnt/loop2"},
		{"nothere.txt", "mnt/dangle_in"},
	}
	if escapes {
		links = append(links, [][2]string{
			{p("secret.txt"), "mnt/abs_link"},
			{"../secret.txt", "mnt/rel_link"},
			{"chain2", "mnt/chain1"},
			{"rel_link", "mnt/chain2"},
			{"../../secret.txt", "mnt/sub/deep_link"},
			{"../secretdir", "mnt/dir_link"},
			{p("secretdir"), "mnt/abs_dir_link"},
			{"../created.txt", "mnt/dangling_out"},
			{p("mnt/file.txt"), "mnt/abs_in_link"},
		}...)
	}
	for _, l := range links {
		must(os.Symlink(l[0], p(l[1])))
	}
	for _, f := range []string{"secret.txt", "secretdir/inner.txt", "secretdir"} {
		must(os.Chtimes(p(f), rfsOldTime, rfsOldTime))
	}
	tr.outside = tr.snapshotOutside(t)
	t.Cleanup(func() { tr.checkOutside(t) })
	return tr
}

// snapshotOutside records every entry under parent except mnt.
func (tr *rfsTree) snapshotOutside(t *testing.T) map[string]rfsEntry {
	t.Helper()
	return rfsSnapshot(t, tr.parent, func(rel string) bool { return rel == "mnt" })
}

// checkOutside fails the test if anything outside the mount changed: a file
// written, truncated, touched, chmod-ed, removed, renamed or created.
func (tr *rfsTree) checkOutside(t *testing.T) {
	t.Helper()
	now := tr.snapshotOutside(t)
	for name, want := range tr.outside {
		got, ok := now[name]
		switch {
		case !ok:
			t.Errorf("outside the mount: %s was removed", name)
		case got.content != want.content:
			t.Errorf("outside the mount: %s now holds %q, want %q", name, got.content, want.content)
		case got.mode != want.mode:
			t.Errorf("outside the mount: %s mode now %v, want %v", name, got.mode, want.mode)
		case !got.mtime.Equal(want.mtime):
			t.Errorf("outside the mount: %s mtime now %v, want %v", name, got.mtime, want.mtime)
		}
	}
	for name := range now {
		if _, ok := tr.outside[name]; !ok {
			t.Errorf("outside the mount: %s was created", name)
		}
	}
}

// rfsSnapshot records the tree under dir, skipping the entries skip accepts.
func rfsSnapshot(t *testing.T, dir string, skip func(rel string) bool) map[string]rfsEntry {
	t.Helper()
	m := map[string]rfsEntry{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if skip != nil && skip(rel) {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		e := rfsEntry{mode: fi.Mode(), mtime: fi.ModTime()}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			e.content = string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.content, err = os.Readlink(path); err != nil {
				return err
			}
		}
		m[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newTestRootFS(t *testing.T, dir string, readOnly bool) experimentalsys.FS {
	t.Helper()
	fsys, err := New(dir, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fsys.(io.Closer).Close(); err != nil {
			t.Error(err)
		}
	})
	return fsys
}

func rfsErrno(t *testing.T, what string, got, want experimentalsys.Errno) {
	t.Helper()
	if got != want {
		t.Errorf("%s: errno %v (%d), want %v (%d)", what, got, got, want, want)
	}
}

// rfsReadAll reads f from its current offset to EOF.
func rfsReadAll(f experimentalsys.File) (string, experimentalsys.Errno) {
	var out []byte
	buf := make([]byte, 7) // small, to loop
	for {
		n, errno := f.Read(buf)
		out = append(out, buf[:n]...)
		if errno != 0 {
			return string(out), errno
		}
		if n == 0 {
			return string(out), 0
		}
	}
}

// rfsReadFile opens, reads and closes path.
func rfsReadFile(fsys experimentalsys.FS, path string) (string, experimentalsys.Errno) {
	f, errno := fsys.OpenFile(path, rfsRDONLY, 0)
	if errno != 0 {
		return "", errno
	}
	defer f.Close()
	return rfsReadAll(f)
}

// TestRootFSEscapes tries every operation of the FS interface through links
// that lead outside the mount: each must fail, and nothing outside may be
// read or changed.
func TestRootFSEscapes(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("readOnly=%v", readOnly), func(t *testing.T) {
			tr := newRFSTree(t, true)
			fsys := newTestRootFS(t, tr.mnt, readOnly)

			// Links to a file outside, used as the last path component.
			fileLinks := []string{"abs_link", "rel_link", "chain1", "chain2", "sub/deep_link", "dir_link/inner.txt",
				"abs_dir_link/inner.txt", "in_dir_link/deep_link", "/rel_link", "./sub/../rel_link", "sub/../../secret.txt"}
			for _, link := range fileLinks {
				openFlags := []experimentalsys.Oflag{
					rfsRDONLY, rfsRDWR, rfsWRONLY, rfsWRONLY | rfsAPPEND, rfsWRONLY | rfsTRUNC,
					rfsRDWR | rfsCREAT, rfsRDONLY | rfsCREAT, rfsRDONLY | rfsTRUNC, rfsDIRECTORY,
				}
				for _, flag := range openFlags {
					f, errno := fsys.OpenFile(link, flag, 0o600)
					if errno == 0 {
						got, _ := rfsReadAll(f)
						f.Close()
						t.Errorf("OpenFile(%q, %#x) succeeded and read %q", link, flag, got)
						continue
					}
					want := experimentalsys.EPERM
					if readOnly && (accessMode(flag) != rfsRDONLY || flag&rfsTRUNC != 0) {
						want = experimentalsys.EROFS
					}
					rfsErrno(t, fmt.Sprintf("OpenFile(%q, %#x)", link, flag), errno, want)
				}
				if f, errno := fsys.OpenFile(link, rfsRDONLY|rfsNOFOLLOW, 0); errno == 0 {
					f.Close()
					t.Errorf("OpenFile(%q, O_NOFOLLOW) succeeded", link)
				}
				if st, errno := fsys.Stat(link); errno != experimentalsys.EPERM {
					t.Errorf("Stat(%q): errno %v, size %d; want EPERM", link, errno, st.Size)
				}
				wantWrite := experimentalsys.EPERM
				if readOnly {
					wantWrite = experimentalsys.EROFS
				}
				rfsErrno(t, "Utimens "+link, fsys.Utimens(link, 1e9, 1e9), wantWrite)
				rfsErrno(t, "Utimens OMIT atim "+link, fsys.Utimens(link, experimentalsys.UTIME_OMIT, 1e9), wantWrite)
				rfsErrno(t, "Chmod "+link, fsys.Chmod(link, 0o777), wantWrite)
			}

			// Directory links outside.
			for _, link := range []string{"dir_link", "abs_dir_link", "dir_link/", "abs_dir_link/."} {
				if f, errno := fsys.OpenFile(link, rfsDIRECTORY, 0); errno == 0 {
					d, _ := f.Readdir(-1)
					f.Close()
					t.Errorf("OpenFile(%q, O_DIRECTORY) succeeded and listed %v", link, d)
				} else {
					rfsErrno(t, "OpenFile O_DIRECTORY "+link, errno, experimentalsys.EPERM)
				}
				if f, errno := fsys.OpenFile(link, rfsRDONLY, 0); errno == 0 {
					d, _ := f.Readdir(-1)
					f.Close()
					t.Errorf("OpenFile(%q) succeeded and listed %v", link, d)
				}
			}

			// Path operations reaching through a directory link.
			wantPerm := func(errno experimentalsys.Errno) experimentalsys.Errno {
				if readOnly {
					return experimentalsys.EROFS
				}
				return errno
			}
			for _, c := range []struct {
				name string
				op   func() experimentalsys.Errno
				want experimentalsys.Errno
			}{
				{"Lstat", func() experimentalsys.Errno { _, e := fsys.Lstat("dir_link/inner.txt"); return e }, experimentalsys.EPERM},
				{"Readlink", func() experimentalsys.Errno { _, e := fsys.Readlink("dir_link/inner.txt"); return e }, experimentalsys.EPERM},
				{"Mkdir", func() experimentalsys.Errno { return fsys.Mkdir("dir_link/made", 0o755) }, wantPerm(experimentalsys.EPERM)},
				{"Mkdir abs", func() experimentalsys.Errno { return fsys.Mkdir("abs_dir_link/made", 0o755) }, wantPerm(experimentalsys.EPERM)},
				{"Unlink", func() experimentalsys.Errno { return fsys.Unlink("dir_link/inner.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Unlink up", func() experimentalsys.Errno { return fsys.Unlink("sub/../../secret.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Rmdir", func() experimentalsys.Errno { return fsys.Rmdir("dir_link/") }, wantPerm(experimentalsys.ENOTDIR)},
				{"Rmdir up", func() experimentalsys.Errno { return fsys.Rmdir("sub/../../secretdir") }, wantPerm(experimentalsys.EPERM)},
				{"Rename out", func() experimentalsys.Errno { return fsys.Rename("dir_link/inner.txt", "stolen.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Rename in", func() experimentalsys.Errno { return fsys.Rename("file.txt", "dir_link/planted.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Rename over", func() experimentalsys.Errno { return fsys.Rename("file.txt", "dir_link/inner.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Rename dir over", func() experimentalsys.Errno { return fsys.Rename("empty", "sub/../../secretdir") }, wantPerm(experimentalsys.EPERM)},
				{"Link out", func() experimentalsys.Errno { return fsys.Link("dir_link/inner.txt", "hard.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Link in", func() experimentalsys.Errno { return fsys.Link("file.txt", "dir_link/hard.txt") }, wantPerm(experimentalsys.EPERM)},
				{"Symlink in", func() experimentalsys.Errno { return fsys.Symlink("x", "dir_link/planted") }, wantPerm(experimentalsys.EPERM)},
				{"Symlink absolute", func() experimentalsys.Errno { return fsys.Symlink(filepath.Join(tr.parent, "secret.txt"), "abs") }, wantPerm(experimentalsys.EPERM)},
				{"Utimens dir", func() experimentalsys.Errno { return fsys.Utimens("dir_link", 1e9, 1e9) }, wantPerm(experimentalsys.EPERM)},
				{"Chmod dir", func() experimentalsys.Errno { return fsys.Chmod("dir_link", 0o700) }, wantPerm(experimentalsys.EPERM)},
				{"Create through dangling", func() experimentalsys.Errno {
					f, e := fsys.OpenFile("dangling_out", rfsRDWR|rfsCREAT, 0o600)
					if e == 0 {
						f.Close()
					}
					return e
				}, wantPerm(experimentalsys.EPERM)},
			} {
				rfsErrno(t, c.name, c.op(), c.want)
			}

			// An absolute link is refused even when its target is inside.
			if _, errno := rfsReadFile(fsys, "abs_in_link"); errno != experimentalsys.EPERM {
				t.Errorf("reading abs_in_link: errno %v, want EPERM", errno)
			}
			// A link loop is ELOOP.
			if _, errno := rfsReadFile(fsys, "loop1"); errno != experimentalsys.ELOOP {
				t.Errorf("reading loop1: errno %v, want ELOOP", errno)
			}
			// The links themselves are still visible: lstat and readlink work.
			if st, errno := fsys.Lstat("rel_link"); errno != 0 || st.Mode.Type() != fs.ModeSymlink {
				t.Errorf("Lstat(rel_link) = %v, %v; want a symbolic link", st.Mode, errno)
			}
			if dst, errno := fsys.Readlink("rel_link"); errno != 0 || dst != "../secret.txt" {
				t.Errorf("Readlink(rel_link) = %q, %v", dst, errno)
			}
			for _, name := range []string{"stolen.txt", "hard.txt", "abs", "nothere.txt"} {
				if _, errno := fsys.Lstat(name); errno != experimentalsys.ENOENT {
					t.Errorf("Lstat(%q): errno %v, want ENOENT (nothing made)", name, errno)
				}
			}
		})
	}
}

// TestRootFSGuestSymlink makes the links itself, as a plug-in would with
// path_symlink, then tries to use them.
func TestRootFSGuestSymlink(t *testing.T) {
	tr := newRFSTree(t, true)
	fsys := newTestRootFS(t, tr.mnt, false)

	rfsErrno(t, "Symlink absolute", fsys.Symlink(filepath.Join(tr.parent, "secret.txt"), "evil_abs"), experimentalsys.EPERM)
	rfsErrno(t, "Symlink /etc/passwd", fsys.Symlink("/etc/passwd", "evil_abs"), experimentalsys.EPERM)
	for _, c := range []struct{ target, link string }{
		{"../secret.txt", "evil"},
		{"../../secret.txt", "sub/evil"},
		{"../secretdir", "evil_dir"},
		{"../created.txt", "evil_dangling"},
		{"../mnt/file.txt", "evil_roundtrip"}, // leaves the mount, even to come back
		{"evil", "evil_chain"},
	} {
		// Making the link is allowed (as in wazero and WASI): it is inert.
		rfsErrno(t, "Symlink "+c.link, fsys.Symlink(c.target, c.link), 0)
		for _, flag := range []experimentalsys.Oflag{rfsRDONLY, rfsRDWR, rfsWRONLY | rfsTRUNC, rfsWRONLY | rfsAPPEND, rfsRDWR | rfsCREAT} {
			if f, errno := fsys.OpenFile(c.link, flag, 0o600); errno == 0 {
				got, _ := rfsReadAll(f)
				_, werr := f.Write([]byte("pwned"))
				f.Close()
				t.Errorf("OpenFile(%q -> %q, %#x) succeeded: read %q, write errno %v", c.link, c.target, flag, got, werr)
			} else {
				rfsErrno(t, fmt.Sprintf("OpenFile(%q, %#x)", c.link, flag), errno, experimentalsys.EPERM)
			}
		}
		rfsErrno(t, "Utimens "+c.link, fsys.Utimens(c.link, 0, 0), experimentalsys.EPERM)
		if dst, errno := fsys.Readlink(c.link); errno != 0 || dst != c.target {
			t.Errorf("Readlink(%q) = %q, %v; want %q", c.link, dst, errno, c.target)
		}
	}
	if f, errno := fsys.OpenFile("evil_dir", rfsDIRECTORY, 0); errno == 0 {
		f.Close()
		t.Error("opened a guest-made link to a directory outside")
	}
	rfsErrno(t, "Mkdir through evil_dir", fsys.Mkdir("evil_dir/x", 0o755), experimentalsys.EPERM)
	// A guest-made link inside the mount works.
	rfsErrno(t, "Symlink good", fsys.Symlink("sub/nested.txt", "good"), 0)
	if got, errno := rfsReadFile(fsys, "good"); errno != 0 || got != "nested" {
		t.Errorf("reading good: %q, %v", got, errno)
	}
	// Removing the links removes the links, not their targets.
	for _, name := range []string{"evil", "sub/evil", "evil_dir", "evil_dangling", "rel_link", "dir_link"} {
		rfsErrno(t, "Unlink "+name, fsys.Unlink(name), 0)
	}
}

// TestRootFSInside checks that links which stay inside the mount work.
func TestRootFSInside(t *testing.T) {
	tr := newRFSTree(t, true)
	fsys := newTestRootFS(t, tr.mnt, false)
	for _, c := range []struct{ path, want string }{
		{"file.txt", rfsFileText},
		{"/file.txt", rfsFileText},
		{"./file.txt", rfsFileText},
		{"in_link", rfsFileText},
		{"sub/up_link", rfsFileText},
		{"in_dir_link/nested.txt", "nested"},
		{"in_dir_link/up_link", rfsFileText},
		{"sub/../file.txt", rfsFileText},
		{"in_dir_link/../file.txt", rfsFileText}, // ".." of the link's target, inside
	} {
		if got, errno := rfsReadFile(fsys, c.path); errno != 0 || got != c.want {
			t.Errorf("reading %q: %q, %v; want %q", c.path, got, errno, c.want)
		}
	}
	st, errno := fsys.Stat("in_link")
	if errno != 0 || !st.Mode.IsRegular() || st.Size != int64(len(rfsFileText)) {
		t.Errorf("Stat(in_link) = %v size %d, %v", st.Mode, st.Size, errno)
	}
	if st, errno := fsys.Lstat("in_link"); errno != 0 || st.Mode.Type() != fs.ModeSymlink {
		t.Errorf("Lstat(in_link) = %v, %v", st.Mode, errno)
	}
	if st, errno := fsys.Stat("in_dir_link"); errno != 0 || !st.Mode.IsDir() {
		t.Errorf("Stat(in_dir_link) = %v, %v", st.Mode, errno)
	}
	// Writing through an inside link writes the target.
	f, errno := fsys.OpenFile("in_link", rfsWRONLY|rfsAPPEND, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := f.Write([]byte(" again")); errno != 0 {
		t.Error(errno)
	}
	f.Close()
	if b, _ := os.ReadFile(filepath.Join(tr.mnt, "file.txt")); string(b) != rfsFileText+" again" {
		t.Errorf("file.txt = %q", b)
	}
	// Creating through a dangling link inside creates its target.
	f, errno = fsys.OpenFile("dangle_in", rfsRDWR|rfsCREAT, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(tr.mnt, "nothere.txt")); err != nil {
		t.Error(err)
	}
	// Listing a directory through an inside link.
	d, errno := fsys.OpenFile("in_dir_link", rfsDIRECTORY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()
	dirents, errno := d.Readdir(-1)
	if errno != 0 {
		t.Fatal(errno)
	}
	if names := rfsNames(dirents); !slices.Equal(names, []string{"deep_link", "nested.txt", "up_link"}) {
		t.Errorf("Readdir(in_dir_link) = %v", names)
	}
	// Utimens follows links inside.
	mt := time.Date(2010, 1, 1, 0, 0, 0, 123456789, time.UTC).UnixNano()
	rfsErrno(t, "Utimens in_link", fsys.Utimens("in_link", experimentalsys.UTIME_OMIT, mt), 0)
	if st, _ := fsys.Stat("file.txt"); st.Mtim != mt {
		t.Errorf("file.txt mtim = %d, want %d", st.Mtim, mt)
	}
}

func rfsNames(dirents []experimentalsys.Dirent) []string {
	var names []string
	for _, d := range dirents {
		names = append(names, d.Name)
	}
	slices.Sort(names)
	return names
}

// TestRootFSOperations exercises each FS and File method on ordinary files.
func TestRootFSOperations(t *testing.T) {
	tr := newRFSTree(t, true)
	fsys := newTestRootFS(t, tr.mnt, false)
	host := func(rel string) string { return filepath.Join(tr.mnt, filepath.FromSlash(rel)) }

	t.Run("readdir", func(t *testing.T) {
		d, errno := fsys.OpenFile(".", rfsRDONLY, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		defer d.Close()
		if isDir, errno := d.IsDir(); !isDir || errno != 0 {
			t.Fatalf("IsDir = %v, %v", isDir, errno)
		}
		var all []experimentalsys.Dirent
		for {
			batch, errno := d.Readdir(3)
			if errno != 0 {
				t.Fatal(errno)
			}
			all = append(all, batch...)
			if len(batch) < 3 {
				break
			}
		}
		types := map[string]fs.FileMode{}
		for _, de := range all {
			types[de.Name] = de.Type
			st, errno := fsys.Lstat(de.Name)
			if errno != 0 {
				t.Fatal(errno)
			}
			if de.Ino != st.Ino || de.Ino == 0 {
				t.Errorf("%s: Dirent.Ino %d, Lstat Ino %d", de.Name, de.Ino, st.Ino)
			}
		}
		want := map[string]fs.FileMode{
			"file.txt": 0, "sub": fs.ModeDir, "empty": fs.ModeDir,
			"abs_link": fs.ModeSymlink, "rel_link": fs.ModeSymlink, "chain1": fs.ModeSymlink, "chain2": fs.ModeSymlink,
			"dir_link": fs.ModeSymlink, "abs_dir_link": fs.ModeSymlink, "dangling_out": fs.ModeSymlink,
			"abs_in_link": fs.ModeSymlink, "in_link": fs.ModeSymlink, "in_dir_link": fs.ModeSymlink,
			"loop1": fs.ModeSymlink, "loop2": fs.ModeSymlink, "dangle_in": fs.ModeSymlink,
		}
		if fmt.Sprint(types) != fmt.Sprint(want) {
			t.Errorf("Readdir types\n got %v\nwant %v", types, want)
		}
		// New entries show after a rewind.
		if err := os.WriteFile(host("late.txt"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if off, errno := d.Seek(0, io.SeekStart); off != 0 || errno != 0 {
			t.Fatalf("rewind: %d, %v", off, errno)
		}
		again, errno := d.Readdir(-1)
		if errno != 0 {
			t.Fatal(errno)
		}
		if len(again) != len(all)+1 || !slices.Contains(rfsNames(again), "late.txt") {
			t.Errorf("after rewind: %v", rfsNames(again))
		}
		if _, errno := d.Seek(1, io.SeekStart); errno != experimentalsys.EISDIR {
			t.Errorf("Seek(1) on a directory: %v, want EISDIR", errno)
		}
		if _, errno := d.Read(make([]byte, 1)); errno != experimentalsys.EISDIR {
			t.Errorf("Read on a directory: %v, want EISDIR", errno)
		}
		if _, errno := d.Write([]byte("x")); errno != experimentalsys.EISDIR {
			t.Errorf("Write on a directory: %v, want EISDIR", errno)
		}
		if _, errno := d.Pread(make([]byte, 1), 0); errno != experimentalsys.EISDIR {
			t.Errorf("Pread on a directory: %v, want EISDIR", errno)
		}
		rfsErrno(t, "Truncate on a directory", d.Truncate(0), experimentalsys.EISDIR)
		rfsErrno(t, "SetAppend on a directory", d.SetAppend(true), experimentalsys.EISDIR)
		rfsErrno(t, "Sync on a directory", d.Sync(), 0)
		rfsErrno(t, "Close", d.Close(), 0)
		rfsErrno(t, "Close again", d.Close(), 0)
		if _, errno := d.Readdir(-1); errno != experimentalsys.EBADF {
			t.Errorf("Readdir after Close: %v, want EBADF", errno)
		}
		if _, errno := d.Stat(); errno != experimentalsys.EBADF {
			t.Errorf("Stat after Close: %v, want EBADF", errno)
		}
	})

	t.Run("open flags", func(t *testing.T) {
		for _, c := range []struct {
			path string
			flag experimentalsys.Oflag
			want experimentalsys.Errno
		}{
			{"missing.txt", rfsRDONLY, experimentalsys.ENOENT},
			{"missing/x.txt", rfsRDWR | rfsCREAT, experimentalsys.ENOENT},
			{"file.txt/x", rfsRDONLY, experimentalsys.ENOTDIR},
			{"file.txt/", rfsRDONLY, experimentalsys.ENOTDIR},
			{"file.txt", rfsRDWR | rfsCREAT | rfsEXCL, experimentalsys.EEXIST},
			{"dangle_in", rfsRDWR | rfsCREAT | rfsEXCL, experimentalsys.EEXIST},
			{"file.txt", rfsDIRECTORY, experimentalsys.ENOTDIR},
			{"in_link", rfsDIRECTORY, experimentalsys.ENOTDIR},
			{"sub", rfsRDWR, experimentalsys.EISDIR},
			{"sub", rfsWRONLY, experimentalsys.EISDIR},
			{"sub", rfsDIRECTORY | rfsRDWR, experimentalsys.EISDIR},
			{"sub", rfsDIRECTORY | rfsCREAT, experimentalsys.EINVAL},
			{"in_link", rfsRDONLY | rfsNOFOLLOW, experimentalsys.ELOOP},
			{"in_dir_link", rfsDIRECTORY | rfsNOFOLLOW, experimentalsys.ELOOP},
			{"loop1", rfsRDONLY, experimentalsys.ELOOP},
			{"in_dir_link/nested.txt", rfsRDONLY | rfsNOFOLLOW, 0}, // only the last component
			{"sub", rfsDIRECTORY, 0},
			{"sub/", rfsDIRECTORY, 0},
			{"in_dir_link", rfsDIRECTORY, 0},
			{".", rfsDIRECTORY, 0},
			{"/", rfsDIRECTORY, 0},
			{"", rfsDIRECTORY, 0},
			{"file.txt", rfsRDONLY | rfsNOFOLLOW, 0},
		} {
			f, errno := fsys.OpenFile(c.path, c.flag, 0o600)
			rfsErrno(t, fmt.Sprintf("OpenFile(%q, %#x)", c.path, c.flag), errno, c.want)
			if errno == 0 {
				f.Close()
			}
		}
		// A failed O_DIRECTORY|O_TRUNC open must not truncate.
		if _, errno := fsys.OpenFile("file.txt", rfsDIRECTORY|rfsTRUNC|rfsRDWR, 0); errno != experimentalsys.ENOTDIR {
			t.Errorf("O_DIRECTORY|O_TRUNC on a file: %v", errno)
		}
		if b, _ := os.ReadFile(host("file.txt")); string(b) != rfsFileText {
			t.Errorf("file.txt = %q after a refused open", b)
		}
	})

	t.Run("read write seek", func(t *testing.T) {
		f, errno := fsys.OpenFile("new.txt", rfsRDWR|rfsCREAT|rfsTRUNC, 0o640)
		if errno != 0 {
			t.Fatal(errno)
		}
		defer f.Close()
		if fi, err := os.Stat(host("new.txt")); err != nil || fi.Mode().Perm()&0o600 != 0o600 {
			t.Errorf("created %v, %v", fi, err)
		}
		if n, errno := f.Write([]byte("abc")); n != 3 || errno != 0 {
			t.Fatalf("Write: %d, %v", n, errno)
		}
		if n, errno := f.Pwrite([]byte("xy"), 5); n != 2 || errno != 0 {
			t.Fatalf("Pwrite: %d, %v", n, errno)
		}
		if off, errno := f.Seek(0, io.SeekCurrent); off != 3 || errno != 0 {
			t.Errorf("offset after Pwrite: %d, %v; want 3", off, errno)
		}
		if off, errno := f.Seek(-7, io.SeekEnd); off != 0 || errno != 0 {
			t.Fatalf("Seek: %d, %v", off, errno)
		}
		if got, errno := rfsReadAll(f); errno != 0 || got != "abc\x00\x00xy" {
			t.Errorf("read back %q, %v", got, errno)
		}
		buf := make([]byte, 4)
		if n, errno := f.Pread(buf, 1); n != 4 || errno != 0 || string(buf) != "bc\x00\x00" {
			t.Errorf("Pread: %d %q %v", n, buf, errno)
		}
		if n, errno := f.Pread(buf, 5); n != 2 || errno != 0 {
			t.Errorf("Pread at the end: %d, %v; want 2, 0", n, errno)
		}
		if _, errno := f.Seek(0, 3); errno != experimentalsys.EINVAL {
			t.Errorf("Seek whence 3: %v, want EINVAL", errno)
		}
		rfsErrno(t, "Truncate -1", f.Truncate(-1), experimentalsys.EINVAL)
		rfsErrno(t, "Truncate", f.Truncate(2), 0)
		st, errno := f.Stat()
		if errno != 0 || st.Size != 2 || !st.Mode.IsRegular() {
			t.Errorf("Stat: %+v, %v", st, errno)
		}
		if ino, _ := f.Ino(); ino != st.Ino || ino == 0 {
			t.Errorf("Ino %d, Stat Ino %d", ino, st.Ino)
		}
		if dev, _ := f.Dev(); dev != st.Dev {
			t.Errorf("Dev %d, Stat Dev %d", dev, st.Dev)
		}
		rfsErrno(t, "Sync", f.Sync(), 0)
		rfsErrno(t, "Datasync", f.Datasync(), 0)

		// Append mode, set at open and toggled later.
		if f.IsAppend() {
			t.Error("IsAppend without O_APPEND")
		}
		rfsErrno(t, "SetAppend(true)", f.SetAppend(true), 0)
		if !f.IsAppend() {
			t.Error("IsAppend after SetAppend(true)")
		}
		if _, errno := f.Seek(0, io.SeekStart); errno != 0 {
			t.Fatal(errno)
		}
		if _, errno := f.Write([]byte("Z")); errno != 0 {
			t.Fatal(errno)
		}
		if b, _ := os.ReadFile(host("new.txt")); string(b) != "abZ" {
			t.Errorf("after an append: %q", b)
		}
		if _, errno := f.Pwrite([]byte("!"), 0); errno == 0 {
			t.Error("Pwrite on an append-mode file succeeded, as DirFS it must fail")
		}
		rfsErrno(t, "SetAppend(false)", f.SetAppend(false), 0)
		if _, errno := f.Pwrite([]byte("A"), 0); errno != 0 {
			t.Errorf("Pwrite after SetAppend(false): %v", errno)
		}
		if b, _ := os.ReadFile(host("new.txt")); string(b) != "AbZ" {
			t.Errorf("after Pwrite: %q", b)
		}

		// Utimens on the open file.
		at, mt := int64(1_000_000_001), int64(2_000_000_002)
		rfsErrno(t, "File.Utimens", f.Utimens(at, mt), 0)
		if st, _ := f.Stat(); st.Atim != at || st.Mtim != mt {
			t.Errorf("times %d %d, want %d %d", st.Atim, st.Mtim, at, mt)
		}
		rfsErrno(t, "File.Utimens OMIT", f.Utimens(experimentalsys.UTIME_OMIT, 3_000_000_003), 0)
		if st, _ := f.Stat(); st.Atim != at || st.Mtim != 3_000_000_003 {
			t.Errorf("times %d %d, want %d %d", st.Atim, st.Mtim, at, 3_000_000_003)
		}

		// Read-only and write-only descriptors.
		r, errno := fsys.OpenFile("new.txt", rfsRDONLY, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		if _, errno := r.Write([]byte("x")); errno != experimentalsys.EBADF {
			t.Errorf("Write on O_RDONLY: %v, want EBADF", errno)
		}
		if _, errno := r.Readdir(1); errno != experimentalsys.EBADF {
			t.Errorf("Readdir on a file: %v, want EBADF", errno)
		}
		r.Close()
		if _, errno := r.Read(buf); errno != experimentalsys.EBADF {
			t.Errorf("Read after Close: %v, want EBADF", errno)
		}
		if _, errno := r.Write(buf); errno != experimentalsys.EBADF {
			t.Errorf("Write after Close: %v, want EBADF", errno)
		}
		rfsErrno(t, "Utimens after Close", r.Utimens(1, 1), experimentalsys.EBADF)
		w, errno := fsys.OpenFile("new.txt", rfsWRONLY, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		if _, errno := w.Read(buf); errno != experimentalsys.EBADF {
			t.Errorf("Read on O_WRONLY: %v, want EBADF", errno)
		}
		w.Close()
	})

	t.Run("replaced while open", func(t *testing.T) {
		// Operations that go through the path again (os.File cannot do
		// them on the descriptor) must notice the path now names another
		// file, and leave that file alone.
		if err := os.WriteFile(host("victim.txt"), []byte("victim"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, errno := fsys.OpenFile("victim.txt", rfsRDWR, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		defer f.Close()
		if err := os.WriteFile(host("other.txt"), []byte("other"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(host("other.txt"), rfsOldTime, rfsOldTime); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(host("other.txt"), host("victim.txt")); err != nil {
			t.Fatal(err)
		}
		rfsErrno(t, "SetAppend", f.SetAppend(true), experimentalsys.ENOENT)
		if f.IsAppend() {
			t.Error("IsAppend after a failed SetAppend")
		}
		rfsErrno(t, "File.Utimens", f.Utimens(1e9, 1e9), experimentalsys.ENOENT)
		if fi, err := os.Stat(host("victim.txt")); err != nil || !fi.ModTime().Equal(rfsOldTime) {
			t.Errorf("the file now at the path was touched: %v, %v", fi, err)
		}
		// The open file itself is still usable.
		if n, errno := f.Pwrite([]byte("V"), 0); n != 1 || errno != 0 {
			t.Errorf("Pwrite: %d, %v", n, errno)
		}

		// A directory removed while open: Readdir reports it.
		if err := os.Mkdir(host("gone"), 0o755); err != nil {
			t.Fatal(err)
		}
		d, errno := fsys.OpenFile("gone", rfsDIRECTORY, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		defer d.Close()
		if err := os.Remove(host("gone")); err != nil {
			t.Fatal(err)
		}
		if _, errno := d.Readdir(-1); errno != experimentalsys.ENOENT {
			t.Errorf("Readdir of a removed directory: %v, want ENOENT", errno)
		}
	})

	t.Run("nonblock", func(t *testing.T) {
		f, errno := fsys.OpenFile("file.txt", rfsRDONLY, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		defer f.Close()
		pf, ok := f.(experimentalsys.PollableFile)
		if !ok {
			t.Fatal("not a PollableFile")
		}
		rfsErrno(t, "SetNonblock", pf.SetNonblock(true), 0)
		if !pf.IsNonblock() {
			t.Error("IsNonblock after SetNonblock(true)")
		}
		if ready, errno := pf.Poll(experimentalsys.POLLIN, 0); !ready || errno != 0 {
			t.Errorf("Poll = %v, %v", ready, errno)
		}
		if got, errno := rfsReadAll(f); got != rfsFileText || errno != 0 {
			t.Errorf("read %q, %v", got, errno)
		}
	})

	t.Run("path operations", func(t *testing.T) {
		for _, c := range []struct {
			name string
			op   func() experimentalsys.Errno
			want experimentalsys.Errno
		}{
			{"Mkdir", func() experimentalsys.Errno { return fsys.Mkdir("made", 0o750) }, 0},
			{"Mkdir nested", func() experimentalsys.Errno { return fsys.Mkdir("/made/deeper/", 0o750) }, 0},
			{"Mkdir existing", func() experimentalsys.Errno { return fsys.Mkdir("made", 0o750) }, experimentalsys.EEXIST},
			{"Mkdir under a file", func() experimentalsys.Errno { return fsys.Mkdir("file.txt/x", 0o750) }, experimentalsys.ENOENT},
			{"Mkdir no parent", func() experimentalsys.Errno { return fsys.Mkdir("nope/x", 0o750) }, experimentalsys.ENOENT},
			{"Mkdir through in_dir_link", func() experimentalsys.Errno { return fsys.Mkdir("in_dir_link/viaLink", 0o750) }, 0},
			{"Rmdir a file", func() experimentalsys.Errno { return fsys.Rmdir("file.txt") }, experimentalsys.ENOTDIR},
			{"Rmdir a link to a dir", func() experimentalsys.Errno { return fsys.Rmdir("in_dir_link") }, experimentalsys.ENOTDIR},
			{"Rmdir not empty", func() experimentalsys.Errno { return fsys.Rmdir("made") }, experimentalsys.ENOTEMPTY},
			{"Rmdir missing", func() experimentalsys.Errno { return fsys.Rmdir("nope") }, experimentalsys.ENOENT},
			{"Rmdir", func() experimentalsys.Errno { return fsys.Rmdir("made/deeper/") }, 0},
			{"Rmdir the root", func() experimentalsys.Errno { return fsys.Rmdir(".") }, experimentalsys.EINVAL},
			{"Unlink a dir", func() experimentalsys.Errno { return fsys.Unlink("made") }, experimentalsys.EISDIR},
			{"Unlink missing", func() experimentalsys.Errno { return fsys.Unlink("nope") }, experimentalsys.ENOENT},
			{"Unlink file/", func() experimentalsys.Errno { return fsys.Unlink("file.txt/") }, experimentalsys.ENOTDIR},
			{"Link", func() experimentalsys.Errno { return fsys.Link("file.txt", "hard.txt") }, 0},
			{"Link existing", func() experimentalsys.Errno { return fsys.Link("file.txt", "hard.txt") }, experimentalsys.EEXIST},
			{"Link missing", func() experimentalsys.Errno { return fsys.Link("nope", "hard2.txt") }, experimentalsys.ENOENT},
			{"Symlink", func() experimentalsys.Errno { return fsys.Symlink("sub/nested.txt", "soft") }, 0},
			{"Symlink existing", func() experimentalsys.Errno { return fsys.Symlink("x", "soft") }, experimentalsys.EEXIST},
			{"Unlink a link", func() experimentalsys.Errno { return fsys.Unlink("in_link") }, 0},
			{"Unlink a link to a dir", func() experimentalsys.Errno { return fsys.Unlink("in_dir_link") }, 0},
			{"Rename file", func() experimentalsys.Errno { return fsys.Rename("hard.txt", "renamed.txt") }, 0},
			{"Rename same", func() experimentalsys.Errno { return fsys.Rename("renamed.txt", "renamed.txt") }, 0},
			{"Rename file over file", func() experimentalsys.Errno { return fsys.Rename("renamed.txt", "sub/nested.txt") }, 0},
			{"Rename file onto dir", func() experimentalsys.Errno { return fsys.Rename("file.txt", "empty") }, experimentalsys.EISDIR},
			{"Rename dir onto file", func() experimentalsys.Errno { return fsys.Rename("empty", "file.txt") }, experimentalsys.ENOTDIR},
			{"Rename dir onto non-empty dir", func() experimentalsys.Errno { return fsys.Rename("empty", "sub") }, experimentalsys.ENOTEMPTY},
			{"Mkdir made/inner", func() experimentalsys.Errno { return fsys.Mkdir("made/inner", 0o750) }, 0},
			{"Rename dir into itself", func() experimentalsys.Errno { return fsys.Rename("made", "made/inner") }, experimentalsys.EINVAL},
			{"Stat made/inner", func() experimentalsys.Errno { _, e := fsys.Stat("made/inner"); return e }, 0}, // put back
			{"Rename dir onto empty dir", func() experimentalsys.Errno { return fsys.Rename("made", "empty") }, 0},
			{"Rename missing", func() experimentalsys.Errno { return fsys.Rename("nope", "x") }, experimentalsys.ENOENT},
			{"Chmod", func() experimentalsys.Errno { return fsys.Chmod("file.txt", 0o400) }, 0},
			{"Chmod missing", func() experimentalsys.Errno { return fsys.Chmod("nope", 0o400) }, experimentalsys.ENOENT},
			{"Utimens", func() experimentalsys.Errno { return fsys.Utimens("file.txt", 5_000_000_005, 6_000_000_006) }, 0},
			{"Utimens missing", func() experimentalsys.Errno { return fsys.Utimens("nope", 1, 1) }, experimentalsys.ENOENT},
			{"Utimens all OMIT", func() experimentalsys.Errno {
				return fsys.Utimens("nope", experimentalsys.UTIME_OMIT, experimentalsys.UTIME_OMIT)
			}, 0},
			{"Readlink not a link", func() experimentalsys.Errno { _, e := fsys.Readlink("file.txt"); return e }, experimentalsys.EINVAL},
			{"Readlink missing", func() experimentalsys.Errno { _, e := fsys.Readlink("nope"); return e }, experimentalsys.ENOENT},
			{"Stat missing", func() experimentalsys.Errno { _, e := fsys.Stat("nope"); return e }, experimentalsys.ENOENT},
			{"Lstat missing", func() experimentalsys.Errno { _, e := fsys.Lstat("nope"); return e }, experimentalsys.ENOENT},
		} {
			rfsErrno(t, c.name, c.op(), c.want)
		}
		st, errno := fsys.Stat("file.txt") // before the snapshot reads it
		if errno != 0 || st.Nlink != 2 || st.Atim != 5_000_000_005 || st.Mtim != 6_000_000_006 {
			t.Errorf("Stat(file.txt) = %+v, %v", st, errno)
		}
		// The results on the host.
		snap := rfsSnapshot(t, tr.mnt, nil)
		for name, want := range map[string]string{
			"sub/nested.txt": rfsFileText, // renamed over
			"soft":           "sub/nested.txt",
		} {
			if snap[name].content != want {
				t.Errorf("%s = %q, want %q", name, snap[name].content, want)
			}
		}
		for _, gone := range []string{"made", "hard.txt", "renamed.txt", "in_link", "in_dir_link", "made/deeper"} {
			if _, ok := snap[gone]; ok {
				t.Errorf("%s still exists", gone)
			}
		}
		for _, dir := range []string{"empty/inner", "sub/viaLink"} {
			if e, ok := snap[dir]; !ok || !e.mode.IsDir() {
				t.Errorf("%s: %v %v", dir, e, ok)
			}
		}
		if _, ok := snap["sub"]; !ok {
			t.Error("sub is gone")
		}
		if m := snap["file.txt"].mode; m.Perm() != 0o400 {
			t.Errorf("file.txt mode %v, want 0400", m)
		}
		if mt := snap["file.txt"].mtime; mt.UnixNano() != 6_000_000_006 {
			t.Errorf("file.txt mtime %v", mt)
		}
		if dst, errno := fsys.Readlink("soft"); dst != "sub/nested.txt" || errno != 0 {
			t.Errorf("Readlink(soft) = %q, %v", dst, errno)
		}
	})
}

// TestRootFSReadOnly checks that a read-only file system refuses every write
// and changes nothing, while reads work.
func TestRootFSReadOnly(t *testing.T) {
	tr := newRFSTree(t, true)
	before := rfsSnapshot(t, tr.mnt, nil)
	fsys := newTestRootFS(t, tr.mnt, true)

	for _, c := range []struct {
		path string
		flag experimentalsys.Oflag
		want experimentalsys.Errno
	}{
		{"file.txt", rfsWRONLY, experimentalsys.EROFS},
		{"file.txt", rfsRDWR, experimentalsys.EROFS},
		{"file.txt", rfsWRONLY | rfsAPPEND, experimentalsys.EROFS},
		{"file.txt", rfsRDONLY | rfsTRUNC, experimentalsys.EROFS},
		{"file.txt", rfsRDWR | rfsCREAT | rfsTRUNC, experimentalsys.EROFS},
		{"new.txt", rfsRDONLY | rfsCREAT, experimentalsys.EROFS},
		{"new.txt", rfsRDWR | rfsCREAT, experimentalsys.EROFS},
		{"new.txt", rfsWRONLY, experimentalsys.EROFS},
		{"dangle_in", rfsRDONLY | rfsCREAT, experimentalsys.EROFS},
		{"file.txt", rfsRDONLY | rfsCREAT | rfsEXCL, experimentalsys.EEXIST},
		{"sub", rfsDIRECTORY | rfsRDWR, experimentalsys.EISDIR},
		{"file.txt", rfsDIRECTORY | rfsRDWR, experimentalsys.ENOTDIR},
		{"new.txt", rfsRDONLY, experimentalsys.ENOENT},
		{"file.txt", rfsRDONLY, 0},
		{"file.txt", rfsRDONLY | rfsCREAT, 0}, // exists: nothing to create
		{"file.txt", rfsRDONLY | rfsAPPEND, 0},
		{"in_link", rfsRDONLY, 0},
		{"sub", rfsDIRECTORY, 0},
	} {
		f, errno := fsys.OpenFile(c.path, c.flag, 0o600)
		rfsErrno(t, fmt.Sprintf("OpenFile(%q, %#x)", c.path, c.flag), errno, c.want)
		if errno == 0 {
			f.Close()
		}
	}
	for _, c := range []struct {
		name string
		op   func() experimentalsys.Errno
	}{
		{"Mkdir", func() experimentalsys.Errno { return fsys.Mkdir("made", 0o755) }},
		{"Chmod", func() experimentalsys.Errno { return fsys.Chmod("file.txt", 0o777) }},
		{"Rename", func() experimentalsys.Errno { return fsys.Rename("file.txt", "moved.txt") }},
		{"Rmdir", func() experimentalsys.Errno { return fsys.Rmdir("empty") }},
		{"Unlink", func() experimentalsys.Errno { return fsys.Unlink("file.txt") }},
		{"Unlink link", func() experimentalsys.Errno { return fsys.Unlink("rel_link") }},
		{"Link", func() experimentalsys.Errno { return fsys.Link("file.txt", "hard.txt") }},
		{"Symlink", func() experimentalsys.Errno { return fsys.Symlink("file.txt", "soft") }},
		{"Utimens", func() experimentalsys.Errno { return fsys.Utimens("file.txt", 1, 1) }},
	} {
		rfsErrno(t, c.name, c.op(), experimentalsys.EROFS)
	}

	f, errno := fsys.OpenFile("file.txt", rfsRDONLY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer f.Close()
	if got, errno := rfsReadAll(f); got != rfsFileText || errno != 0 {
		t.Errorf("read %q, %v", got, errno)
	}
	if _, errno := f.Write([]byte("x")); errno != experimentalsys.EBADF {
		t.Errorf("Write: %v, want EBADF", errno)
	}
	if _, errno := f.Pwrite([]byte("x"), 0); errno != experimentalsys.EBADF {
		t.Errorf("Pwrite: %v, want EBADF", errno)
	}
	rfsErrno(t, "Truncate", f.Truncate(0), experimentalsys.EBADF)
	rfsErrno(t, "File.Utimens", f.Utimens(1, 1), experimentalsys.EROFS)
	rfsErrno(t, "Sync", f.Sync(), 0)
	rfsErrno(t, "Datasync", f.Datasync(), 0)
	rfsErrno(t, "SetAppend", f.SetAppend(true), 0)
	if _, errno := f.Write([]byte("x")); errno != experimentalsys.EBADF {
		t.Errorf("Write after SetAppend: %v, want EBADF", errno)
	}
	d, errno := fsys.OpenFile("sub", rfsDIRECTORY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()
	if dirents, errno := d.Readdir(-1); errno != 0 || len(dirents) != 3 {
		t.Errorf("Readdir: %v, %v", rfsNames(dirents), errno)
	}
	if _, errno := d.Write([]byte("x")); errno != experimentalsys.EISDIR {
		t.Errorf("Write on a directory: %v, want EISDIR", errno)
	}

	after := rfsSnapshot(t, tr.mnt, nil)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("the read-only mount changed:\nbefore %v\n after %v", before, after)
	}
}

// TestRootFSNewRootFS covers the constructor.
func TestRootFSNewRootFS(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(filepath.Join(dir, "missing"), false); err == nil {
		t.Error("newRootFS of a missing directory succeeded")
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(file, false); err == nil {
		t.Error("newRootFS of a file succeeded")
	}
	fsys, err := New(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(fsys); s != dir {
		t.Errorf("String() = %q, want %q", s, dir)
	}
	f, errno := fsys.OpenFile("file", rfsRDWR, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if err := fsys.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	// Files open before Close stay usable; path operations fail.
	if _, errno := f.Write([]byte("still")); errno != 0 {
		t.Errorf("Write after the FS closed: %v", errno)
	}
	f.Close()
	if _, errno := fsys.OpenFile("file", rfsRDONLY, 0); errno != experimentalsys.EBADF {
		t.Errorf("OpenFile after Close: %v, want EBADF", errno)
	}
	if _, errno := fsys.Stat("file"); errno != experimentalsys.EBADF {
		t.Errorf("Stat after Close: %v, want EBADF", errno)
	}
}

// TestRootFSMatchesDirFS runs the same script of operations on two copies of
// a tree without escaping links, one through wazero's DirFS and one through
// newRootFS, and requires the same results and errnos.
func TestRootFSMatchesDirFS(t *testing.T) {
	type step struct {
		name string
		op   func(fsys experimentalsys.FS) (string, experimentalsys.Errno)
	}
	open := func(path string, flag experimentalsys.Oflag, then func(f experimentalsys.File) (string, experimentalsys.Errno)) func(experimentalsys.FS) (string, experimentalsys.Errno) {
		return func(fsys experimentalsys.FS) (string, experimentalsys.Errno) {
			f, errno := fsys.OpenFile(path, flag, 0o644)
			if errno != 0 {
				return "", errno
			}
			defer f.Close()
			if then == nil {
				return "opened", 0
			}
			return then(f)
		}
	}
	readAll := func(f experimentalsys.File) (string, experimentalsys.Errno) { return rfsReadAll(f) }
	stat := func(st sys.Stat_t, errno experimentalsys.Errno) (string, experimentalsys.Errno) {
		if errno != 0 {
			return "", errno
		}
		size := st.Size
		if st.Mode.IsDir() {
			size = 0 // file system dependent
		}
		return fmt.Sprintf("mode=%v size=%d nlink=%d", st.Mode, size, st.Nlink), 0
	}
	errOnly := func(f func(fsys experimentalsys.FS) experimentalsys.Errno) func(experimentalsys.FS) (string, experimentalsys.Errno) {
		return func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return "", f(fsys) }
	}
	listDir := func(f experimentalsys.File) (string, experimentalsys.Errno) {
		d, errno := f.Readdir(-1)
		var s []string
		for _, e := range d {
			s = append(s, fmt.Sprintf("%s:%v", e.Name, e.Type))
		}
		slices.Sort(s)
		return strings.Join(s, ","), errno
	}
	steps := []step{
		{"open missing", open("missing.txt", rfsRDONLY, nil)},
		{"read file", open("file.txt", rfsRDONLY, readAll)},
		{"read /file", open("/file.txt", rfsRDONLY, readAll)},
		{"excl existing", open("file.txt", rfsRDWR|rfsCREAT|rfsEXCL, nil)},
		{"excl dangling", open("dangle_in", rfsRDWR|rfsCREAT|rfsEXCL, nil)},
		{"directory on a file", open("file.txt", rfsDIRECTORY, nil)},
		{"file/", open("file.txt/", rfsRDONLY, nil)},
		{"file/x", open("file.txt/x", rfsRDONLY, nil)},
		{"dir for writing", open("sub", rfsRDWR, nil)},
		{"dir write-only", open("sub", rfsWRONLY, nil)},
		{"dir O_DIRECTORY", open("sub", rfsDIRECTORY, listDir)},
		{"dir O_RDONLY", open("sub", rfsRDONLY, listDir)},
		{"root", open(".", rfsRDONLY, listDir)},
		{"dir link", open("in_dir_link", rfsDIRECTORY, listDir)},
		{"read in_link", open("in_link", rfsRDONLY, readAll)},
		{"read up_link", open("sub/up_link", rfsRDONLY, readAll)},
		{"read via dir link", open("in_dir_link/nested.txt", rfsRDONLY, readAll)},
		{"nofollow link", open("in_link", rfsRDONLY|rfsNOFOLLOW, nil)},
		{"nofollow file", open("file.txt", rfsRDONLY|rfsNOFOLLOW, readAll)},
		{"nofollow mid", open("in_dir_link/nested.txt", rfsRDONLY|rfsNOFOLLOW, readAll)},
		{"loop", open("loop1", rfsRDONLY, nil)},
		{"dangling read", open("dangle_in", rfsRDONLY, nil)},
		{"read a dir", open("sub", rfsRDONLY, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			n, errno := f.Read(make([]byte, 4))
			return fmt.Sprint(n), errno
		})},
		{"readdir a file", open("file.txt", rfsRDONLY, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			_, errno := f.Readdir(1)
			return "", errno
		})},
		{"write O_RDONLY", open("file.txt", rfsRDONLY, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			n, errno := f.Write([]byte("x"))
			return fmt.Sprint(n), errno
		})},
		{"truncate a dir", open("sub", rfsRDONLY, func(f experimentalsys.File) (string, experimentalsys.Errno) { return "", f.Truncate(0) })},
		{"seek a dir", open("sub", rfsRDONLY, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			off, errno := f.Seek(0, io.SeekStart)
			return fmt.Sprint(off), errno
		})},
		{"stat file", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("file.txt")) }},
		{"stat dir", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("sub")) }},
		{"stat link", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("in_link")) }},
		{"lstat link", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Lstat("in_link")) }},
		{"lstat dangling", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Lstat("dangle_in")) }},
		{"stat dangling", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("dangle_in")) }},
		{"stat loop", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("loop1")) }},
		{"stat missing", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("missing")) }},
		{"stat file/", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("file.txt/")) }},
		{"stat root", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("/")) }},
		{"create", open("new.txt", rfsRDWR|rfsCREAT|rfsTRUNC, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			if _, errno := f.Write([]byte("abc")); errno != 0 {
				return "", errno
			}
			if _, errno := f.Pwrite([]byte("xy"), 5); errno != 0 {
				return "", errno
			}
			if _, errno := f.Seek(0, io.SeekStart); errno != 0 {
				return "", errno
			}
			s, errno := rfsReadAll(f)
			if errno != 0 {
				return s, errno
			}
			errno = f.Truncate(4)
			st, _ := f.Stat()
			return fmt.Sprintf("%q size=%d append=%v", s, st.Size, f.IsAppend()), errno
		})},
		{"append", open("new.txt", rfsWRONLY|rfsAPPEND, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			n, errno := f.Write([]byte("Z"))
			_, perrno := f.Pwrite([]byte("Q"), 0)
			return fmt.Sprintf("n=%d pwrite=%v append=%v", n, perrno, f.IsAppend()), errno
		})},
		{"set append", open("new.txt", rfsRDWR, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			if errno := f.SetAppend(true); errno != 0 {
				return "", errno
			}
			if _, errno := f.Write([]byte("!")); errno != 0 {
				return "", errno
			}
			if errno := f.SetAppend(false); errno != 0 {
				return "", errno
			}
			_, errno := f.Pwrite([]byte("A"), 0)
			return fmt.Sprint(f.IsAppend()), errno
		})},
		{"read new", open("new.txt", rfsRDONLY, readAll)},
		{"create through dangling", open("dangle_in", rfsRDWR|rfsCREAT, nil)},
		{"stat created", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("nothere.txt")) }},
		{"mkdir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("made", 0o755) })},
		{"mkdir existing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("made", 0o755) })},
		{"mkdir existing file", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("file.txt", 0o755) })},
		{"mkdir under file", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("file.txt/x", 0o755) })},
		{"mkdir no parent", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("a/b", 0o755) })},
		{"mkdir in made", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("made/in", 0o755) })},
		{"rmdir file", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rmdir("file.txt") })},
		{"rmdir not empty", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rmdir("made") })},
		{"rmdir missing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rmdir("missing") })},
		{"rmdir link", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rmdir("in_dir_link") })},
		{"rmdir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rmdir("made/in") })},
		{"unlink dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Unlink("sub") })},
		{"unlink missing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Unlink("missing") })},
		{"link", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("file.txt", "hard.txt") })},
		{"link existing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("file.txt", "hard.txt") })},
		{"link onto dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("file.txt", "sub") })},
		{"link missing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("missing", "hard2.txt") })},
		{"link a dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("sub", "hardsub") })},
		{"nlink", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("hard.txt")) }},
		{"symlink", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("file.txt", "soft") })},
		{"symlink existing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("x", "soft") })},
		{"symlink absolute", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("/etc/passwd", "abs") })},
		{"readlink", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return fsys.Readlink("soft") }},
		{"readlink file", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return fsys.Readlink("file.txt") }},
		{"readlink missing", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return fsys.Readlink("missing") }},
		{"unlink link", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Unlink("soft") })},
		{"unlink link to dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Unlink("in_dir_link") })},
		{"rename", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("hard.txt", "renamed.txt") })},
		{"rename same", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("renamed.txt", "renamed.txt") })},
		{"rename over file", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("renamed.txt", "new.txt") })},
		{"rename file onto dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("file.txt", "empty") })},
		{"rename dir onto file", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("empty", "file.txt") })},
		{"rename dir onto full dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("empty", "sub") })},
		{"rename dir onto empty dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("made", "empty") })},
		{"rename missing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("missing", "x") })},
		{"rename into missing dir", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename("new.txt", "nodir/x") })},
		{"chmod", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Chmod("new.txt", 0o600) })},
		{"chmod missing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Chmod("missing", 0o600) })},
		{"mode", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) { return stat(fsys.Stat("new.txt")) }},
		{"utimens", func(fsys experimentalsys.FS) (string, experimentalsys.Errno) {
			if errno := fsys.Utimens("new.txt", 1_000_000_001, 2_000_000_002); errno != 0 {
				return "", errno
			}
			if errno := fsys.Utimens("new.txt", experimentalsys.UTIME_OMIT, 3_000_000_003); errno != 0 {
				return "", errno
			}
			st, errno := fsys.Stat("new.txt")
			return fmt.Sprint(st.Atim, st.Mtim), errno
		}},
		{"utimens missing", errOnly(func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Utimens("missing", 1, 1) })},
		{"file utimens", open("new.txt", rfsRDWR, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			if errno := f.Utimens(4_000_000_004, experimentalsys.UTIME_OMIT); errno != 0 {
				return "", errno
			}
			st, errno := f.Stat()
			return fmt.Sprint(st.Atim, st.Mtim), errno
		})},
		{"rewind dir", open(".", rfsRDONLY, func(f experimentalsys.File) (string, experimentalsys.Errno) {
			first, errno := listDir(f)
			if errno != 0 {
				return "", errno
			}
			if _, errno := f.Seek(0, io.SeekStart); errno != 0 {
				return "", errno
			}
			second, errno := listDir(f)
			return fmt.Sprint(first == second, " ", second), errno
		})},
		{"final tree", open(".", rfsDIRECTORY, listDir)},
	}

	dirTree, rootTree := newRFSTree(t, false), newRFSTree(t, false)
	dirFS := sysfs.DirFS(dirTree.mnt)
	rootFS := newTestRootFS(t, rootTree.mnt, false)
	for _, s := range steps {
		want, wantErrno := s.op(dirFS)
		got, gotErrno := s.op(rootFS)
		if got != want || gotErrno != wantErrno {
			t.Errorf("%s:\n DirFS  %q, %v\n rootFS %q, %v", s.name, want, wantErrno, got, gotErrno)
		}
	}
	// And the host trees end up the same.
	clean := func(m map[string]rfsEntry) string {
		var s []string
		for name, e := range m {
			if e.mode.IsDir() {
				e.mtime = time.Time{}
			}
			s = append(s, fmt.Sprintf("%s %v %q", name, e.mode, e.content))
		}
		slices.Sort(s)
		return strings.Join(s, "\n")
	}
	if a, b := clean(rfsSnapshot(t, dirTree.mnt, nil)), clean(rfsSnapshot(t, rootTree.mnt, nil)); a != b {
		t.Errorf("host trees differ:\nDirFS:\n%s\nrootFS:\n%s", a, b)
	}
}

// testdata/guest.wat is a WASI guest that exports a wrapper of each WASI
// function it imports, so the test can drive wazero's WASI layer with the
// attacks a plug-in would make; testdata/guest.wasm is its build
// (scripts/gen-wasm.sh).

// rfsGuest drives one instance of testdata/guest.wasm with a file system at /mnt.
type rfsGuest struct {
	t   *testing.T
	ctx context.Context
	mod api.Module
}

// Memory layout of the driver: 0 opened fd, 8 iovec, 16 count, 64 path 1,
// 512 path 2, 1024 data.
const (
	rfsFdPtr    = 0
	rfsIovPtr   = 8
	rfsCountPtr = 16
	rfsPath1    = 64
	rfsPath2    = 512
	rfsDataPtr  = 1024
	rfsPreopen  = 3 // the first pre-opened directory

	rfsLookupFollow = 1
	rfsOCreat       = 1
	rfsODirectory   = 2
	rfsOTrunc       = 8
	rfsFdflagAppend = 1
	rfsRightRead    = 1 << 1
	rfsRightWrite   = 1 << 6
)

// rfsAssemble returns testdata/guest.wasm, the committed build of
// testdata/guest.wat (CI checks that they match).
func rfsAssemble(t *testing.T) []byte {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join("testdata", "guest.wasm"))
	if err != nil {
		t.Fatalf("%v (scripts/gen-wasm.sh builds it)", err)
	}
	return bin
}

func newRFSGuest(t *testing.T, fsys experimentalsys.FS) *rfsGuest {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cfg := wazero.NewModuleConfig().WithName("guest").
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/mnt"))
	mod, err := rt.InstantiateWithConfig(ctx, rfsAssemble(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rfsGuest{t: t, ctx: ctx, mod: mod}
}

func (g *rfsGuest) call(name string, params ...uint64) uint32 {
	g.t.Helper()
	res, err := g.mod.ExportedFunction(name).Call(g.ctx, params...)
	if err != nil {
		g.t.Fatalf("%s: %v", name, err)
	}
	return uint32(res[0])
}

func (g *rfsGuest) put(ptr uint32, b []byte) {
	g.t.Helper()
	if !g.mod.Memory().Write(ptr, b) {
		g.t.Fatal("memory write out of range")
	}
}

// open is path_open relative to /mnt; it returns the fd and the WASI errno.
func (g *rfsGuest) open(path string, oflags uint64, rights uint64, fdflags uint64) (uint32, uint32) {
	g.t.Helper()
	g.put(rfsPath1, []byte(path))
	errno := g.call("path_open", rfsPreopen, rfsLookupFollow, rfsPath1, uint64(len(path)), oflags, rights, 0, fdflags, rfsFdPtr)
	fd, _ := g.mod.Memory().ReadUint32Le(rfsFdPtr)
	return fd, errno
}

// read reads up to 256 bytes from fd.
func (g *rfsGuest) read(fd uint32) (string, uint32) {
	g.t.Helper()
	mem := g.mod.Memory()
	mem.WriteUint32Le(rfsIovPtr, rfsDataPtr)
	mem.WriteUint32Le(rfsIovPtr+4, 256)
	errno := g.call("fd_read", uint64(fd), rfsIovPtr, 1, rfsCountPtr)
	n, _ := mem.ReadUint32Le(rfsCountPtr)
	b, _ := mem.Read(rfsDataPtr, n)
	return string(b), errno
}

func (g *rfsGuest) write(fd uint32, s string) uint32 {
	g.t.Helper()
	mem := g.mod.Memory()
	g.put(rfsDataPtr, []byte(s))
	mem.WriteUint32Le(rfsIovPtr, rfsDataPtr)
	mem.WriteUint32Le(rfsIovPtr+4, uint32(len(s)))
	return g.call("fd_write", uint64(fd), rfsIovPtr, 1, rfsCountPtr)
}

func (g *rfsGuest) symlink(target, link string) uint32 {
	g.t.Helper()
	g.put(rfsPath1, []byte(target))
	g.put(rfsPath2, []byte(link))
	return g.call("path_symlink", rfsPath1, uint64(len(target)), rfsPreopen, rfsPath2, uint64(len(link)))
}

// readFile opens path for reading and reads it, returning the first errno.
func (g *rfsGuest) readFile(path string) (string, uint32) {
	g.t.Helper()
	fd, errno := g.open(path, 0, rfsRightRead, 0)
	if errno != 0 {
		return "", errno
	}
	defer g.call("fd_close", uint64(fd))
	return g.read(fd)
}

// writeFile opens path with oflags and fdflags and writes s.
func (g *rfsGuest) writeFile(path string, oflags, fdflags uint64, s string) uint32 {
	g.t.Helper()
	fd, errno := g.open(path, oflags, rfsRightRead|rfsRightWrite, fdflags)
	if errno != 0 {
		return errno
	}
	defer g.call("fd_close", uint64(fd))
	return g.write(fd, s)
}

// WASI errno values (wasip1), as the guest sees them.
const (
	rfsWasiEBADF = 8
	rfsWasiELOOP = 32
	rfsWasiEPERM = 63
	rfsWasiEROFS = 69
)

// TestRootFSWASI mounts the file system into a real WASI guest through
// wazero's WASI layer and makes the attacks of a hostile plug-in. The same
// guest on wazero's DirFS, on a throw-away copy, shows that the attacks are
// real.
func TestRootFSWASI(t *testing.T) {
	t.Run("DirFS is vulnerable", func(t *testing.T) {
		parent := t.TempDir()
		mnt := filepath.Join(parent, "mnt")
		if err := os.MkdirAll(mnt, 0o755); err != nil {
			t.Fatal(err)
		}
		secret := filepath.Join(parent, "secret.txt")
		if err := os.WriteFile(secret, []byte(rfsSecretText), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../secret.txt", filepath.Join(mnt, "rel_link")); err != nil {
			t.Fatal(err)
		}
		g := newRFSGuest(t, sysfs.DirFS(mnt))
		if got, errno := g.readFile("rel_link"); errno != 0 || got != rfsSecretText {
			t.Fatalf("DirFS control: read %q, errno %d; the attack should work on DirFS", got, errno)
		}
		if errno := g.symlink("../secret.txt", "evil"); errno != 0 {
			t.Fatalf("path_symlink: %d", errno)
		}
		if errno := g.writeFile("evil", rfsOTrunc, 0, "pwned"); errno != 0 {
			t.Fatalf("DirFS control: write errno %d", errno)
		}
		if b, _ := os.ReadFile(secret); string(b) != "pwned" {
			t.Fatalf("DirFS control: secret %q", b)
		}
	})

	t.Run("ReadFS is not read-only", func(t *testing.T) {
		// wazero's read-only mount (ReadFS over DirFS) only vets the access
		// mode: path_open with O_TRUNC or O_CREAT and only the read right
		// truncates or creates.
		mnt := t.TempDir()
		if err := os.WriteFile(filepath.Join(mnt, "file.txt"), []byte(rfsFileText), 0o644); err != nil {
			t.Fatal(err)
		}
		g := newRFSGuest(t, &sysfs.ReadFS{FS: sysfs.DirFS(mnt)})
		if _, errno := g.open("file.txt", rfsOTrunc, rfsRightRead, 0); errno != 0 {
			t.Fatalf("ReadFS control: O_TRUNC errno %d", errno)
		}
		if b, _ := os.ReadFile(filepath.Join(mnt, "file.txt")); len(b) != 0 {
			t.Fatalf("ReadFS control: file.txt = %q, want it truncated", b)
		}
		if _, errno := g.open("new.txt", rfsOCreat, rfsRightRead, 0); errno != 0 {
			t.Fatalf("ReadFS control: O_CREAT errno %d", errno)
		}
	})

	for _, readOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("rootFS readOnly=%v", readOnly), func(t *testing.T) {
			tr := newRFSTree(t, true)
			g := newRFSGuest(t, newTestRootFS(t, tr.mnt, readOnly))

			// Ordinary reads work, through inside links too.
			for _, p := range []string{"file.txt", "in_link", "sub/up_link", "in_dir_link/../file.txt"} {
				if got, errno := g.readFile(p); errno != 0 || got != rfsFileText {
					t.Errorf("read %s: %q, errno %d", p, got, errno)
				}
			}
			// Reads and writes through links leading outside fail.
			for _, p := range []string{"abs_link", "rel_link", "chain1", "sub/deep_link", "dir_link/inner.txt", "abs_dir_link/inner.txt"} {
				if got, errno := g.readFile(p); errno != rfsWasiEPERM {
					t.Errorf("read %s: %q, errno %d; want EPERM (%d)", p, got, errno, rfsWasiEPERM)
				}
				for _, w := range []struct{ oflags, fdflags uint64 }{{0, 0}, {rfsOTrunc, 0}, {0, rfsFdflagAppend}, {rfsOCreat, 0}} {
					want := uint32(rfsWasiEPERM)
					if readOnly {
						want = rfsWasiEROFS
					}
					if errno := g.writeFile(p, w.oflags, w.fdflags, "pwned"); errno != want {
						t.Errorf("write %s (oflags %d, fdflags %d): errno %d, want %d", p, w.oflags, w.fdflags, errno, want)
					}
				}
			}
			if _, errno := g.open("dir_link", rfsODirectory, rfsRightRead, 0); errno != rfsWasiEPERM {
				t.Errorf("open dir_link as a directory: errno %d, want EPERM", errno)
			}
			// path_filestat_set_times through an escaping link.
			g.put(rfsPath1, []byte("rel_link"))
			const setAtim, setMtim = 1, 4
			if errno := g.call("path_filestat_set_times", rfsPreopen, rfsLookupFollow, rfsPath1, uint64(len("rel_link")), 0, 0, setAtim|setMtim); errno == 0 {
				t.Error("path_filestat_set_times through rel_link succeeded")
			}
			// "../" and absolute paths stay refused by wazero's WASI layer.
			for _, p := range []string{"../secret.txt", "/etc/passwd", "sub/../../secret.txt"} {
				if _, errno := g.readFile(p); errno == 0 {
					t.Errorf("read %s succeeded", p)
				}
			}

			// A link the guest makes.
			errno := g.symlink("../secret.txt", "evil")
			if readOnly {
				if errno != rfsWasiEROFS {
					t.Errorf("path_symlink on a read-only mount: errno %d, want EROFS", errno)
				}
				if errno := g.writeFile("file.txt", 0, rfsFdflagAppend, "x"); errno != rfsWasiEROFS {
					t.Errorf("write file.txt on a read-only mount: errno %d, want EROFS", errno)
				}
				// Unlike ReadFS, truncating or creating with only the read
				// right fails too.
				if _, errno := g.open("file.txt", rfsOTrunc, rfsRightRead, 0); errno != rfsWasiEROFS {
					t.Errorf("O_TRUNC with the read right on a read-only mount: errno %d, want EROFS", errno)
				}
				if _, errno := g.open("new.txt", rfsOCreat, rfsRightRead, 0); errno != rfsWasiEROFS {
					t.Errorf("O_CREAT with the read right on a read-only mount: errno %d, want EROFS", errno)
				}
				if got, errno := g.readFile("file.txt"); errno != 0 || got != rfsFileText {
					t.Errorf("file.txt after the refused writes: %q, errno %d", got, errno)
				}
				if _, err := os.Lstat(filepath.Join(tr.mnt, "new.txt")); err == nil {
					t.Error("new.txt was created on a read-only mount")
				}
				return
			}
			if errno != 0 {
				t.Fatalf("path_symlink: errno %d", errno)
			}
			if got, errno := g.readFile("evil"); errno != rfsWasiEPERM {
				t.Errorf("read evil: %q, errno %d; want EPERM", got, errno)
			}
			if errno := g.writeFile("evil", rfsOTrunc, 0, "pwned"); errno != rfsWasiEPERM {
				t.Errorf("write evil: errno %d, want EPERM", errno)
			}
			if errno := g.symlink("/etc/passwd", "evil_abs"); errno != rfsWasiEPERM {
				t.Errorf("path_symlink to an absolute path: errno %d, want EPERM", errno)
			}
			// Ordinary writes work.
			if errno := g.writeFile("file.txt", 0, rfsFdflagAppend, " and more"); errno != 0 {
				t.Errorf("append to file.txt: errno %d", errno)
			}
			if errno := g.writeFile("out.txt", rfsOCreat|rfsOTrunc, 0, "made by the guest"); errno != 0 {
				t.Errorf("create out.txt: errno %d", errno)
			}
			if got, errno := g.readFile("file.txt"); errno != 0 || got != rfsFileText+" and more" {
				t.Errorf("file.txt: %q, errno %d", got, errno)
			}
			if b, err := os.ReadFile(filepath.Join(tr.mnt, "out.txt")); err != nil || string(b) != "made by the guest" {
				t.Errorf("out.txt on the host: %q, %v", b, err)
			}
			// A guest-made link inside works.
			if errno := g.symlink("sub/nested.txt", "good"); errno != 0 {
				t.Fatalf("path_symlink good: errno %d", errno)
			}
			if got, errno := g.readFile("good"); errno != 0 || got != "nested" {
				t.Errorf("read good: %q, errno %d", got, errno)
			}
			// Without LOOKUP_SYMLINK_FOLLOW the link itself is not opened.
			g.put(rfsPath1, []byte("good"))
			if errno := g.call("path_open", rfsPreopen, 0, rfsPath1, 4, 0, rfsRightRead, 0, 0, rfsFdPtr); errno != rfsWasiELOOP {
				t.Errorf("path_open without follow of a link: errno %d, want ELOOP", errno)
			}
			if _, errno := g.open("file.txt", 0, rfsRightRead, 0); errno != 0 {
				t.Error(errno)
			}
			if errno := g.call("fd_close", 99); errno != rfsWasiEBADF {
				t.Errorf("fd_close(99): %d", errno)
			}
		})
	}
}

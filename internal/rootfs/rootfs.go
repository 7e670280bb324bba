package rootfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// New returns a wazero file system for the host directory dir, built on
// an [os.Root]: every operation, including the resolution of symbolic links
// met on the way, is confined to dir by the operating system (openat and
// friends, one path component at a time), so a plug-in cannot reach outside
// the mount through a symbolic link, whether it was in the directory already
// or the plug-in made it, and there is no check-then-use window to race.
//
// It is a drop-in replacement for wazero's DirFS (WithDirMount) and, when
// readOnly, for ReadFS over DirFS (WithReadOnlyDirMount); the differences are
// listed in the comments of rootFS. A path whose resolution would leave dir
// fails with EPERM, like the "../" paths wazero's WASI layer already refuses.
//
// The directory is opened now: an error is returned when it cannot be opened
// or is not a directory. The result also implements io.Closer; closing it
// releases the directory's descriptor (files already open stay usable) and
// makes every later path operation fail with EBADF. Without Close the
// descriptor is released when the file system is garbage collected.
//
// The files it opens count against a Limit of DefaultMaxOpenFiles of its
// own; NewLimited shares one Limit between mounts.
func New(dir string, readOnly bool) (experimentalsys.FS, error) {
	return NewLimited(dir, readOnly, nil)
}

// NewLimited is New with the files it opens counted against lim (nil: a
// Limit of DefaultMaxOpenFiles of its own). Past the limit, opening a file
// or directory fails with ErrnoTooManyOpenFiles (EIO) until one is closed.
func NewLimited(dir string, readOnly bool, lim *Limit) (experimentalsys.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	if lim == nil {
		lim = NewLimit(0)
	}
	return &rootFS{root: root, dir: dir, readOnly: readOnly, limit: lim}, nil
}

// rootFS is an experimentalsys.FS confined to a directory by an os.Root.
//
// Behaviour differences from wazero's DirFS, all deliberate or forced by the
// portable os.Root API:
//   - a symbolic link is followed only when its target, resolved step by step,
//     stays in the directory; absolute link targets are never followed, even
//     when they name a file inside the directory (os.Root refuses them);
//     escapes fail with EPERM and link loops with ELOOP.
//   - Rename over an existing empty directory removes it first, then renames
//     (remaking it if the rename fails): the replacement is not atomic
//     (os.Root refuses to rename onto a directory).
//   - File.Utimens sets the times through the path the file was opened with,
//     after checking it still names the open file (ENOENT otherwise), since
//     package os has no futimens.
//   - File.Datasync is an fsync.
//   - File.SetNonblock records the flag without changing the host descriptor
//     (package os cannot do it portably), and File.Poll reports ready: both
//     only matter for pipes and devices, which plug-ins cannot create.
//   - read-only: OpenFile for writing, creating or truncating fails with
//     EROFS (ReadFS fails with ENOSYS and, on Linux, would let O_RDONLY|O_TRUNC
//     or O_RDONLY|O_CREAT through); File.Utimens fails with EROFS and
//     File.Sync and File.Datasync succeed without doing anything (ReadFS fails
//     all three with EBADF).
type rootFS struct {
	experimentalsys.UnimplementedFS

	root     *os.Root
	dir      string
	readOnly bool
	limit    *Limit // open files, against a per-instance cap
}

// errPathEscapes is the text of the (unexported) error os.Root returns for
// any path or symbolic link that would resolve outside the root.
const errPathEscapes = "path escapes from parent"

// String implements fmt.Stringer, like DirFS.
func (r *rootFS) String() string { return r.dir }

// Close releases the root directory's descriptor.
func (r *rootFS) Close() error { return r.root.Close() }

// rel turns a path from wazero's WASI layer ("/", ".", "a/b", "/a/b" for a
// file under a directory opened as ".", possibly with a trailing slash) into
// a name relative to the root. It does not clean the path: os.Root resolves
// "." and ".." itself, against the real directory tree, and rejects any
// escape.
func rel(p string) string {
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return "."
	}
	return p
}

// toErrno maps an error of package os to the errno WASI guests expect.
func toErrno(err error) experimentalsys.Errno {
	if err == nil {
		return 0
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == errPathEscapes {
			return experimentalsys.EPERM
		}
	}
	return experimentalsys.UnwrapOSError(err)
}

// accessMode returns the mutually exclusive O_RDONLY, O_WRONLY or O_RDWR part
// of flag.
func accessMode(flag experimentalsys.Oflag) experimentalsys.Oflag {
	return flag & (experimentalsys.O_RDONLY | experimentalsys.O_WRONLY | experimentalsys.O_RDWR)
}

// toOsOpenFlag converts flag to os.OpenFile flags. O_DIRECTORY and
// O_NOFOLLOW are handled by OpenFile: os.Root always opens the last path
// component with O_NOFOLLOW and then follows the link itself, inside the
// root. O_DSYNC and O_RSYNC become the stronger O_SYNC (package os has no
// portable constants for them).
func toOsOpenFlag(flag experimentalsys.Oflag) int {
	var f int
	switch accessMode(flag) {
	case experimentalsys.O_WRONLY:
		f = os.O_WRONLY
	case experimentalsys.O_RDWR:
		f = os.O_RDWR
	default:
		f = os.O_RDONLY
	}
	if flag&experimentalsys.O_APPEND != 0 {
		f |= os.O_APPEND
	}
	if flag&experimentalsys.O_CREAT != 0 {
		f |= os.O_CREATE
	}
	if flag&experimentalsys.O_EXCL != 0 {
		f |= os.O_EXCL
	}
	if flag&experimentalsys.O_TRUNC != 0 {
		f |= os.O_TRUNC
	}
	if flag&(experimentalsys.O_SYNC|experimentalsys.O_DSYNC|experimentalsys.O_RSYNC) != 0 {
		f |= os.O_SYNC
	}
	if flag&experimentalsys.O_NONBLOCK != 0 && goruntime.GOOS != "windows" {
		f |= syscall.O_NONBLOCK
	}
	return f
}

// dirOpenFlag is the os.OpenFile flag to open a directory: read-only and,
// where it exists, non-blocking, so that a FIFO met instead cannot hang the
// open.
func dirOpenFlag() int {
	if goruntime.GOOS == "windows" {
		return os.O_RDONLY
	}
	return os.O_RDONLY | syscall.O_NONBLOCK
}

// OpenFile implements experimentalsys.FS.
func (r *rootFS) OpenFile(path string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	name := rel(path)
	dir := flag&experimentalsys.O_DIRECTORY != 0
	if dir && flag&experimentalsys.O_CREAT != 0 {
		return nil, experimentalsys.EINVAL // a directory is made with Mkdir
	}
	if r.readOnly && !dir {
		var errno experimentalsys.Errno
		if flag, errno = r.readOnlyFlag(name, flag); errno != 0 {
			return nil, errno
		}
	}

	// O_NOFOLLOW: the last component must not be a symbolic link. The open
	// below checks that it opened what Lstat saw, so that swapping in a link
	// in between fails too (and any link would stay in the root anyway).
	var seen fs.FileInfo
	if flag&experimentalsys.O_NOFOLLOW != 0 {
		if fi, err := r.root.Lstat(name); err == nil {
			if fi.Mode()&fs.ModeSymlink != 0 {
				return nil, experimentalsys.ELOOP
			}
			seen = fi
		}
	}

	osFlag := toOsOpenFlag(flag)
	if dir {
		// Open read-only, so that nothing (O_TRUNC) happens before the
		// checks.
		osFlag = dirOpenFlag()
	}
	if errno := r.limit.acquire(); errno != 0 {
		return nil, errno
	}
	f, err := r.root.OpenFile(name, osFlag, perm&fs.ModePerm)
	if err != nil {
		r.limit.release()
		return nil, toErrno(err)
	}
	rf := &rootFile{fs: r, path: name, flag: flag, perm: perm & fs.ModePerm, file: f, reopenDir: true}
	if seen != nil || dir {
		fi, err := f.Stat()
		switch {
		case err != nil:
			_ = rf.Close()
			return nil, toErrno(err)
		case seen != nil && !os.SameFile(seen, fi):
			_ = rf.Close()
			return nil, experimentalsys.ELOOP
		case dir && !fi.IsDir():
			_ = rf.Close()
			return nil, experimentalsys.ENOTDIR
		case dir && (accessMode(flag) != experimentalsys.O_RDONLY || flag&experimentalsys.O_TRUNC != 0):
			_ = rf.Close()
			return nil, experimentalsys.EISDIR
		}
		rf.setCache(sys.NewStat_t(fi))
	}
	return rf, 0
}

// readOnlyFlag vets an open of a read-only file system: writing and
// truncating fail with EROFS, and so does creating, unless the file exists
// (O_CREAT then means nothing, or EEXIST with O_EXCL).
func (r *rootFS) readOnlyFlag(name string, flag experimentalsys.Oflag) (experimentalsys.Oflag, experimentalsys.Errno) {
	if accessMode(flag) != experimentalsys.O_RDONLY || flag&experimentalsys.O_TRUNC != 0 {
		return 0, experimentalsys.EROFS
	}
	if flag&experimentalsys.O_CREAT == 0 {
		return flag, 0
	}
	var err error
	if flag&experimentalsys.O_EXCL != 0 {
		_, err = r.root.Lstat(name)
	} else {
		_, err = r.root.Stat(name)
	}
	switch errno := toErrno(err); {
	case errno == experimentalsys.ENOENT:
		return 0, experimentalsys.EROFS
	case errno != 0:
		return 0, errno
	case flag&experimentalsys.O_EXCL != 0:
		return 0, experimentalsys.EEXIST
	}
	return flag &^ experimentalsys.O_CREAT, 0
}

// Lstat implements experimentalsys.FS.
func (r *rootFS) Lstat(path string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Lstat(rel(path))
	if err != nil {
		return sys.Stat_t{}, toErrno(err)
	}
	return sys.NewStat_t(fi), 0
}

// Stat implements experimentalsys.FS.
func (r *rootFS) Stat(path string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Stat(rel(path))
	if err != nil {
		return sys.Stat_t{}, toErrno(err)
	}
	return sys.NewStat_t(fi), 0
}

// Mkdir implements experimentalsys.FS.
func (r *rootFS) Mkdir(path string, perm fs.FileMode) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	errno := toErrno(r.root.Mkdir(rel(path), perm&fs.ModePerm))
	if errno == experimentalsys.ENOTDIR { // like DirFS
		errno = experimentalsys.ENOENT
	}
	return errno
}

// Chmod implements experimentalsys.FS.
func (r *rootFS) Chmod(path string, perm fs.FileMode) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	return toErrno(r.root.Chmod(rel(path), perm))
}

// Rename implements experimentalsys.FS with the semantics of rename(2),
// which DirFS has: os.Root.Rename refuses any existing directory as the
// target, rename(2) replaces an empty one.
func (r *rootFS) Rename(from, to string) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	from, to = rel(from), rel(to)
	if from == to {
		return 0
	}
	if tfi, err := r.root.Lstat(to); err == nil && tfi.IsDir() {
		ffi, err := r.root.Lstat(from)
		switch {
		case err != nil:
			return toErrno(err)
		case !ffi.IsDir():
			return experimentalsys.EISDIR
		case os.SameFile(ffi, tfi):
			return 0
		}
		if err := r.root.Remove(to); err != nil { // ENOTEMPTY unless empty
			return toErrno(err)
		}
		if err := r.root.Rename(from, to); err != nil {
			// e.g. EINVAL when to is under from: put the directory back.
			_ = r.root.Mkdir(to, tfi.Mode().Perm())
			return toErrno(err)
		}
		return 0
	}
	return toErrno(r.root.Rename(from, to))
}

// Rmdir implements experimentalsys.FS. os.Root.Remove removes files too, so
// the type is checked first; a swap in between can only make it remove
// another entry of the root.
func (r *rootFS) Rmdir(path string) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	name := strings.TrimRight(rel(path), "/")
	fi, err := r.root.Lstat(name)
	if err != nil {
		return toErrno(err)
	}
	if !fi.IsDir() {
		return experimentalsys.ENOTDIR
	}
	return toErrno(r.root.Remove(name))
}

// Unlink implements experimentalsys.FS. os.Root.Remove removes empty
// directories too, so the type is checked first.
func (r *rootFS) Unlink(path string) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	name := rel(path)
	trimmed := strings.TrimRight(name, "/")
	fi, err := r.root.Lstat(trimmed)
	switch {
	case err != nil:
		return toErrno(err)
	case fi.IsDir():
		return experimentalsys.EISDIR
	case trimmed != name:
		return experimentalsys.ENOTDIR
	}
	return toErrno(r.root.Remove(trimmed))
}

// Link implements experimentalsys.FS.
func (r *rootFS) Link(oldPath, newPath string) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	return toErrno(r.root.Link(rel(oldPath), rel(newPath)))
}

// Symlink implements experimentalsys.FS. Like DirFS it refuses absolute
// targets; a relative target is stored as is, even one leading outside:
// os.Root never follows it there.
func (r *rootFS) Symlink(oldPath, linkName string) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	if strings.HasPrefix(oldPath, "/") || filepath.IsAbs(oldPath) {
		return experimentalsys.EPERM
	}
	return toErrno(r.root.Symlink(oldPath, rel(linkName)))
}

// Readlink implements experimentalsys.FS.
func (r *rootFS) Readlink(path string) (string, experimentalsys.Errno) {
	dst, err := r.root.Readlink(rel(path))
	if err != nil {
		return "", toErrno(err)
	}
	return filepath.ToSlash(dst), 0
}

// Utimens implements experimentalsys.FS, following symbolic links (in the
// root).
func (r *rootFS) Utimens(path string, atim, mtim int64) experimentalsys.Errno {
	if r.readOnly {
		return experimentalsys.EROFS
	}
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0 // like DirFS
	}
	return toErrno(r.root.Chtimes(rel(path), toTime(atim), toTime(mtim)))
}

// toTime converts epoch nanoseconds to the time os.Chtimes expects, where the
// zero time leaves the time unchanged.
func toTime(nanos int64) time.Time {
	if nanos == experimentalsys.UTIME_OMIT {
		return time.Time{}
	}
	return time.Unix(0, nanos)
}

// compile-time checks.
var (
	_ experimentalsys.FS           = (*rootFS)(nil)
	_ io.Closer                    = (*rootFS)(nil)
	_ experimentalsys.PollableFile = (*rootFile)(nil)
)

// rootFile is a file or directory opened through a rootFS.
type rootFile struct {
	experimentalsys.UnimplementedFile

	fs   *rootFS
	path string // relative to the root, to reopen the file
	flag experimentalsys.Oflag
	perm fs.FileMode
	file *os.File

	// reopenDir is true when Readdir must reopen the directory first: before
	// the first Readdir (to see entries added since the open, as DirFS) and
	// after a rewind (Seek to 0), which os.File cannot do on every platform.
	reopenDir bool
	closed    bool

	// cached holds what does not change while the file is open.
	cached *rootFileCache
}

type rootFileCache struct {
	dev   uint64
	ino   sys.Inode
	isDir bool
}

func (f *rootFile) setCache(st sys.Stat_t) {
	f.cached = &rootFileCache{dev: st.Dev, ino: st.Ino, isDir: st.Mode.IsDir()}
}

func (f *rootFile) cache() (*rootFileCache, experimentalsys.Errno) {
	if f.cached == nil {
		if _, errno := f.Stat(); errno != 0 {
			return nil, errno
		}
	}
	return f.cached, 0
}

// Dev implements experimentalsys.File.
func (f *rootFile) Dev() (uint64, experimentalsys.Errno) {
	c, errno := f.cache()
	if errno != 0 {
		return 0, errno
	}
	return c.dev, 0
}

// Ino implements experimentalsys.File.
func (f *rootFile) Ino() (sys.Inode, experimentalsys.Errno) {
	c, errno := f.cache()
	if errno != 0 {
		return 0, errno
	}
	return c.ino, 0
}

// IsDir implements experimentalsys.File.
func (f *rootFile) IsDir() (bool, experimentalsys.Errno) {
	c, errno := f.cache()
	if errno != 0 {
		return false, errno
	}
	return c.isDir, 0
}

// IsAppend implements experimentalsys.File.
func (f *rootFile) IsAppend() bool {
	return f.flag&experimentalsys.O_APPEND != 0
}

// SetAppend implements experimentalsys.File. The append mode of an os.File
// is fixed at open, so, like DirFS, this reopens the file (through the root)
// and checks it is still the same file.
func (f *rootFile) SetAppend(enable bool) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if enable == f.IsAppend() {
		return 0
	}
	if isDir, errno := f.IsDir(); errno != 0 {
		return errno
	} else if isDir {
		return experimentalsys.EISDIR
	}
	old := f.flag
	if enable {
		f.flag |= experimentalsys.O_APPEND
	} else {
		f.flag &^= experimentalsys.O_APPEND
	}
	if errno := f.reopen(); errno != 0 {
		f.flag = old
		return errno
	}
	return 0
}

// reopen replaces the underlying os.File by a new one opened through the
// root with the current flags, keeping the offset of a regular file.
func (f *rootFile) reopen() experimentalsys.Errno {
	isDir, errno := f.IsDir()
	if errno != 0 {
		return errno
	}
	var offset int64
	if !isDir {
		var err error
		if offset, err = f.file.Seek(0, io.SeekCurrent); err != nil {
			return toErrno(err)
		}
	}
	flag := f.flag &^ (experimentalsys.O_CREAT | experimentalsys.O_TRUNC | experimentalsys.O_EXCL)
	osFlag := toOsOpenFlag(flag)
	if isDir {
		osFlag = dirOpenFlag()
	}
	nf, err := f.fs.root.OpenFile(f.path, osFlag, 0)
	if err != nil {
		return toErrno(err)
	}
	fi1, err1 := f.file.Stat()
	fi2, err2 := nf.Stat()
	switch {
	case err1 != nil:
		errno = toErrno(err1)
	case err2 != nil:
		errno = toErrno(err2)
	case !os.SameFile(fi1, fi2):
		errno = experimentalsys.ENOENT
	case !isDir:
		if _, err := nf.Seek(offset, io.SeekStart); err != nil {
			errno = toErrno(err)
		}
	}
	if errno != 0 {
		_ = nf.Close()
		return errno
	}
	_ = f.file.Close()
	f.file = nf
	return 0
}

// IsNonblock implements experimentalsys.PollableFile.
func (f *rootFile) IsNonblock() bool {
	return f.flag&experimentalsys.O_NONBLOCK != 0
}

// SetNonblock implements experimentalsys.PollableFile. It only records the
// mode: regular files and directories, the only files a plug-in can create,
// never block.
func (f *rootFile) SetNonblock(enable bool) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if enable {
		f.flag |= experimentalsys.O_NONBLOCK
	} else {
		f.flag &^= experimentalsys.O_NONBLOCK
	}
	return 0
}

// Poll implements experimentalsys.Pollable: regular files are always ready.
func (f *rootFile) Poll(experimentalsys.Pflag, int32) (bool, experimentalsys.Errno) {
	if f.closed {
		return false, experimentalsys.EBADF
	}
	return true, 0
}

// Stat implements experimentalsys.File.
func (f *rootFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.closed {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	fi, err := f.file.Stat()
	if err != nil {
		errno := toErrno(err)
		if errno == experimentalsys.EIO {
			errno = experimentalsys.EBADF
		}
		return sys.Stat_t{}, errno
	}
	st := sys.NewStat_t(fi)
	f.setCache(st)
	return st, 0
}

// fileError is the errno of a failed operation meant for a regular file:
// EBADF when closed, EISDIR for a directory, errno otherwise (as DirFS).
func (f *rootFile) fileError(errno experimentalsys.Errno) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if isDir, e := f.IsDir(); e != 0 {
		return e
	} else if isDir {
		return experimentalsys.EISDIR
	}
	return errno
}

// Read implements experimentalsys.File.
func (f *rootFile) Read(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	if f.closed {
		return 0, experimentalsys.EBADF
	}
	n, err := f.file.Read(buf)
	if errno := toErrno(err); errno != 0 {
		return n, f.fileError(errno)
	}
	return n, 0
}

// Pread implements experimentalsys.File.
func (f *rootFile) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	if f.closed {
		return 0, experimentalsys.EBADF
	}
	n, err := f.file.ReadAt(buf, off)
	if errno := toErrno(err); errno != 0 {
		return n, f.fileError(errno)
	}
	return n, 0
}

// fileOffset is int64. Seek is declared with it because go vet's
// stdmethods check would otherwise insist that a method named Seek return an
// error, as io.Seeker does, not the Errno experimentalsys.File requires.
type fileOffset = int64

// Seek implements experimentalsys.File. Directories can only be rewound
// (offset 0 from the start), which Readdir implements by reopening them.
func (f *rootFile) Seek(offset fileOffset, whence int) (fileOffset, experimentalsys.Errno) {
	if f.closed {
		return 0, experimentalsys.EBADF
	}
	if uint(whence) > io.SeekEnd {
		return 0, experimentalsys.EINVAL
	}
	isDir, errno := f.IsDir()
	if errno != 0 {
		return 0, errno
	}
	if isDir {
		if offset == 0 && whence == io.SeekStart {
			f.reopenDir = true
			return 0, 0
		}
		return 0, experimentalsys.EISDIR
	}
	n, err := f.file.Seek(offset, whence)
	if errno := toErrno(err); errno != 0 {
		return n, f.fileError(errno)
	}
	return n, 0
}

// Readdir implements experimentalsys.File, with the Type of each entry from
// lstat (a symbolic link is reported as one, never followed).
func (f *rootFile) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if f.closed {
		return nil, experimentalsys.EBADF
	}
	if isDir, errno := f.IsDir(); errno != 0 {
		return nil, errno
	} else if !isDir {
		return nil, experimentalsys.EBADF // as DirFS
	}
	if f.reopenDir {
		f.reopenDir = false
		if errno := f.reopen(); errno != 0 {
			return nil, errno
		}
	}
	fis, err := f.file.Readdir(n)
	if errno := toErrno(err); errno != 0 {
		if errno == experimentalsys.EINVAL || errno == experimentalsys.ENOTDIR {
			errno = experimentalsys.EBADF
		}
		return nil, errno
	}
	dirents := make([]experimentalsys.Dirent, 0, len(fis))
	for _, fi := range fis {
		dirents = append(dirents, experimentalsys.Dirent{
			Name: fi.Name(),
			Ino:  sys.NewStat_t(fi).Ino,
			Type: fi.Mode().Type(),
		})
	}
	return dirents, 0
}

// writable reports EISDIR or EBADF when writing to f must fail without
// reaching the host: on a read-only file system (the file is open read-only
// anyway).
func (f *rootFile) writable() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if !f.fs.readOnly {
		return 0
	}
	return f.fileError(experimentalsys.EBADF)
}

// Write implements experimentalsys.File.
func (f *rootFile) Write(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	if errno := f.writable(); errno != 0 {
		return 0, errno
	}
	n, err := f.file.Write(buf)
	if errno := toErrno(err); errno != 0 {
		return n, f.fileError(errno)
	}
	return n, 0
}

// Pwrite implements experimentalsys.File. As with DirFS it fails on a file
// opened with O_APPEND.
func (f *rootFile) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	if errno := f.writable(); errno != 0 {
		return 0, errno
	}
	n, err := f.file.WriteAt(buf, off)
	if errno := toErrno(err); errno != 0 {
		return n, f.fileError(errno)
	}
	return n, 0
}

// Truncate implements experimentalsys.File.
func (f *rootFile) Truncate(size int64) experimentalsys.Errno {
	if size < 0 {
		return experimentalsys.EINVAL
	}
	if errno := f.writable(); errno != 0 {
		return errno
	}
	if errno := toErrno(f.file.Truncate(size)); errno != 0 {
		return f.fileError(errno)
	}
	return 0
}

// Sync implements experimentalsys.File.
func (f *rootFile) Sync() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if f.fs.readOnly {
		return 0 // nothing was written through this file system
	}
	return toErrno(f.file.Sync())
}

// Datasync implements experimentalsys.File.
func (f *rootFile) Datasync() experimentalsys.Errno {
	return f.Sync()
}

// Utimens implements experimentalsys.File. Package os cannot set the times
// of an open file, so they are set through the path the file was opened with
// (in the root), provided it still names this file.
func (f *rootFile) Utimens(atim, mtim int64) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if f.fs.readOnly {
		return experimentalsys.EROFS
	}
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	fi1, err := f.file.Stat()
	if err != nil {
		return toErrno(err)
	}
	fi2, err := f.fs.root.Stat(f.path)
	if err != nil {
		return toErrno(err)
	}
	if !os.SameFile(fi1, fi2) {
		return experimentalsys.ENOENT
	}
	return toErrno(f.fs.root.Chtimes(f.path, toTime(atim), toTime(mtim)))
}

// Close implements experimentalsys.File.
func (f *rootFile) Close() experimentalsys.Errno {
	if f.closed {
		return 0
	}
	f.closed = true
	f.fs.limit.release()
	return toErrno(f.file.Close())
}

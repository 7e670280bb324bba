// Package rootfs is the file system behind a plug-in's allowed_paths: a
// wazero experimental/sys.FS over an os.Root, so that no path (symlinks
// included) resolves outside the mounted directory, and a read-only mount
// refuses every write (O_TRUNC and O_CREAT included).
//
// The runtime makes one per mount per instance with [New] and closes it with
// the instance. Applications never use it directly.
package rootfs

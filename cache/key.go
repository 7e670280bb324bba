package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Key names a module in a Cache. KeyOf makes the usual one, the SHA-256 of
// the module's bytes; FileKey one for a file that is cheap to recompute.
// Any 32 bytes that change whenever the module's bytes do will serve (a
// hash an application already keeps, say).
type Key [sha256.Size]byte

// KeyOf returns the SHA-256 of wasm: the key Cache.Module uses. Hashing
// costs about 1 ms per 2 MB; compute it once and use Cache.Get where a
// module is looked up often.
func KeyOf(wasm []byte) Key { return sha256.Sum256(wasm) }

// String is the key in hex.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// FileKey returns a key for the file at path made from its absolute path,
// size and modification time, without reading it: one stat. A file
// rewritten with the same size within the file system's time resolution
// keeps its key (a build that replaces files in place faster than that
// should key by content: KeyOf, or the hash its build records).
func FileKey(path string) (Key, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Key{}, fmt.Errorf("cache: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Key{}, fmt.Errorf("cache: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Key{}, fmt.Errorf("cache: %s is not a regular file", path)
	}
	h := sha256.New()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(fi.Size()))
	binary.LittleEndian.PutUint64(b[8:], uint64(fi.ModTime().UnixNano()))
	h.Write([]byte("file\x00"))
	h.Write(b[:])
	h.Write([]byte(abs))
	var k Key
	h.Sum(k[:0])
	return k, nil
}

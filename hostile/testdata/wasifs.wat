;; wasifs: a WASI plug-in that tries to leave the directory it was given. Its
;; one preopened directory is fd 3. Paths come in the input. Each export
;; returns 0 on success or the WASI errno (the call then fails with a
;; GuestError whose Code is that errno).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)

  ;; Guest memory: 0 iovec {buf, len}, 8 nread, 12 opened fd,
  ;; 1024 the input (paths), 8192.. the file's bytes (up to 4096).
  (func $input (result i32)
    (local $i i32) (local $n i32)
    (local.set $n (i32.wrap_i64 (call $input_length)))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (i32.const 1024) (local.get $i))
          (call $input_load_u8 (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $n))

  ;; read opens the input path under fd 3 (following symlinks) and outputs
  ;; what it reads.
  (func (export "read") (result i32)
    (local $errno i32) (local $n i32) (local $h i64) (local $i i32)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 1)
      (i32.const 1024) (call $input)
      (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 12)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 4096))
    (local.set $errno (call $fd_read (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_close (i32.load (i32.const 12))))
    (if (local.get $errno) (then (return (local.get $errno))))
    (local.set $n (i32.load (i32.const 8)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $n))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $store_u8 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (i32.const 8192) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (call $output_set (local.get $h) (i64.extend_i32_u (local.get $n)))
    (i32.const 0))

  ;; write creates (or truncates) the input path under fd 3 and writes "pwned".
  (func (export "write") (result i32)
    (local $errno i32)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 1)
      (i32.const 1024) (call $input)
      (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 12)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (i64.store (i32.const 8192) (i64.const 0x64656e7770))
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 5))
    (local.set $errno (call $fd_write (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_close (i32.load (i32.const 12))))
    (local.get $errno))

  ;; symlink creates, under fd 3, a symlink: the input is "target\x00name".
  (func (export "symlink") (result i32)
    (local $n i32) (local $i i32)
    (local.set $n (call $input))
    (block $found
      (loop $scan
        (br_if $found (i32.ge_u (local.get $i) (local.get $n)))
        (br_if $found (i32.eqz (i32.load8_u (i32.add (i32.const 1024) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (call $path_symlink
      (i32.const 1024) (local.get $i)
      (i32.const 3)
      (i32.add (i32.const 1025) (local.get $i)) (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1)))))

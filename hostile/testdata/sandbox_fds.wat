;; sandbox_fds: opens the file "f" of its first mount (preopened as fd 3)
;; again and again without closing it, until path_open fails (issue 12,
;; point 3); outputs [opened u64][errno u64].
;; Rebuild: wat2wasm hostile/testdata/sandbox_fds.wat -o hostile/testdata/sandbox_fds.wasm
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "f")
  (func (export "open_all") (result i32)
    (local $n i64) (local $errno i32) (local $out i64)
    (block $done
      (loop $again
        ;; fd 3, follow symlinks, "f", no oflags, read rights, result at 32
        (local.set $errno (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 1)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
        (br_if $done (local.get $errno))
        (local.set $n (i64.add (local.get $n) (i64.const 1)))
        (br $again)))
    (local.set $out (call $alloc (i64.const 16)))
    (call $store_u64 (local.get $out) (local.get $n))
    (call $store_u64 (i64.add (local.get $out) (i64.const 8)) (i64.extend_i32_u (local.get $errno)))
    (call $output_set (local.get $out) (i64.const 16))
    (i32.const 0)))

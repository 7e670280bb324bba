;; wasienv: a WASI plug-in looking for the host's secrets in its environment
;; and arguments. It outputs four u64: the number of environment variables,
;; their total size, the number of arguments, and their total size.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "sizes") (result i32)
    (local $h i64)
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $args_sizes_get (i32.const 8) (i32.const 12)))
    (local.set $h (call $alloc (i64.const 32)))
    (call $store_u64 (local.get $h) (i64.load32_u (i32.const 0)))
    (call $store_u64 (i64.add (local.get $h) (i64.const 8)) (i64.load32_u (i32.const 4)))
    (call $store_u64 (i64.add (local.get $h) (i64.const 16)) (i64.load32_u (i32.const 8)))
    (call $store_u64 (i64.add (local.get $h) (i64.const 24)) (i64.load32_u (i32.const 12)))
    (call $output_set (local.get $h) (i64.const 32))
    (i32.const 0)))

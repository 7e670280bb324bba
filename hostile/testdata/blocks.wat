;; blocks: points output and error at blocks that are freed, stale (from a
;; previous call) or belong to another instance. Call with an empty input, so
;; the heap starts empty: the first block allocated is at 136.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))

  ;; The handle "stash" kept, for the next call to misuse.
  (global $stash (mut i64) (i64.const 0))

  ;; secret returns a new 16-byte block holding "SECRET-0SECRET-1".
  (func $secret (result i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 16)))
    (call $store_u64 (local.get $h) (i64.const 0x302d544552434553))
    (call $store_u64 (i64.add (local.get $h) (i64.const 8)) (i64.const 0x312d544552434553))
    (local.get $h))

  ;; output_freed_last frees the last block (the heap shrinks), then outputs it.
  (func (export "output_freed_last") (result i32)
    (local $h i64)
    (local.set $h (call $secret))
    (call $free (local.get $h))
    (call $output_set (local.get $h) (i64.const 16))
    (i32.const 0))

  ;; output_freed_middle frees a block that is not the last, then outputs it:
  ;; the bytes are the plug-in's own but for the last 4, where the kernel keeps
  ;; the free block's capacity.
  (func (export "output_freed_middle") (result i32)
    (local $h i64)
    (local.set $h (call $secret))
    (drop (call $alloc (i64.const 8)))
    (call $free (local.get $h))
    (call $output_set (local.get $h) (i64.const 16))
    (i32.const 0))

  ;; output_then_free sets the output, then frees its block.
  (func (export "output_then_free") (result i32)
    (local $h i64)
    (local.set $h (call $secret))
    (call $output_set (local.get $h) (i64.const 16))
    (call $free (local.get $h))
    (i32.const 0))

  ;; error_freed gives error_set a freed handle.
  (func (export "error_freed") (result i32)
    (local $h i64)
    (local.set $h (call $secret))
    (drop (call $alloc (i64.const 8)))
    (call $free (local.get $h))
    (call $error_set (local.get $h))
    (i32.const 0))

  ;; error_then_free sets the error, then frees its block.
  (func (export "error_then_free") (result i32)
    (local $h i64)
    (local.set $h (call $secret))
    (drop (call $alloc (i64.const 8)))
    (call $error_set (local.get $h))
    (call $free (local.get $h))
    (i32.const 0))

  ;; error_inside gives error_set a handle into the middle of a block.
  (func (export "error_inside") (result i32)
    (call $error_set (i64.add (call $secret) (i64.const 8)))
    (i32.const 0))

  ;; stash outputs a secret and keeps its handle for the next call.
  (func (export "stash") (result i32)
    (global.set $stash (call $secret))
    (call $output_set (global.get $stash) (i64.const 16))
    (i32.const 0))
  (func (export "output_stash") (result i32)
    (call $output_set (global.get $stash) (i64.const 16))
    (i32.const 0))
  (func (export "error_stash") (result i32)
    (call $error_set (global.get $stash))
    (i32.const 0))
  (func (export "load_stash") (result i32)
    (drop (call $load_u64 (global.get $stash)))
    (i32.const 0))

  ;; load_foreign reads where another instance keeps its input (offset 136
  ;; in every kernel) while its own heap is empty.
  (func (export "load_foreign") (result i32)
    (drop (call $load_u64 (i64.const 136)))
    (i32.const 0))

  ;; dirty fills 1 MiB of kernel memory with 0xff and drops it at the end
  ;; of the call; scan_fresh then allocates 1 MiB and outputs how many of
  ;; its u64 words are not zero: a fresh block must not show old bytes.
  (func (export "dirty") (result i32)
    (local $h i64) (local $i i64)
    (local.set $h (call $alloc (i64.const 0x100000)))
    (block $done
      (loop $fill
        (br_if $done (i64.ge_u (local.get $i) (i64.const 0x100000)))
        (call $store_u64 (i64.add (local.get $h) (local.get $i)) (i64.const -1))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $fill)))
    (i32.const 0))
  (func (export "scan_fresh") (result i32)
    (local $h i64) (local $i i64) (local $n i64)
    (local.set $h (call $alloc (i64.const 0x100000)))
    (block $done
      (loop $scan
        (br_if $done (i64.ge_u (local.get $i) (i64.const 0x100000)))
        (if (i64.ne (call $load_u64 (i64.add (local.get $h) (local.get $i))) (i64.const 0))
          (then (local.set $n (i64.add (local.get $n) (i64.const 1)))))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $scan)))
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $n))
    (call $output_set (local.get $h) (i64.const 8))
    (i32.const 0))

  ;; forge_header rewrites the header of its own first block (cap 0xfffffff8,
  ;; still live), frees it so the kernel counts 4 GiB as free, then asks for a
  ;; block whose end wraps around 2^32 onto the kernel's own header (offset 0).
  ;; The kernel's memory is bounds-checked wasm memory: this must end in a trap
  ;; or a refusal, never in a write outside the instance's kernel.
  (func (export "forge_header") (result i32)
    (local $h i64)
    (local.set $h (call $secret))
    (drop (call $alloc (i64.const 8)))
    (call $store_u64 (i64.sub (local.get $h) (i64.const 8)) (i64.const 0x00000010fffffff8))
    (call $free (local.get $h))
    (drop (call $alloc (i64.sub (i64.const 0x100000000) (local.get $h))))
    (call $output_set (call $secret) (i64.const 16))
    (i32.const 0)))

;; output: sets an output, or an error message, of the size in its input.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))

  ;; output_n outputs a zeroed block of n bytes; it returns 1 if alloc refused.
  (func (export "output_n") (result i32)
    (local $n i64) (local $h i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    (local.set $h (call $alloc (local.get $n)))
    (if (i64.eqz (local.get $h)) (then (return (i32.const 1))))
    (call $output_set (local.get $h) (local.get $n))
    (i32.const 0))

  ;; error_n fails with a message of n bytes ("EEEE...": only the first and
  ;; last bytes are written, the rest is zero).
  (func (export "error_n") (result i32)
    (local $n i64) (local $h i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    (local.set $h (call $alloc (local.get $n)))
    (if (i64.eqz (local.get $h)) (then (return (i32.const 1))))
    (call $store_u8 (local.get $h) (i32.const 0x45))
    (call $store_u8 (i64.sub (i64.add (local.get $h) (local.get $n)) (i64.const 1)) (i32.const 0x45))
    (call $error_set (local.get $h))
    (i32.const 0)))

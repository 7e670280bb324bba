;; garbage: a hook handler whose output is not valid UTF-8 (nor JSON, nor
;; msgpack of a string): a codec refuses it.
;; Rebuild: wat2wasm garbage.wat -o garbage.wasm
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (func $garbage (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 2)))
    (call $store_u8 (local.get $h) (i32.const 0xff))
    (call $store_u8 (i64.add (local.get $h) (i64.const 1)) (i32.const 0xc1))
    (call $output_set (local.get $h) (i64.const 2))
    (i32.const 0))
  (export "append" (func $garbage))
  (export "answer" (func $garbage)))

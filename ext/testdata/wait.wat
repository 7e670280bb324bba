;; wait: its "append" calls the host function extism:host/user.wait with its
;; input and returns what the host answers, so a test holds a call in flight
;; for as long as it likes.
;; Rebuild: wat2wasm wait.wat -o wait.wasm
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "wait" (func $wait (param i64) (result i64)))
  (func (export "append") (result i32)
    (local $h i64)
    (local.set $h (call $wait (call $input_offset)))
    (if (i64.ne (local.get $h) (i64.const 0))
      (then (call $output_set (local.get $h) (call $length (local.get $h)))))
    (i32.const 0)))

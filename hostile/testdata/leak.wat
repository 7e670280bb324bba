;; leak: small functions for the leak checks, each ending a different way
;; without breaking the instance.
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  ;; echo returns its input (over max_output_bytes when the input is).
  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))
  ;; fail fails with its input as the message (a GuestError).
  (func (export "fail") (result i32)
    (call $error_set (call $input_offset))
    (i32.const 0))
  ;; code returns 7 (a GuestError with a code).
  (func (export "code") (result i32) (i32.const 7))
  ;; badvar sets a var with a bogus key (a kernel error, not a trap).
  (func (export "badvar") (result i32)
    (call $var_set (i64.const -1) (i64.const 0))
    (i32.const 0)))

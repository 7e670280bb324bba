;; hosterr: calls the bytes host function extism:host/user.echo and either
;; ignores a failure (export "ignore") or handles it (export "handle").
;; Rebuild: wat2wasm hosterr.wat -o hosterr.wasm
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_get" (func $error_get (result i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/user" "echo" (func $echo (param i64) (result i64)))

  ;; output_h sets the output to the block h (nothing for 0).
  (func $output_h (param $h i64)
    (if (i64.ne (local.get $h) (i64.const 0))
      (then (call $output_set (local.get $h) (call $length (local.get $h))))))

  ;; ignore: output = echo(input); a failure is left for the host to report.
  (func (export "ignore") (result i32)
    (call $output_h (call $echo (call $input_offset)))
    (i32.const 0))

  ;; handle: output = echo(input), or "handled: " semantics: on failure the
  ;; output is the error message and the error is cleared.
  (func (export "handle") (result i32)
    (local $h i64) (local $e i64)
    (local.set $h (call $echo (call $input_offset)))
    (local.set $e (call $error_get))
    (if (i64.ne (local.get $e) (i64.const 0))
      (then
        (call $output_h (local.get $e))
        (call $error_set (i64.const 0))
        (return (i32.const 0))))
    (call $output_h (local.get $h))
    (i32.const 0)))

;; relay: calls another registered plug-in through the registry's host
;; function tendril/registry.call, passing its own input as the request
;; ("plugin" NUL "function" NUL payload) and returning the answer. A failure
;; of the call is left unhandled, so relay fails with its message.
;; Rebuild: wat2wasm relay.wat -o relay.wasm
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "tendril/registry" "call" (func $call (param i64) (result i64)))
  (func (export "relay") (result i32)
    (local $h i64)
    (local.set $h (call $call (call $input_offset)))
    (if (i64.ne (local.get $h) (i64.const 0))
      (then (call $output_set (local.get $h) (call $length (local.get $h)))))
    (i32.const 0)))

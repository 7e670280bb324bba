;; pool: a plug-in for the pool's hammer tests; every fault is one export.
;; Rebuild: wat2wasm pool.wat -o pool.wasm
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/user" "check" (func $check (param i64) (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (memory (export "memory") 1)

  ;; calls counts the calls of "nth" on this instance.
  (global $calls (mut i32) (i32.const 0))

  ;; output_h sets the output to the block h (nothing for 0).
  (func $output_h (param $h i64)
    (if (i64.ne (local.get $h) (i64.const 0))
      (then (call $output_set (local.get $h) (call $length (local.get $h))))))

  ;; echo: output = input.
  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))

  ;; nth: echo, but every instance traps on its 5th call.
  (func (export "nth") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (i32.eq (global.get $calls) (i32.const 5)) (then unreachable))
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))

  ;; spin: never returns (a timeout stops it).
  (func (export "spin") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))

  ;; host: output = check(input); a failure of check is left unhandled.
  (func (export "host") (result i32)
    (call $output_h (call $check (call $input_offset)))
    (i32.const 0))

  ;; exit: WASI exit with code 3.
  (func (export "exit") (result i32)
    (call $proc_exit (i32.const 3))
    (i32.const 0))

  ;; setvar: sets the var named input to input.
  (func (export "setvar") (result i32)
    (call $var_set (call $input_offset) (call $input_offset))
    (i32.const 0))

  ;; getvar: output = the var named input (empty when unset).
  (func (export "getvar") (result i32)
    (call $output_h (call $var_get (call $input_offset)))
    (i32.const 0)))

;; exit: a WASI plug-in that exits in the middle of a call, after setting an
;; output.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "exit3") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (call $proc_exit (i32.const 3))
    (i32.const 0))
  (func (export "exit0") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (call $proc_exit (i32.const 0))
    (i32.const 0)))

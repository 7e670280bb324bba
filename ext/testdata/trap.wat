;; trap: a hook handler that traps in every export.
;; Rebuild: wat2wasm trap.wat -o trap.wasm
(module
  (func $trap (result i32) unreachable)
  (export "append" (func $trap))
  (export "answer" (func $trap)))

;; hang: a hook handler that never returns (a loop that calls nothing).
;; Rebuild: wat2wasm hang.wat -o hang.wasm
(module
  (func $hang (result i32) (loop $forever (br $forever)) (i32.const 0))
  (export "append" (func $hang))
  (export "answer" (func $hang)))

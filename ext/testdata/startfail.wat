;; startfail: a module that compiles but traps in its start function, so no
;; instance of it ever starts (a reload to it must be refused).
;; Rebuild: wat2wasm startfail.wat -o startfail.wasm
(module
  (func $start unreachable)
  (start $start)
  (func $append (result i32) (i32.const 0))
  (export "append" (func $append)))

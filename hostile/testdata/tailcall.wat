;; tailcall: an infinite loop made of tail calls (return_call), no loop
;; instruction at all. Built with wat2wasm --enable-tail-call.
(module
  (func $spin (result i32) (return_call $spin))
  (func (export "spin") (result i32) (return_call $spin)))

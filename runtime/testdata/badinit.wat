;; badinit: a plug-in whose start-up (_initialize) traps, so no instance of
;; it can be made.
;; Rebuild: wat2wasm badinit.wat -o badinit.wasm
(module
  (func (export "_initialize") unreachable)
  (func (export "run") (result i32) (i32.const 0)))

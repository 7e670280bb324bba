;; sandbox_shadow_mod: a plain module with a memory, given a manifest name
;; that must not shadow the host's modules (issue 12, point 2).
;; Rebuild: wat2wasm hostile/testdata/sandbox_shadow_mod.wat -o hostile/testdata/sandbox_shadow_mod.wasm
(module
  (memory (export "memory") 1)
  (func (export "run") (result i32) (i32.const 0)))

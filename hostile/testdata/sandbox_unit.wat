;; sandbox_unit: `one` does one 16 MiB fill and one 8 MiB copy of a fresh
;; memory, the largest step no interrupt check can split: the sandbox tests
;; time it to know how slow the machine is right now.
;; Rebuild: wat2wasm hostile/testdata/sandbox_unit.wat -o hostile/testdata/sandbox_unit.wasm
(module
  (memory (export "memory") 256)
  (func (export "one") (result i32)
    (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216))
    (memory.copy (i32.const 0) (i32.const 8388608) (i32.const 8388608))
    (i32.const 0)))

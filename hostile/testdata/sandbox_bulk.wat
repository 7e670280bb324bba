;; sandbox_bulk: bulk memory instructions that each move a whole 16 MiB
;; memory (issue 12, point 1), one fill and one copy per loop iteration,
;; forever.
;; Rebuild: wat2wasm hostile/testdata/sandbox_bulk.wat -o hostile/testdata/sandbox_bulk.wasm
(module
  (memory (export "memory") 256)
  (func (export "loop") (result i32)
    (loop $again
      (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216))
      (memory.copy (i32.const 0) (i32.const 8388608) (i32.const 8388608))
      (br $again))
    (i32.const 0)))

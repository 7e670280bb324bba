;; Instantiated as "env" to satisfy imported.wat.
(module
  (global (export "g0") i32 (i32.const 5))
  (global (export "g1") (mut i64) (i64.const 0))
  (func (export "tick") (global.set 1 (i64.add (global.get 1) (i64.const 1))))
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref))

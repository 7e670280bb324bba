;; memmin: asks for more memory at start than it may ever have (300 pages).
(module
  (memory (export "memory") 300)
  (func (export "run") (result i32) (i32.const 0)))

;; init: a WASI reactor whose _initialize never returns.
(module
  (memory (export "memory") 1)
  (func (export "_initialize") (loop $forever (br $forever)))
  (func (export "run") (result i32) (i32.const 0)))

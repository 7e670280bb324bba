;; import_table imports a table from the kernel's module.
(module
  (import "extism:host/env" "table" (table 1 funcref))
  (func (export "run") (result i32) (i32.const 0)))

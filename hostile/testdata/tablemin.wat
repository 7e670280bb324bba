;; tablemin: declares a table of 2^22 entries (32 MiB of host memory at
;; instantiation), outside the linear memory that memory.max_pages bounds.
(module
  (table $t 0x400000 funcref)
  (func (export "run") (result i32) (i32.ne (table.size $t) (i32.const 0x400000))))

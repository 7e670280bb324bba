;; memmin_hidden: asks for 2048 pages (128 MiB) at start, and does not export
;; its memory, in case only exported memories are checked against the cap.
(module
  (memory 2048)
  (func (export "run") (result i32) (i32.ne (memory.size) (i32.const 2048))))

;; No global section and no export section. The start function writes to
;; memory; nothing can be called from outside.
(module
  (memory 1)
  (data (i32.const 16) "tendril")
  (func $init
    (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.add (i32.load8_u (local.get $i)) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 64)))))
  (start $init))

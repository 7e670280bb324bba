;; Self loops made of tail calls: no loop instruction at all, so only the
;; check at function entry can stop them.
(module
  (func $spin (export "spin")
    (return_call $spin))

  (type $count_t (func (param i64) (result i64)))
  (table funcref (elem $count))

  ;; count tail-calls itself through the table while n != limit.
  (func $count (export "count") (param $n i64) (param $limit i64) (result i64)
    (if (result i64) (i64.eq (local.get $n) (local.get $limit))
      (then (local.get $n))
      (else
        (return_call_indirect (type $cnt2)
          (i64.add (local.get $n) (i64.const 1))
          (local.get $limit)
          (i32.const 0)))))
  (type $cnt2 (func (param i64 i64) (result i64))))

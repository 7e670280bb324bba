;; $inner's loop counts less than its local budget per call, and $inner is
;; called over and over: only its flush on return charges that work to the
;; module's counter (its entry charge pays for a little of it).
(module
  (func $inner (param $n i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "outer") (param $calls i32) (param $n i32)
    (loop $l
      (call $inner (local.get $n))
      (local.set $calls (i32.sub (local.get $calls) (i32.const 1)))
      (br_if $l (local.get $calls)))))

;; An infinite loop and a bounded one. No globals, so Instrument must
;; create the global section (before the export section).
(module
  (func (export "spin")
    (loop $l
      (br $l)))

  ;; sum returns 0+1+...+(n-1), looping n times.
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))

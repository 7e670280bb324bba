;; Loops that branch out of themselves and of enclosing loops, with
;; results, br_table and if/else: the exit-loop rewrite re-targets every
;; label that crosses a rewritten loop.
(module
  ;; Nested loops; the inner one leaves both through br_table.
  (func (export "nest") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $s i32)
    (block $out
      (loop $outer
        (local.set $j (i32.const 0))
        (block $next
          (loop $inner
            (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_table $inner $next $out
              (select (i32.const 0)
                (select (i32.const 1) (i32.const 2) (i32.lt_u (local.get $i) (local.get $n)))
                (i32.lt_u (local.get $j) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $s))

  ;; A loop with a result, left by br_if with a value.
  (func (export "result") (param $n i32) (result i32)
    (local $i i32)
    (i32.add (i32.const 1000)
      (loop $l (result i32)
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))
        (local.get $i))))

  ;; A loop with a result left from inside an if, through a block with a result.
  (func (export "ifs") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done (result i64)
      (loop $l
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i)))))
          (else (local.set $acc (i64.sub (local.get $acc) (i64.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (local.get $acc) (i32.ge_u (local.get $i) (local.get $n)))
        (br $l))
      (i64.const -1)))

  ;; A loop with a parameter (type index): keeps the check inside.
  (type $p (func (param i32) (result i32)))
  (func (export "param") (param $n i32) (result i32)
    (i32.const 0)
    (loop $l (type $p)
      (i32.add (i32.const 1))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (i32.const 0))))
    (i32.mul (i32.const 2)))

  ;; A loop that never ends.
  (func (export "spin") (loop $l (br $l))))

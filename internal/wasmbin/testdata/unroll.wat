;; Loops that unrollLoops copies (small, innermost, no calls) and loops it
;; leaves alone. Each export computes something the test checks against
;; the uninstrumented module.
(module
  (memory (export "mem") 1)
  (data (i32.const 0) "hello, unrolled world: aeiou AEIOU xyz")

  ;; count(n): the bytes equal to 'o' among the first n (a byte scan).
  (func (export "count") (param $n i32) (result i32)
    (local $i i32) (local $c i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (local.set $c (i32.add (local.get $c)
          (i32.eq (i32.load8_u (local.get $i)) (i32.const 111))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
    (local.get $c))

;; find(b): the index of byte b, or -1 past 40 bytes; but at every 16th
  ;; byte the loop falls out with its result, and find returns 1000 + the
  ;; index. The loop is left from inside through a br_table too.
  (func (export "find") (param $b i32) (result i32)
    (local $i i32)
    (block $found
      (block $miss
        (return (i32.add (i32.const 1000)
          (loop $l (result i32)
            (block $next
              (br_table $found $next $miss
                (select (i32.const 0)
                  (select (i32.const 2) (i32.const 1) (i32.ge_u (local.get $i) (i32.const 40)))
                  (i32.eq (i32.load8_u (local.get $i)) (local.get $b)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.and (local.get $i) (i32.const 15)))
            (local.get $i)))))
      (return (i32.const -1)))
    (local.get $i))

  ;; collatz(x): steps to reach 1; the inner loop (halving) is unrolled,
  ;; the outer one holds it and is not.
  (func (export "collatz") (param $x i32) (result i32)
    (local $steps i32)
    (block $done
      (loop $outer
        (br_if $done (i32.le_u (local.get $x) (i32.const 1)))
        (if (i32.and (local.get $x) (i32.const 1))
          (then (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
                (local.set $steps (i32.add (local.get $steps) (i32.const 1)))))
        (loop $halve
          (local.set $x (i32.shr_u (local.get $x) (i32.const 1)))
          (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
          (br_if $halve (i32.eqz (i32.and (local.get $x) (i32.const 1)))))
        (br $outer)))
    (local.get $steps))

  ;; A loop that calls is not unrolled.
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "calls") (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $id (local.get $n))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))

  ;; spin never returns: the unrolled loop must still be interrupted.
  (func (export "spin") (param $x i32) (result i32)
    (loop $l
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br $l))
    (unreachable)))

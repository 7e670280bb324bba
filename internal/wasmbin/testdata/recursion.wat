;; Recursion through functions that only the module calls, so that their
;; callers charge their entries (see chargeSites): the charge must still
;; come before every call, or a deep or exponential recursion would run
;; unchecked.
(module
  ;; fib calls itself twice in one region: one charge covers both calls;
  ;; the base case charges nothing.
  (func $fib (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                     (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  (func (export "fib") (param i64) (result i64) (call $fib (local.get 0)))

  ;; $ping and $pong call each other: 2^n calls in all. One of them must
  ;; be checked (the analysis picks $pong): $ping's two calls of it share a
  ;; region (one charge, though the br_if may skip the second); $ping is a
  ;; leaf, which $pong's entry charge pays for.
  (func $ping (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else
        (block $b (result i32)
          (call $pong (i32.sub (local.get $n) (i32.const 1)))
          (br_if $b (i32.eqz (local.get $n)))
          (call $pong (i32.sub (local.get $n) (i32.const 1)))
          (i32.add)))))
  (func $pong (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else
        (i32.add
          (call $ping (i32.sub (local.get $n) (i32.const 1)))
          (block (result i32)
            (call $ping (i32.sub (local.get $n) (i32.const 1))))))))
  (func (export "pingpong") (param i32) (result i32) (call $pong (local.get 0)))

;; $three is called from ten regions (maxCallerRegions is 8): it checks
  ;; at its entry instead.
  (func $three (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $three (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 3))))
  (func (export "three") (param i32) (result i32)
    (local $s i32)
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (block (local.set $s (i32.add (local.get $s) (call $three (local.get 0)))))
      (local.get $s))

  ;; A tail call charges before it too.
  (func $down (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 7))
      (else (return_call $down (i64.sub (local.get $n) (i64.const 1))))))
  (func (export "down") (param i64) (result i64) (call $down (local.get 0))))

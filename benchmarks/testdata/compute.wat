;; Compute-heavy plug-ins for the guest-speed benchmarks (bench_guest_test.go):
;; each export does a fixed amount of work that barely touches the ABI and
;; outputs its result as 8 little-endian bytes. Three shapes:
;;   sieve       memory-bound loops: primes below 4,000,000, a byte each
;;   mandelbrot  floating-point nested loops: 256x256 points, 256 iterations
;;   fib         deep recursion: fib(30) the naive way (2.7 million calls)
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 64)

  (func $out (param $v i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8)))

  (func (export "sieve") (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 1) (i32.const 4000000))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.gt_u (i32.mul (local.get $i) (local.get $i)) (i32.const 4000000)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $end
              (loop $cross
                (br_if $end (i32.ge_u (local.get $j) (i32.const 4000000)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $cross)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.set $i (i32.const 2))
    (block $done
      (loop $count
        (br_if $done (i32.ge_u (local.get $i) (i32.const 4000000)))
        (local.set $count (i32.add (local.get $count) (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count)))
    (call $out (i64.extend_i32_u (local.get $count)))
    (i32.const 0))

  (func (export "mandelbrot") (result i32)
    (local $px i32) (local $py i32) (local $it i32) (local $total i64)
    (local $x0 f64) (local $y0 f64) (local $x f64) (local $y f64) (local $xt f64)
    (loop $rows
      (local.set $y0 (f64.sub (f64.div (f64.convert_i32_u (local.get $py)) (f64.const 128)) (f64.const 1)))
      (local.set $px (i32.const 0))
      (loop $cols
        (local.set $x0 (f64.sub (f64.div (f64.mul (f64.convert_i32_u (local.get $px)) (f64.const 3.5)) (f64.const 256)) (f64.const 2.5)))
        (local.set $x (f64.const 0))
        (local.set $y (f64.const 0))
        (local.set $it (i32.const 0))
        (block $escaped
          (loop $iter
            (br_if $escaped (f64.gt (f64.add (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (f64.const 4)))
            (br_if $escaped (i32.ge_u (local.get $it) (i32.const 256)))
            (local.set $xt (f64.add (f64.sub (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (local.get $x0)))
            (local.set $y (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $x)) (local.get $y)) (local.get $y0)))
            (local.set $x (local.get $xt))
            (local.set $it (i32.add (local.get $it) (i32.const 1)))
            (br $iter)))
        (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get $it))))
        (br_if $cols (i32.lt_u (local.tee $px (i32.add (local.get $px) (i32.const 1))) (i32.const 256))))
      (br_if $rows (i32.lt_u (local.tee $py (i32.add (local.get $py) (i32.const 1))) (i32.const 256))))
    (call $out (local.get $total))
    (i32.const 0))

  (func $fib (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func (export "fib") (result i32)
    (call $out (call $fib (i32.const 30)))
    (i32.const 0)))

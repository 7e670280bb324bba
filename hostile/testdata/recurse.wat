;; recurse: unbounded recursion with fat frames, until the stack overflows.
(module
  (func $down (param $n i64) (result i64)
    (local $p0 i64) (local $p1 i64) (local $p2 i64) (local $p3 i64)
    (local $p4 i64) (local $p5 i64) (local $p6 i64) (local $p7 i64)
    (local.set $p0 (local.get $n))
    (local.set $p7 (i64.add (local.get $p0) (i64.const 1)))
    (i64.add (call $down (local.get $p7)) (local.get $p0)))
  (func (export "recurse") (result i32)
    (drop (call $down (i64.const 0)))
    (i32.const 0)))

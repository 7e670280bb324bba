;; Threads: atomic memory operations (prefix 0xFE) inside a loop.
(module
  (memory 1 1 shared)
  (func (export "atomics") (param $n i32) (result i64)
    (local $i i32) (local $old i32)
    (loop $l
      (drop (i32.atomic.rmw.add offset=8 (i32.const 0) (local.get $i)))
      (i64.atomic.store offset=16 (i32.const 0) (i64.extend_i32_u (local.get $i)))
      (atomic.fence)
      ;; compare-and-swap retry loop
      (loop $cas
        (local.set $old (i32.atomic.load offset=24 (i32.const 0)))
        (br_if $cas (i32.ne (local.get $old)
          (i32.atomic.rmw.cmpxchg offset=24 (i32.const 0) (local.get $old)
            (i32.add (local.get $old) (i32.const 3))))))
      (drop (memory.atomic.notify offset=32 (i32.const 0) (i32.const 1)))
      (drop (i64.atomic.rmw8.xor_u offset=40 (i32.const 0) (i64.const 0x03)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add
      (i64.atomic.load offset=16 (i32.const 0))
      (i64.add (i64.extend_i32_u (i32.atomic.load offset=8 (i32.const 0)))
        (i64.add (i64.atomic.load32_u offset=24 (i32.const 0))
          (i64.atomic.load offset=40 (i32.const 0)))))))

;; WebAssembly 2.0 features whose immediates the instruction decoder must
;; skip correctly. Every function loops, so a decoding slip would misplace
;; the inserted check and change results or fail validation.
(module
  (type $pair (func (param i32) (result i32 i32)))
  (type $unary (func (param i32) (result i32)))
  (memory 1)
  (data $bytes "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\03\40\0b\00")
  (data $passive "loop\03\40")
  (table $t 4 funcref)
  (table $ext 2 externref)
  (elem $fns func $double $triple)
  (elem declare func $triple)

  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $unary) (i32.mul (local.get 0) (i32.const 3)))

  ;; SIMD: sums n lanes of shuffled, lane-loaded and constant vectors.
  (func (export "simd") (param $n i32) (result i32)
    (local $v v128) (local $i i32) (local $s i32)
    (local.set $v (v128.const i8x16 3 64 11 0 3 64 11 0 3 64 11 0 3 64 11 0))
    (loop $l
      (local.set $v
        (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
          (i32x4.add (local.get $v) (v128.load offset=3 align=1 (local.get $i)))
          (v128.load32_zero offset=0 (i32.const 4))))
      (local.set $v (v128.load8_lane 3 (i32.const 7) (local.get $v)))
      (v128.store16_lane offset=200 1 (i32.const 0) (local.get $v))
      (local.set $v (i16x8.replace_lane 2 (local.get $v) (i32.const 0x0340)))
      (local.set $v (i16x8.add_sat_u (local.get $v) (i16x8.splat (i32.const 3))))
      (local.set $v (i32x4.trunc_sat_f32x4_s (f32x4.convert_i32x4_u (local.get $v))))
      (local.set $s
        (i32.add (local.get $s)
          (i32.add (i32x4.extract_lane 3 (local.get $v))
                   (i8x16.extract_lane_u 1 (i8x16.popcnt (local.get $v))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (i32x4.bitmask (local.get $v))))

  ;; Bulk memory and table operations inside a loop.
  (func (export "bulk") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (memory.init $passive (i32.const 100) (i32.const 0) (i32.const 6))
      (memory.copy (i32.add (i32.const 300) (local.get $i)) (i32.const 100) (i32.const 6))
      (memory.fill (i32.const 400) (local.get $i) (i32.const 8))
      (table.init $t $fns (i32.const 0) (i32.const 0) (i32.const 2))
      (table.copy $t $t (i32.const 2) (i32.const 0) (i32.const 2))
      (drop (table.grow $t (ref.null func) (i32.const 1)))
      (table.fill $t (i32.const 3) (ref.func $triple) (i32.const 1))
      (local.set $s (i32.add (local.get $s)
        (i32.add (call_indirect $t (type $unary) (local.get $i) (i32.const 3))
          (i32.add (table.size $t) (i32.load8_u (i32.const 403))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (i32.load (i32.const 300))))

  ;; After the drops, only zero-length inits are allowed.
  (func (export "drops") (result i32)
    (data.drop $passive)
    (elem.drop $fns)
    (memory.init $passive (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init $t $fns (i32.const 0) (i32.const 0) (i32.const 0))
    (table.size $t))

  ;; Reference types, typed select, sign extension, saturating truncation,
  ;; multi-value loop parameters via a type index.
  (func (export "refs") (param $n i32) (result i32)
    (local $s i32) (local $r funcref) (local $e externref)
    (table.set $t (i32.const 1) (ref.func $triple))
    (table.set $ext (i32.const 0) (ref.null extern))
    (local.set $r (table.get $t (i32.const 1)))
    (local.set $e (table.get $ext (i32.const 0)))
    (local.get $n)
    (loop $l (type $pair) (param i32) (result i32 i32)
      (local.set $n)
      (local.set $s (i32.add (local.get $s)
        (select (result i32) (i32.const 1) (i32.const 2) (ref.is_null (local.get $r)))))
      (local.set $s (i32.add (local.get $s) (ref.is_null (local.get $e))))
      (local.set $s (i32.add (local.get $s) (i32.extend8_s (i32.const 0xfd))))
      (local.set $s (i32.add (local.get $s) (i32.trunc_sat_f64_s (f64.const 1e30))))
      (local.set $s (i32.sub (local.get $s) (i32.const 0x7fffffff)))
      (br_if $l (i32.sub (local.get $n) (i32.const 1))
                (i32.gt_s (local.get $n) (i32.const 1)))
      (local.get $s))
    (i32.add))

  (func (export "copy_data") (param i32) (result i32)
    (memory.init $bytes (i32.const 1000) (i32.const 0) (i32.const 20))
    (i32.load (i32.add (i32.const 1000) (local.get 0)))))

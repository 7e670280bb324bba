;; sandbox_tables: 64 tables, each grown 4096 elements at a time until
;; table.grow refuses (issue 12, point 4: tables were bounded one by one, so
;; 64 of them made the host allocate 64 times the cap). `grow` outputs the
;; number of elements it got.
;; Rebuild: wat2wasm hostile/testdata/sandbox_tables.wat -o hostile/testdata/sandbox_tables.wasm
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (table $t0 0 funcref)
  (table $t1 0 funcref)
  (table $t2 0 funcref)
  (table $t3 0 funcref)
  (table $t4 0 funcref)
  (table $t5 0 funcref)
  (table $t6 0 funcref)
  (table $t7 0 funcref)
  (table $t8 0 funcref)
  (table $t9 0 funcref)
  (table $t10 0 funcref)
  (table $t11 0 funcref)
  (table $t12 0 funcref)
  (table $t13 0 funcref)
  (table $t14 0 funcref)
  (table $t15 0 funcref)
  (table $t16 0 funcref)
  (table $t17 0 funcref)
  (table $t18 0 funcref)
  (table $t19 0 funcref)
  (table $t20 0 funcref)
  (table $t21 0 funcref)
  (table $t22 0 funcref)
  (table $t23 0 funcref)
  (table $t24 0 funcref)
  (table $t25 0 funcref)
  (table $t26 0 funcref)
  (table $t27 0 funcref)
  (table $t28 0 funcref)
  (table $t29 0 funcref)
  (table $t30 0 funcref)
  (table $t31 0 funcref)
  (table $t32 0 funcref)
  (table $t33 0 funcref)
  (table $t34 0 funcref)
  (table $t35 0 funcref)
  (table $t36 0 funcref)
  (table $t37 0 funcref)
  (table $t38 0 funcref)
  (table $t39 0 funcref)
  (table $t40 0 funcref)
  (table $t41 0 funcref)
  (table $t42 0 funcref)
  (table $t43 0 funcref)
  (table $t44 0 funcref)
  (table $t45 0 funcref)
  (table $t46 0 funcref)
  (table $t47 0 funcref)
  (table $t48 0 funcref)
  (table $t49 0 funcref)
  (table $t50 0 funcref)
  (table $t51 0 funcref)
  (table $t52 0 funcref)
  (table $t53 0 funcref)
  (table $t54 0 funcref)
  (table $t55 0 funcref)
  (table $t56 0 funcref)
  (table $t57 0 funcref)
  (table $t58 0 funcref)
  (table $t59 0 funcref)
  (table $t60 0 funcref)
  (table $t61 0 funcref)
  (table $t62 0 funcref)
  (table $t63 0 funcref)
  (func (export "grow") (result i32)
    (local $n i64) (local $out i64)
    (block $done0
      (loop $grow0
        (br_if $done0 (i32.eq (table.grow $t0 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow0)))
    (block $done1
      (loop $grow1
        (br_if $done1 (i32.eq (table.grow $t1 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow1)))
    (block $done2
      (loop $grow2
        (br_if $done2 (i32.eq (table.grow $t2 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow2)))
    (block $done3
      (loop $grow3
        (br_if $done3 (i32.eq (table.grow $t3 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow3)))
    (block $done4
      (loop $grow4
        (br_if $done4 (i32.eq (table.grow $t4 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow4)))
    (block $done5
      (loop $grow5
        (br_if $done5 (i32.eq (table.grow $t5 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow5)))
    (block $done6
      (loop $grow6
        (br_if $done6 (i32.eq (table.grow $t6 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow6)))
    (block $done7
      (loop $grow7
        (br_if $done7 (i32.eq (table.grow $t7 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow7)))
    (block $done8
      (loop $grow8
        (br_if $done8 (i32.eq (table.grow $t8 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow8)))
    (block $done9
      (loop $grow9
        (br_if $done9 (i32.eq (table.grow $t9 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow9)))
    (block $done10
      (loop $grow10
        (br_if $done10 (i32.eq (table.grow $t10 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow10)))
    (block $done11
      (loop $grow11
        (br_if $done11 (i32.eq (table.grow $t11 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow11)))
    (block $done12
      (loop $grow12
        (br_if $done12 (i32.eq (table.grow $t12 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow12)))
    (block $done13
      (loop $grow13
        (br_if $done13 (i32.eq (table.grow $t13 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow13)))
    (block $done14
      (loop $grow14
        (br_if $done14 (i32.eq (table.grow $t14 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow14)))
    (block $done15
      (loop $grow15
        (br_if $done15 (i32.eq (table.grow $t15 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow15)))
    (block $done16
      (loop $grow16
        (br_if $done16 (i32.eq (table.grow $t16 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow16)))
    (block $done17
      (loop $grow17
        (br_if $done17 (i32.eq (table.grow $t17 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow17)))
    (block $done18
      (loop $grow18
        (br_if $done18 (i32.eq (table.grow $t18 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow18)))
    (block $done19
      (loop $grow19
        (br_if $done19 (i32.eq (table.grow $t19 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow19)))
    (block $done20
      (loop $grow20
        (br_if $done20 (i32.eq (table.grow $t20 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow20)))
    (block $done21
      (loop $grow21
        (br_if $done21 (i32.eq (table.grow $t21 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow21)))
    (block $done22
      (loop $grow22
        (br_if $done22 (i32.eq (table.grow $t22 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow22)))
    (block $done23
      (loop $grow23
        (br_if $done23 (i32.eq (table.grow $t23 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow23)))
    (block $done24
      (loop $grow24
        (br_if $done24 (i32.eq (table.grow $t24 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow24)))
    (block $done25
      (loop $grow25
        (br_if $done25 (i32.eq (table.grow $t25 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow25)))
    (block $done26
      (loop $grow26
        (br_if $done26 (i32.eq (table.grow $t26 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow26)))
    (block $done27
      (loop $grow27
        (br_if $done27 (i32.eq (table.grow $t27 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow27)))
    (block $done28
      (loop $grow28
        (br_if $done28 (i32.eq (table.grow $t28 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow28)))
    (block $done29
      (loop $grow29
        (br_if $done29 (i32.eq (table.grow $t29 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow29)))
    (block $done30
      (loop $grow30
        (br_if $done30 (i32.eq (table.grow $t30 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow30)))
    (block $done31
      (loop $grow31
        (br_if $done31 (i32.eq (table.grow $t31 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow31)))
    (block $done32
      (loop $grow32
        (br_if $done32 (i32.eq (table.grow $t32 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow32)))
    (block $done33
      (loop $grow33
        (br_if $done33 (i32.eq (table.grow $t33 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow33)))
    (block $done34
      (loop $grow34
        (br_if $done34 (i32.eq (table.grow $t34 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow34)))
    (block $done35
      (loop $grow35
        (br_if $done35 (i32.eq (table.grow $t35 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow35)))
    (block $done36
      (loop $grow36
        (br_if $done36 (i32.eq (table.grow $t36 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow36)))
    (block $done37
      (loop $grow37
        (br_if $done37 (i32.eq (table.grow $t37 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow37)))
    (block $done38
      (loop $grow38
        (br_if $done38 (i32.eq (table.grow $t38 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow38)))
    (block $done39
      (loop $grow39
        (br_if $done39 (i32.eq (table.grow $t39 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow39)))
    (block $done40
      (loop $grow40
        (br_if $done40 (i32.eq (table.grow $t40 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow40)))
    (block $done41
      (loop $grow41
        (br_if $done41 (i32.eq (table.grow $t41 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow41)))
    (block $done42
      (loop $grow42
        (br_if $done42 (i32.eq (table.grow $t42 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow42)))
    (block $done43
      (loop $grow43
        (br_if $done43 (i32.eq (table.grow $t43 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow43)))
    (block $done44
      (loop $grow44
        (br_if $done44 (i32.eq (table.grow $t44 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow44)))
    (block $done45
      (loop $grow45
        (br_if $done45 (i32.eq (table.grow $t45 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow45)))
    (block $done46
      (loop $grow46
        (br_if $done46 (i32.eq (table.grow $t46 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow46)))
    (block $done47
      (loop $grow47
        (br_if $done47 (i32.eq (table.grow $t47 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow47)))
    (block $done48
      (loop $grow48
        (br_if $done48 (i32.eq (table.grow $t48 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow48)))
    (block $done49
      (loop $grow49
        (br_if $done49 (i32.eq (table.grow $t49 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow49)))
    (block $done50
      (loop $grow50
        (br_if $done50 (i32.eq (table.grow $t50 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow50)))
    (block $done51
      (loop $grow51
        (br_if $done51 (i32.eq (table.grow $t51 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow51)))
    (block $done52
      (loop $grow52
        (br_if $done52 (i32.eq (table.grow $t52 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow52)))
    (block $done53
      (loop $grow53
        (br_if $done53 (i32.eq (table.grow $t53 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow53)))
    (block $done54
      (loop $grow54
        (br_if $done54 (i32.eq (table.grow $t54 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow54)))
    (block $done55
      (loop $grow55
        (br_if $done55 (i32.eq (table.grow $t55 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow55)))
    (block $done56
      (loop $grow56
        (br_if $done56 (i32.eq (table.grow $t56 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow56)))
    (block $done57
      (loop $grow57
        (br_if $done57 (i32.eq (table.grow $t57 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow57)))
    (block $done58
      (loop $grow58
        (br_if $done58 (i32.eq (table.grow $t58 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow58)))
    (block $done59
      (loop $grow59
        (br_if $done59 (i32.eq (table.grow $t59 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow59)))
    (block $done60
      (loop $grow60
        (br_if $done60 (i32.eq (table.grow $t60 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow60)))
    (block $done61
      (loop $grow61
        (br_if $done61 (i32.eq (table.grow $t61 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow61)))
    (block $done62
      (loop $grow62
        (br_if $done62 (i32.eq (table.grow $t62 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow62)))
    (block $done63
      (loop $grow63
        (br_if $done63 (i32.eq (table.grow $t63 (ref.null func) (i32.const 4096)) (i32.const -1)))
        (local.set $n (i64.add (local.get $n) (i64.const 4096)))
        (br $grow63)))
    (local.set $out (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $out) (local.get $n))
    (call $output_set (local.get $out) (i64.const 8))
    (i32.const 0)))

;; http: sends the request whose JSON is its input ({"url": ...}) and outputs
;; the response body.
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (func (export "request") (result i32)
    (local $body i64)
    (local.set $body (call $http_request (call $input_offset) (i64.const 0)))
    (if (i64.ne (local.get $body) (i64.const 0))
      (then (call $output_set (local.get $body) (call $length (local.get $body)))))
    (i32.const 0)))

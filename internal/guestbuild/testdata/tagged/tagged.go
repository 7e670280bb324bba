//go:build wasip1 && tendriltest

package main

func tagged() int32 { return 7 }

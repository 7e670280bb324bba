//go:build !race

package ext_test

const raceEnabled = false

package codectest

import (
	"errors"
	"slices"
	"strings"
)

// ErrRejected is what Transform returns for a Record named "reject".
var ErrRejected = errors.New("codectest: record rejected")

// Transform is what the typed test plug-in does to a Record (and what a
// test's host function does for it), so that a test can tell that every
// field was decoded and encoded: it changes each field in a way the test
// recomputes. It does not modify r. A Record named "reject" gives
// ErrRejected.
func Transform(r Record) (Record, error) {
	if r.Name == "reject" {
		return Record{}, ErrRejected
	}
	t := r
	t.ID = r.ID/2 + 1
	t.Name = strings.ToUpper(r.Name)
	t.Tags = append(slices.Clone(r.Tags), "seen")
	t.Attrs = cloneMap(r.Attrs)
	t.Attrs["seen"] = "yes"
	if r.Owner != nil {
		o := *r.Owner
		o.Age++
		t.Owner = &o
	}
	t.Children = slices.Clone(r.Children)
	slices.Reverse(t.Children)
	t.Blob = slices.Clone(r.Blob)
	slices.Reverse(t.Blob)
	if r.Nickname == nil {
		t.Nickname = ptr("none")
	} else {
		t.Nickname = ptr(*r.Nickname + "!")
	}
	t.Active = !r.Active
	t.Ratio = r.Ratio / 2
	t.Counts = cloneMap(r.Counts)
	t.Counts["transformed"]++
	t.Samples = slices.Clone(r.Samples)
	slices.Reverse(t.Samples)
	return t, nil
}

// TransformBytes is Transform for raw bytes: the bytes reversed.
func TransformBytes(b []byte) []byte {
	t := slices.Clone(b)
	slices.Reverse(t)
	return t
}

// TransformString is Transform for text: the text in upper case.
func TransformString(s string) string { return strings.ToUpper(s) }

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

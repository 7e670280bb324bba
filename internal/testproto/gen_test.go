package testproto_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGenerated checks that test.pb.go is what scripts/genproto.sh makes of
// test.proto now. It needs protoc: without it the test skips, unless
// TENDRIL_CI=1 says it runs in CI, where a missing tool is a failure.
func TestGenerated(t *testing.T) {
	if _, err := exec.LookPath("protoc"); err != nil {
		if os.Getenv("TENDRIL_CI") == "1" {
			t.Fatalf("protoc not found (apt-get install protobuf-compiler): %v", err)
		}
		t.Skip("protoc not found (apt-get install protobuf-compiler); set TENDRIL_CI=1 to make this a failure")
	}
	// Read the inputs here, so that go test's cache notices edits to them.
	_, err := os.ReadFile("test.proto")
	require.NoError(t, err)
	_, err = os.ReadFile("../../scripts/genproto.sh")
	require.NoError(t, err)

	out := t.TempDir()
	cmd := exec.Command("bash", "../../scripts/genproto.sh", out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "scripts/genproto.sh: %s", msg)

	got, err := os.ReadFile(filepath.Join(out, "internal", "testproto", "test.pb.go"))
	require.NoError(t, err)
	want, err := os.ReadFile("test.pb.go")
	require.NoError(t, err)
	wl, gl := lines(want), lines(got)
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Fatalf("test.pb.go does not match test.proto (run scripts/genproto.sh and commit the result);\n"+
				"first difference at line %d (protoc's version line ignored):\ncommitted:   %q\nregenerated: %q", i+1, w, g)
		}
	}
}

// lines splits a generated file into lines without the header line naming
// protoc's version: protoc comes from the system's packages and may differ
// between machines, while protoc-gen-go, which writes the code, is pinned by
// go.mod.
func lines(b []byte) []string {
	var out []string
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("// \tprotoc ")) {
			continue
		}
		out = append(out, string(line))
	}
	return out
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// shoutSource is a plug-in the terminal test adds and then edits while the
// editor runs: command:shout upper-cases the selection and appends BANG.
const shoutSource = `//go:build wasip1

package main

import (
	"strings"

	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/pdk"
)

type Selection struct {
	Text string ` + "`json:\"text\"`" + `
}

type Edit struct {
	Text string ` + "`json:\"text\"`" + `
}

//go:wasmexport command:shout
func shout() int32 {
	return pdk.RunTyped(json.Codec{}, func(s Selection) (Edit, error) {
		return Edit{Text: strings.ToUpper(s.Text) + "BANG"}, nil
	})
}

func main() {}
`

// tmux drives a program in a real terminal: a tmux server of its own (its
// own socket), one session, keys sent, the screen captured.
type tmux struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("TENDRIL_CI") == "1" {
			t.Fatal("tmux not found (apt-get install tmux)")
		}
		t.Skip("tmux not found (apt-get install tmux); set TENDRIL_CI=1 to make this a failure")
	}
	x := &tmux{t: t, socket: fmt.Sprintf("tendril-editor-test-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", x.socket, "kill-server").Run() })
	return x
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	require.NoError(x.t, err, "tmux %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// keys sends tmux key names ("Down", "C-p"), one by one.
func (x *tmux) keys(keys ...string) {
	x.t.Helper()
	for _, k := range keys {
		x.run("send-keys", "-t", "ed", k)
	}
}

// text types s literally.
func (x *tmux) text(s string) { x.t.Helper(); x.run("send-keys", "-t", "ed", "-l", s) }

func (x *tmux) screen() string { x.t.Helper(); return x.run("capture-pane", "-p", "-t", "ed") }

// patience is how long waitFor waits before failing the test: it only
// guards against hanging. It is long for what builds a plug-in (on a busy
// machine the first build can take minutes), a minute for a key.
func (x *tmux) patience(building bool) time.Time {
	end := time.Now().Add(time.Minute)
	if building {
		end = time.Now().Add(5 * time.Minute)
	}
	if d, ok := x.t.Deadline(); ok && d.Add(-30*time.Second).Before(end) {
		end = d.Add(-30 * time.Second)
	}
	return end
}

// waitFor waits until the screen satisfies ok and returns it.
func (x *tmux) waitFor(what string, ok func(screen string) bool) string {
	x.t.Helper()
	building := strings.Contains(what, "opened") || strings.Contains(what, "reloaded")
	end := x.patience(building)
	for {
		s := x.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(end) {
			x.t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (x *tmux) waitShown(s string) string {
	x.t.Helper()
	return x.waitFor(fmt.Sprintf("%q", s), func(screen string) bool { return strings.Contains(screen, s) })
}

// TestInteractive runs the editor in a terminal (tmux): it opens a copy of
// the sample, shows on_open's reports, sorts a selection, runs a command of
// a plug-in added for the test, reloads that plug-in when its source is
// edited, saves through the format chain and quits.
func TestInteractive(t *testing.T) {
	x := newTmux(t)
	bin := editorBinary(t)
	dir := t.TempDir()
	sample, err := os.ReadFile("sample.md")
	require.NoError(t, err)
	doc := filepath.Join(dir, "doc.md")
	require.NoError(t, os.WriteFile(doc, sample, 0o644))

	// The extra plug-in is in a module of its own, next to the repository's.
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	extra := filepath.Join(dir, "extra")
	require.NoError(t, os.MkdirAll(filepath.Join(extra, "shout"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(extra, "go.mod"), []byte("module example.com/extra\n\ngo 1.25.0\n\n"+
		"require github.com/tendril-wasm/tendril v0.0.0\n\nreplace github.com/tendril-wasm/tendril => "+root+"\n"), 0o644))
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(extra, "go.sum"), sum, 0o644))
	shout := filepath.Join(extra, "shout", "main.go")
	// A comment unique to this run: the plug-in is built from source here,
	// never found in the cache, so that the build's progress is seen.
	source := fmt.Sprintf("%s// run %d\n", shoutSource, time.Now().UnixNano())
	require.NoError(t, os.WriteFile(shout, []byte(source), 0o644))
	plugins, err := filepath.Abs("plugins")
	require.NoError(t, err)

	stderr := filepath.Join(dir, "stderr.log")
	cmd := fmt.Sprintf("%s -cache %s -plugins %s doc.md 2>%s", bin, testCache(), plugins+string(filepath.ListSeparator)+extra, stderr)
	x.run("new-session", "-d", "-s", "ed", "-x", "100", "-y", "32", "-c", dir, cmd)

	s := x.waitShown("opened doc.md: on_open ran 2 plug-ins")
	require.Contains(t, s, "   1 # tendril editor sample")
	require.Contains(t, s, "wordcount  121 words, 30 lines, 652 characters; reading time 1 min")
	require.Contains(t, s, "  18:1: warning: heading level 4 after level 2")
	log, err := os.ReadFile(stderr)
	require.NoError(t, err)
	require.Contains(t, string(log), "building plug-in shout from source", "the build shows its progress")
	require.Contains(t, string(log), "loaded 7 plug-ins")

	// Select lines 9-14 and sort them.
	x.keys("Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down")
	x.waitShown("doc.md  9:1")
	x.keys("C-Space", "Down", "Down", "Down", "Down", "Down")
	x.waitShown("doc.md  14:1")
	x.keys("C-p")
	x.waitShown("\ncommand:")
	x.text("sort")
	x.keys("Enter")
	s = x.waitShown("sort on lines 9-14 by lines: 6 lines sorted")
	require.Contains(t, s, "   9 - case: upper, lower and title case\n  10 - lines: sort, uniq and reverse\n")

	// Escape clears the selection and the on_open panel; then shout line 1.
	x.keys("Escape")
	x.waitFor("the panel to close", func(s string) bool { return !strings.Contains(s, "wordcount  121 words") })
	x.keys("PgUp")
	x.waitShown("doc.md [+]  1:1")
	x.keys("F3", "C-p")
	x.waitShown("\ncommand:")
	x.text("sh")
	x.keys("Tab") // completes "shout"
	x.waitShown("command: shout")
	x.keys("Enter")
	s = x.waitShown("shout on lines 1-1 by shout")
	require.Contains(t, s, "   1 # TENDRIL EDITOR SAMPLE   BANG\n")

	// Edit the plug-in's source: the editor rebuilds and reloads it.
	require.NoError(t, os.WriteFile(shout, bytes.Replace([]byte(source), []byte(`"BANG"`), []byte(`"!"`), 1), 0o644))
	x.waitShown("reloaded plug-in shout (version 2)")
	x.keys("C-p")
	x.waitShown("\ncommand:")
	x.text("shout")
	x.keys("Enter")
	x.waitShown("   1 # TENDRIL EDITOR SAMPLE   BANG!\n")

	// Save: the format chain runs, then the file is written.
	x.keys("C-s")
	s = x.waitShown("saved doc.md (format: whitespace -> tables)")
	t.Logf("the terminal:\n%s", s)
	saved, err := os.ReadFile(doc)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(saved), "# TENDRIL EDITOR SAMPLE   BANG!\n\nThis document ships with the editor example. It has trailing spaces,\n"), "%s", saved)
	require.Contains(t, string(saved), "\n- case: upper, lower and title case\n- lines: sort, uniq and reverse\n")
	require.Contains(t, string(saved), "\n| on_open      | notify       | 2        |\n")
	require.True(t, strings.HasSuffix(string(saved), "checks links.\n"))

	x.keys("C-q")
	for end := x.patience(false); exec.Command("tmux", "-L", x.socket, "has-session", "-t", "ed").Run() == nil; {
		if time.Now().After(end) {
			t.Fatalf("the editor did not quit; the screen is:\n%s", x.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWatchReloadsModule edits a prebuilt module while the watcher runs:
// the plug-in is reloaded and its new metadata is in force. (The C plug-in
// is patched: its priority export "tendril:priority/10" becomes .../30.)
func TestWatchReloadsModule(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wasm, err := os.ReadFile("plugins/whitespace/whitespace.wasm")
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "whitespace"), 0o755))
	path := filepath.Join(dir, "whitespace", "whitespace.wasm")
	require.NoError(t, os.WriteFile(path, wasm, 0o644))

	a, err := setup(ctx, config{pluginsDirs: dir, cacheDir: t.TempDir()}, io.Discard)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.reg.Close(ctx) })
	p, ok := a.reg.Plugin("whitespace")
	require.True(t, ok)
	info, _ := p.Info()
	require.Equal(t, 10, info.Priority)

	reloads := make(chan error, 4)
	w, err := watch(a.loader, a.reg, a.plugins, 50*time.Millisecond, func(name string, err error) {
		if err != errReloading {
			reloads <- err
		}
	})
	require.NoError(t, err)
	t.Cleanup(w.close)

	patched := bytes.Replace(wasm, []byte("tendril:priority/10"), []byte("tendril:priority/30"), 1)
	require.NotEqual(t, wasm, patched)
	require.NoError(t, os.WriteFile(path, patched, 0o644))
	require.NoError(t, <-reloads)
	info, _ = p.Info()
	require.Equal(t, 30, info.Priority)
	require.Equal(t, uint64(2), info.Version)

	// The reloaded plug-in formats as before.
	r, err := a.ed.format.Fire(ctx, "a  \n\n\nb")
	require.NoError(t, err)
	require.Equal(t, "a\n\nb\n", r.Value)

	// A module that does not compile is refused; the old version serves.
	require.NoError(t, os.WriteFile(path, []byte("\x00asm broken"), 0o644))
	require.Error(t, <-reloads)
	info, _ = p.Info()
	require.Equal(t, uint64(2), info.Version)
	r, err = a.ed.format.Fire(ctx, "x \n")
	require.NoError(t, err)
	require.Equal(t, "x\n", r.Value)
}

// TestWatchBuildsC edits the C plug-in's source while the watcher runs: its
// build.sh builds it and the new module is loaded. It needs clang and lld.
func TestWatchBuildsC(t *testing.T) {
	needClang(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "whitespace")
	require.NoError(t, os.Mkdir(dir, 0o755))
	for _, f := range []string{"build.sh", "whitespace.c", "whitespace.wasm"} {
		data, err := os.ReadFile(filepath.Join("plugins/whitespace", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	// The module is older than its sources only when they change.
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"build.sh", "whitespace.c", "whitespace.wasm"} {
		require.NoError(t, os.Chtimes(filepath.Join(dir, f), old, old))
	}
	a, err := setup(ctx, config{pluginsDirs: filepath.Dir(dir), cacheDir: t.TempDir()}, io.Discard)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.reg.Close(ctx) })
	reloads := make(chan error, 8)
	w, err := watch(a.loader, a.reg, a.plugins, 100*time.Millisecond, func(name string, err error) {
		if err != errReloading {
			reloads <- err
		}
	})
	require.NoError(t, err)
	t.Cleanup(w.close)

	src, err := os.ReadFile(filepath.Join(dir, "whitespace.c"))
	require.NoError(t, err)
	edited := bytes.Replace(src, []byte(`EXPORT("tendril:priority/10")`), []byte(`EXPORT("tendril:priority/40")`), 1)
	require.NotEqual(t, src, edited)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "whitespace.c"), edited, 0o644))
	require.NoError(t, <-reloads)
	p, _ := a.reg.Plugin("whitespace")
	info, _ := p.Info()
	require.Equal(t, 40, info.Priority)
}

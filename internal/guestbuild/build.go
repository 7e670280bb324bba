package guestbuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoGo is returned when the Go toolchain cannot be found.
var ErrNoGo = errors.New("guestbuild: go toolchain not found (install Go or set Options.GoBinary)")

// Options changes how Build runs the Go toolchain. The zero value means the
// defaults. Options is a plain value, safe to share between goroutines.
type Options struct {
	// GoBinary is the go command to run; empty means "go" from PATH, then
	// $GOROOT/bin/go.
	GoBinary string
	// Env holds extra environment variables, "KEY=value", added to the
	// current process's environment. GOOS and GOARCH are always wasip1 and
	// wasm.
	Env []string
	// Flags holds extra flags for go build, placed after the fixed ones
	// (-buildmode=c-shared -trimpath -buildvcs=false), for example
	// "-ldflags=-s -w" or "-tags=debug".
	Flags []string
}

// BuildError is returned when go build fails; Output holds what the
// toolchain printed, compiler errors included.
type BuildError struct {
	// Dir is the plug-in's directory.
	Dir string
	// Output is the combined standard output and error of go build.
	Output string
	// Err is the error of running the command, usually an *exec.ExitError.
	Err error
}

// Error returns a message with the toolchain's output.
func (e *BuildError) Error() string {
	return fmt.Sprintf("guestbuild: go build %s: %v\n%s", e.Dir, e.Err, strings.TrimSpace(e.Output))
}

// Unwrap returns the error of running the command.
func (e *BuildError) Unwrap() error { return e.Err }

// Build compiles the Go plug-in in the directory pkgDir (a main package that
// imports pdk) into the WebAssembly module outFile, with the default Options.
func Build(ctx context.Context, pkgDir, outFile string) error {
	return Options{}.Build(ctx, pkgDir, outFile)
}

// Build compiles the Go plug-in in the directory pkgDir into the WebAssembly
// module outFile. It fails with a *BuildError holding the compiler's output
// when go build fails, and with ErrNoGo when there is no toolchain.
func (o Options) Build(ctx context.Context, pkgDir, outFile string) error {
	dir, err := packageDir(pkgDir)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(outFile)
	if err != nil {
		return fmt.Errorf("guestbuild: %w", err)
	}
	args := append([]string{"build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false"}, o.Flags...)
	args = append(args, "-o", out, ".")
	output, err := o.run(ctx, dir, args...)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return &BuildError{Dir: pkgDir, Output: string(output), Err: err}
		}
		return err
	}
	return nil
}

// run runs the go command in dir for wasip1/wasm and returns its combined
// output.
func (o Options) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	goBin, err := o.goBinary()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	env := append(os.Environ(), o.Env...)
	cmd.Env = append(env, "GOOS=wasip1", "GOARCH=wasm")
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Run(); err != nil {
		return buf.Bytes(), err
	}
	return buf.Bytes(), nil
}

// goBinary finds the go command.
func (o Options) goBinary() (string, error) {
	if o.GoBinary != "" {
		p, err := exec.LookPath(o.GoBinary)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrNoGo, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p, err := exec.LookPath(filepath.Join(root, "bin", "go")); err == nil {
			return p, nil
		}
	}
	return "", ErrNoGo
}

// packageDir returns pkgDir as an absolute path, checking that it is a
// directory.
func packageDir(pkgDir string) (string, error) {
	dir, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", fmt.Errorf("guestbuild: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("guestbuild: plug-in directory: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("guestbuild: plug-in %s is not a directory", pkgDir)
	}
	return dir, nil
}

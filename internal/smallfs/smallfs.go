//go:build linux

// Package smallfs gives tests real file systems that refuse writes: one
// that fills up after a few bytes and one that is read-only.
//
// When the test process may mount (it runs as root), these are tmpfs
// mounts, removed when the test ends. Otherwise Full falls back to an
// ordinary directory and a file size limit (RLIMIT_FSIZE) for a child
// process, and ReadOnly to a directory without write permission.
package smallfs

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
)

// limitEnv passes a file size limit to a child process.
const limitEnv = "WSDBG_TEST_FILE_SIZE_LIMIT"

// Full returns a directory where writing stops, with ENOSPC or EFBIG, after
// about size bytes, and the environment (added to os.Environ) that a child
// process running the writes needs; the child must call ApplyLimit first.
// Writes from the test process itself are limited only when it mounted a
// tmpfs, so the writes belong in the child.
func Full(t testing.TB, size int) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	if mountTmpfs(t, dir, fmt.Sprintf("size=%d", size), 0) {
		return dir, os.Environ()
	}
	t.Logf("cannot mount a tmpfs here; limiting the file size of the child process to %d bytes instead", size)
	return dir, append(os.Environ(), limitEnv+"="+strconv.Itoa(size))
}

// ApplyLimit applies the file size limit Full asked for, if any. A process
// that goes past it gets EFBIG from write (Go ignores SIGXFSZ).
func ApplyLimit() error {
	v := os.Getenv(limitEnv)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("%s=%q: %w", limitEnv, v, err)
	}
	return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
}

// ReadOnly returns a directory in which nothing can be created, even by
// root.
func ReadOnly(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if mountTmpfs(t, dir, "size=64k", syscall.MS_RDONLY) {
		return dir
	}
	if os.Geteuid() == 0 {
		skipOrFail(t, "running as root without permission to mount: no way to make a read-only directory")
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	return dir
}

func mountTmpfs(t testing.TB, dir, data string, flags uintptr) bool {
	if os.Geteuid() != 0 {
		return false
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, data); err != nil {
		t.Logf("mount tmpfs: %v", err)
		return false
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return true
}

func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

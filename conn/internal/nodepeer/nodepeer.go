// Package nodepeer runs the ws library's WebSocket server (testdata/node) as
// a reference peer for interoperability tests.
package nodepeer

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long node may take to print its port.
	startTimeout = 15 * time.Second
	// stopTimeout is how long node gets to exit once its stdin closes
	// before it is killed.
	stopTimeout = 3 * time.Second
)

// reportBuffer is how many report lines wait for a test to read them;
// later ones are dropped rather than block node.
const reportBuffer = 64

// Start runs testdata/node/server.js and returns its ws:// URL (no path). The
// process is stopped when the test ends. Without node or an installed ws
// package the test is skipped, unless the CI environment variable is set,
// where a missing peer is a failure.
func Start(t testing.TB) string {
	t.Helper()
	url, _ := StartReporting(t)
	return url
}

// StartReporting is Start that also delivers what server.js reports about
// its connections, one line each, such as "CLOSE 1001 going away" when a
// client's close frame arrives.
func StartReporting(t testing.TB) (string, <-chan string) {
	t.Helper()
	dir := peerDir()
	nodePath, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node ws peer not installed: node is not in PATH")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws")); err != nil {
		unavailable(t, "node ws peer not installed: run npm ci in conn/testdata/node")
	}

	cmd := exec.Command(nodePath, "server.js")
	cmd.Dir = dir
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("node peer: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("node peer: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("node peer: %v", err)
	}

	firstLine := make(chan string, 1)
	reports := make(chan string, reportBuffer)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		out := bufio.NewReader(stdout)
		if line, err := out.ReadString('\n'); err == nil {
			firstLine <- strings.TrimSpace(line)
		}
		// Keep draining so node never blocks on a full pipe; Wait must
		// only run once all reads are done.
		for {
			line, err := out.ReadString('\n')
			if line != "" {
				select {
				case reports <- strings.TrimSpace(line):
				default:
				}
			}
			if err != nil {
				break
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close() // server.js exits when its stdin ends
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			cmd.Process.Kill()
			<-exited
		}
	})

	var failure string
	select {
	case line := <-firstLine:
		if port, ok := strings.CutPrefix(line, "LISTENING "); ok {
			return "ws://127.0.0.1:" + port, reports
		}
		failure = fmt.Sprintf("printed %q, want LISTENING <port>", line)
	case <-exited:
		failure = "exited before listening"
	case <-time.After(startTimeout):
		failure = fmt.Sprintf("did not listen within %v", startTimeout)
	}
	t.Fatalf("node peer %s\n%s", failure, stderr.String())
	return "", nil
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// peerDir locates conn/testdata/node from this source file, so the helper
// works whichever package's test calls it.
func peerDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic(fmt.Errorf("nodepeer: cannot locate own source file"))
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "node")
}

// syncBuffer collects node's stderr for failure messages; exec copies into
// it from its own goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package peers

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"testing"
	"time"
)

// NodeClient is Node's ws library as a client (testdata/node/client.js),
// for tests of wsdbg proxy from the application's side. Send writes a line
// (a text message, or one of the script's commands); Next returns what the
// client reports, one JSON object a line.
type NodeClient struct {
	t      testing.TB
	stdin  io.WriteCloser
	events chan map[string]any
}

// StartNodeClient connects Node's ws client to url; options, when not
// nil, go to its WebSocket constructor ("protocols" lists subprotocols).
// The client is stopped when the test ends.
func StartNodeClient(t testing.TB, url string, options map[string]any) *NodeClient {
	t.Helper()
	args := []string{"client.js", url}
	if options != nil {
		b, _ := json.Marshal(options)
		args = append(args, string(b))
	}
	cmd, err := nodeCommand("ws", args[0], args[1:]...)
	var u errUnavailable
	switch {
	case errors.As(err, &u):
		unavailable(t, u.why)
	case err != nil:
		t.Fatalf("ws client: %v", err)
	}
	return runNodeClient(t, cmd)
}

func runNodeClient(t testing.TB, cmd *exec.Cmd) *NodeClient {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("ws client: %v", err)
	}
	c := &NodeClient{t: t, stdin: stdin, events: make(chan map[string]any, reportBuffer)}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				c.events <- ev
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && stderr.String() != "" {
			t.Logf("ws client's stderr:\n%s", stderr.String())
		}
	})
	return c
}

// Send writes one line to the client.
func (c *NodeClient) Send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		c.t.Fatalf("ws client: %v", err)
	}
}

// Next returns the client's next report, failing the test when none comes
// within wait.
func (c *NodeClient) Next(wait time.Duration) map[string]any {
	c.t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			c.t.Fatal("ws client exited")
		}
		return ev
	case <-time.After(wait):
		c.t.Fatalf("ws client reported nothing within %s", wait)
	}
	return nil
}

// Quiet reports whether the client reports nothing for d.
func (c *NodeClient) Quiet(d time.Duration) bool {
	select {
	case ev, ok := <-c.events:
		if ok {
			c.t.Logf("ws client reported %v", ev)
		}
		return false
	case <-time.After(d):
		return true
	}
}

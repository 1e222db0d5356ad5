package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nodePeers is where the Node ws peers live (conn/testdata/node).
var nodePeers = filepath.Join("conn", "testdata", "node")

// needNodeWS skips the test when Node's ws library is not installed, and
// fails it in CI, where it must be.
func needNodeWS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(nodePeers, "node_modules", "ws", "package.json"))
	}
	if err != nil {
		why := "node ws peer not installed (node in PATH, npm ci in conn/testdata/node): " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	return node
}

// nodeWSServer starts conn/testdata/node/server.js, an echo server that
// obeys commands, and returns its ws:// URL.
func nodeWSServer(t *testing.T, node string) string {
	t.Helper()
	cmd := exec.Command(node, "server.js")
	cmd.Dir = nodePeers
	stdin, _ := cmd.StdinPipe() // the server runs until its stdin closes
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "LISTENING ") {
		t.Fatalf("the ws server did not start: %q", lines.Text())
	}
	go io.Copy(io.Discard, out)
	return "ws://127.0.0.1:" + strings.TrimPrefix(lines.Text(), "LISTENING ")
}

// nodeWSClient is conn/testdata/node/client.js: stdin lines are sent,
// and what happens comes back as JSON objects.
type nodeWSClient struct {
	stdin  io.WriteCloser
	events chan map[string]any
}

func startNodeWSClient(t *testing.T, node, url string) *nodeWSClient {
	t.Helper()
	cmd := exec.Command(node, "client.js", url)
	cmd.Dir = nodePeers
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &nodeWSClient{stdin: stdin, events: make(chan map[string]any, 64)}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				c.events <- ev
			}
		}
	}()
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	return c
}

// next returns the client's next event of the given kind.
func (c *nodeWSClient) next(t *testing.T, kind string) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatalf("the ws client ended before %s", kind)
			}
			if ev["event"] == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("the ws client reported no %s within 10s", kind)
		}
	}
}

var spaces = regexp.MustCompile(`\s+`)

// waitForWords waits until the screen shows want, spacing aside: styled
// words are drawn with escapes between them.
func (s *screen) waitForWords(t *testing.T, want string) {
	t.Helper()
	want = spaces.ReplaceAllString(want, " ")
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(spaces.ReplaceAllString(s.text(), " "), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("screen never showed %q; it shows:\n%s", want, s.text())
}

var listening = regexp.MustCompile(`ws://(127\.0\.0\.1:\d+) →`)

// startProxyDebugger runs wsdbg proxy's debugger in a terminal of rows ×
// cols with env added, waits for it to listen, and returns it and the
// address it listens on.
func startProxyDebugger(t *testing.T, env []string, rows, cols uint16, args ...string) (*terminal, string) {
	t.Helper()
	cmd := exec.Command(wsdbgBinary(t), append([]string{"proxy", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "TERM=xterm-256color"), env...)
	term := startInTerminal(t, cmd, rows, cols)
	term.scr.waitFor(t, "waiting for a connection")
	m := listening.FindStringSubmatch(term.scr.text())
	if m == nil {
		t.Fatalf("the header does not say where the proxy listens:\n%s", term.scr.text())
	}
	return term, m[1]
}

// wsdbg proxy without --tail is the debugger on the relay: Node's ws
// client talks to Node's ws server through it, the screen shows both
// sides' messages, a /close typed in the composer reaches the client, and
// quitting leaves the connection's recording on disk.
func TestProxyDebuggerInAPseudoTerminal(t *testing.T) {
	node := needNodeWS(t)
	upstream := nodeWSServer(t, node)
	state := t.TempDir()
	term, addr := startProxyDebugger(t, []string{"XDG_STATE_HOME=" + state, "NO_COLOR="}, 30, 120, upstream)
	scr, type_ := &term.scr, func(s string) { term.press(t, s) }
	client := startNodeWSClient(t, node, "ws://"+addr+"/chat?room=7")
	client.next(t, "open")
	client.stdin.Write([]byte("hello through the proxy\n"))
	if got := client.next(t, "message"); got["text"] != "hello through the proxy" {
		t.Fatalf("the echo came back as %v", got)
	}
	// New rows are drawn whole; a header that changes is redrawn in part.
	scr.waitForWords(t, "C→ text 23 B hello through the proxy")
	scr.waitForWords(t, "←S text 23 B hello through the proxy")

	// The connections list names the path the app asked for.
	type_("C")
	scr.waitFor(t, "/chat?room=7")
	type_("\x1b")
	time.Sleep(300 * time.Millisecond) // let the terminal tell a lone ESC from alt+key
	type_("i")
	type_("/close client 4001 bye")
	type_("\r")
	closed := client.next(t, "close")
	if closed["code"] != float64(4001) || closed["reason"] != "bye" {
		t.Fatalf("the client got close %v %q, want 4001 bye", closed["code"], closed["reason"])
	}
	scr.waitForWords(t, "C← close wsdbg → client:")
	scr.waitFor(t, "INJECTED")
	scr.waitForWords(t, "C→ close client: bye")
	type_("\x1b")
	time.Sleep(300 * time.Millisecond) // let the terminal tell a lone ESC from alt+key
	type_("q")
	select {
	case err := <-term.done:
		if err != nil {
			t.Fatalf("wsdbg exited with %v\n%s", err, scr.text())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("wsdbg did not quit on q\n%s", scr.text())
	}
	sessions, _ := filepath.Glob(filepath.Join(state, "wsdbg", "sessions", "*.wsdbg.jsonl"))
	if len(sessions) != 1 {
		t.Fatalf("recordings: %v", sessions)
	}
	data, _ := os.ReadFile(sessions[0])
	for _, want := range []string{`"leg":"client"`, `"leg":"server"`, "hello through the proxy", `"reason":"bye"`, `"injected":true`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the recording lacks %s:\n%s", want, data)
		}
	}
}

// SIGTERM ends the proxy's debugger as q does: the application is sent a
// close 1001 (going away), and the program exits.
func TestProxyDebuggerEndsOnSIGTERM(t *testing.T) {
	node := needNodeWS(t)
	upstream := nodeWSServer(t, node)
	term, addr := startProxyDebugger(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, 24, 80, "--no-record", upstream)
	client := startNodeWSClient(t, node, "ws://"+addr+"/")
	client.next(t, "open")
	term.scr.waitForWords(t, "·S open")
	if err := term.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if closed := client.next(t, "close"); closed["code"] != float64(1001) {
		t.Errorf("the client got close %v, want 1001", closed["code"])
	}
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("wsdbg did not end on SIGTERM\n%s", term.scr.text())
	}
}

package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// echoHandler is a WebSocket endpoint that sends back every message and
// nothing else: the upstream of the replay and proxy tests.
var echoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	for {
		op, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		ws.WriteMessage(op, msg)
	}
})

var relaying = regexp.MustCompile(`relaying (wss?://\S+)`)

// startProxy runs wsdbg proxy with args on a free port and returns the
// process and the URL it listens on.
func startProxy(t *testing.T, args ...string) (*tailProcess, string) {
	t.Helper()
	p := &tailProcess{cmd: exec.Command(wsdbgBinary(t), append([]string{"proxy", "--listen", "127.0.0.1:0"}, args...)...),
		done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done; p.stdin.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := relaying.FindStringSubmatch(p.errb.text()); m != nil {
			return p, m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy never listened; stderr %q", p.errb.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The app talks to the upstream through wsdbg proxy; tail --json shows
// both legs, a fault command reaches the app, and the connection's
// recording works with sessions, tail and export.
func TestProxyTailJSONAndRecording(t *testing.T) {
	dir := t.TempDir()
	p, url := startProxy(t, "--tail", "--json", "--record", filepath.Join(dir, "p.wsdbg.jsonl"), startEcho(t))
	ws, _, err := websocket.DefaultDialer.Dial(url+"/room?id=7", http.Header{"Authorization": {"Bearer secret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte("hello"))
	if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "hello" {
		t.Fatalf("echo through the proxy: %q %v", msg, err)
	}
	p.stdin.Write([]byte("/nonsense\n/close client 4001 token expired\n"))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ws.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4001 || ce.Text != "token expired" {
		t.Fatalf("the app got %v, want close 4001 token expired", err)
	}
	ws.Close()
	time.Sleep(300 * time.Millisecond)
	if took := p.signal(t, syscall.SIGINT, 3*time.Second); took > 2*time.Second {
		t.Errorf("exited %v after ctrl+c", took)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d; stderr %q", code, p.errb.text())
	}
	if !strings.Contains(p.errb.text(), `unknown command "/nonsense"`) {
		t.Errorf("a bad command must be refused on stderr: %q", p.errb.text())
	}
	objs := jsonLines(t, p.out.text())
	on := func(leg, dir, text string) func(map[string]any) bool {
		return func(o map[string]any) bool {
			return o["conn"] == 1.0 && o["leg"] == leg && o["dir"] == dir && (text == "" || o["text"] == text)
		}
	}
	open := find(objs, "open", func(o map[string]any) bool { return o["conn"] == 1.0 && o["leg"] == "server" })
	if open == nil || !strings.HasSuffix(open["url"].(string), "/room?id=7") {
		t.Fatalf("no open event for the upstream with the client's path: %v", open)
	}
	if strings.Contains(p.out.text(), "secret-token") {
		t.Error("the forwarded Authorization header is not redacted")
	}
	if find(objs, "message", on("client", "in", "hello")) == nil || find(objs, "message", on("server", "in", "hello")) == nil {
		t.Fatalf("want the message on both legs:\n%s", p.out.text())
	}
	injected := find(objs, "close", on("client", "out", ""))
	if injected == nil || injected["injected"] != true || injected["code"] != 4001.0 {
		t.Fatalf("want the injected close on the client leg: %v", injected)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || !strings.HasSuffix(files[0], "p-1.wsdbg.jsonl") {
		t.Fatalf("recordings: %v", files)
	}
	out, err := exec.Command(wsdbgBinary(t), "tail", files[0]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "#1 injected C← close   4001") {
		t.Fatalf("tail of the recording: %v\n%s", err, out)
	}
	out, err = exec.Command(wsdbgBinary(t), "export", files[0], "--format", "md").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "4001") {
		t.Fatalf("export of the recording: %v\n%s", err, out)
	}
	if ending := sessionEnding(t, dir); !strings.Contains(ending, "4001") {
		t.Errorf("sessions: %s", ending)
	}
}

// An idle proxied connection costs the proxy no CPU: nothing polls or
// ticks while no frame moves, the recording's flushing included.
func TestProxyIdleConnectionUsesNoCPU(t *testing.T) {
	p, url := startProxy(t, "--tail", "--record", filepath.Join(t.TempDir(), "idle.wsdbg.jsonl"), startEcho(t))
	stat := fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid)
	if _, err := os.Stat(stat); err != nil {
		t.Skip("needs /proc to read the process's CPU time")
	}
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(300 * time.Millisecond)
	before := cpuTicks(t, stat)
	time.Sleep(3 * time.Second)
	// Clock ticks are 10 ms; a ticker waking every few ms would cost
	// several over three seconds.
	if used := cpuTicks(t, stat) - before; used > 2 {
		t.Fatalf("the idle proxy used %d ms of CPU over 3s", used*10)
	}
}

// cpuTicks is the user and system time in a /proc/PID/stat, in ticks.
func cpuTicks(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// Package peers runs servers that people deploy in front of WebSocket
// clients — Socket.IO, graphql-ws, an MQTT broker (aedes), Python's
// websockets, nginx proxying Node's ws, RabbitMQ's STOMP over WebSocket,
// Rails' ActionCable, a Phoenix-shaped socket — as reference peers for interoperability tests.
//
// Starting node or nginx costs a good fraction of a second, RabbitMQ 5–15
// seconds, so each server
// starts once per test binary, on first use, and is shared by every test
// that asks for it afterwards. A package using these peers must stop them
// when its tests end:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		peers.StopAll()
//		os.Exit(code)
//	}
//
// A server whose runtime or package is not installed skips the test, unless
// the CI environment variable is set, where it is a failure. The pinned
// versions live in conn/testdata/node/package-lock.json (npm ci) and in the
// Debian packages python3-websockets, nginx, rabbitmq-server,
// ruby-actioncable and puma; .ci/run installs them.
package peers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long a server may take to start listening.
	startTimeout = 15 * time.Second
	// stopTimeout is how long a server gets to exit once asked before it
	// is killed.
	stopTimeout = 3 * time.Second
)

// SocketIO returns the ws:// base URL (no path) of a Socket.IO 4 server
// with the library's default heartbeat (pingInterval 25 s, pingTimeout
// 20 s). See testdata/node/socketio.js for its namespaces and events.
func SocketIO(t testing.TB) string {
	t.Helper()
	return shared(t, "socket.io", func() (string, error) {
		return startNode("socket.io", "socketio.js")
	})
}

// SocketIOHeartbeat is SocketIO with the given pingInterval and pingTimeout,
// for tests that wait for the server's heartbeat. Each pair of values is
// its own server.
func SocketIOHeartbeat(t testing.TB, interval, timeout time.Duration) string {
	t.Helper()
	i, to := strconv.FormatInt(interval.Milliseconds(), 10), strconv.FormatInt(timeout.Milliseconds(), 10)
	return shared(t, "socket.io "+i+" "+to, func() (string, error) {
		return startNode("socket.io", "socketio.js", i, to)
	})
}

// GraphQLWS returns the ws:// base URL of a graphql-ws server (subprotocol
// graphql-transport-ws) with its default 3 s connectionInitWaitTimeout. See
// testdata/node/graphql.js for its schema.
func GraphQLWS(t testing.TB) string {
	t.Helper()
	return shared(t, "graphql-ws", func() (string, error) {
		return startNode("graphql-ws", "graphql.js")
	})
}

// GraphQLWSPinging is GraphQLWS with a server that also pings: after the
// connection_ack, and after each of the first three pongs, with the pongs
// counted so far in the payload ({"pongs":1}).
func GraphQLWSPinging(t testing.TB) string {
	t.Helper()
	return shared(t, "graphql-ws ping", func() (string, error) {
		return startNode("graphql-ws", "graphql.js", "ping")
	})
}

// MQTT returns the ws:// base URL of an aedes MQTT broker over WebSocket;
// it refuses the user "bad", and the user "wsdbg" with another password
// than "secret", with CONNACK return code 4.
func MQTT(t testing.TB) string {
	t.Helper()
	return shared(t, "aedes", func() (string, error) {
		return startNode("aedes", "mqtt.mjs")
	})
}

// PythonWebsockets returns the ws:// base URL of a server built on Python's
// websockets library, serving /echo, /close/CODE and /idle (see
// testdata/python/server.py).
func PythonWebsockets(t testing.TB) string {
	t.Helper()
	return shared(t, "python websockets", startPython)
}

// Nginx returns the ws:// base URL of nginx proxying Node's ws echo server
// (testdata/node/server.js), with proxy_read_timeout 2s: a connection
// silent for 2 s is dropped by nginx without a close frame.
func Nginx(t testing.TB) string {
	t.Helper()
	upstream := NodeWS(t)
	return shared(t, "nginx", func() (string, error) {
		return startNginx(strings.TrimPrefix(upstream, "ws://"))
	})
}

// reportBuffer is how many report lines wait for a test to read them;
// later ones are dropped rather than block the server.
const reportBuffer = 64

// NodeWS returns the ws:// URL (no path) of Node's ws server
// (testdata/node/server.js): an echo server that also obeys commands such
// as "close 4001 reason", "frag 3 text" and "ping payload".
func NodeWS(t testing.TB) string {
	t.Helper()
	return shared(t, "ws", func() (string, error) { return startNode("ws", "server.js") })
}

// NodeWSReporting starts a ws server of the test's own, stopped when the
// test ends, and delivers what it reports about its connections, one line
// each, such as "CLOSE 1001 going away" when a client's close frame
// arrives.
func NodeWSReporting(t testing.TB) (string, <-chan string) {
	t.Helper()
	reports := make(chan string, reportBuffer)
	cmd, err := nodeCommand("ws", "server.js")
	var url string
	if err == nil {
		var p *process
		url, p, err = startListening(cmd, reports)
		if p != nil {
			t.Cleanup(p.stop)
		}
	}
	var u errUnavailable
	switch {
	case errors.As(err, &u):
		unavailable(t, u.why)
	case err != nil:
		t.Fatalf("ws peer: %v", err)
	}
	return url, reports
}

// StopAll stops every server started so far. Tests must not use their URLs
// afterwards.
func StopAll() {
	registry.mu.Lock()
	procs := registry.procs
	registry.procs = nil
	registry.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
}

// errUnavailable marks a server that cannot run here because something is
// not installed; the message says what to install.
type errUnavailable struct{ why string }

func (e errUnavailable) Error() string { return e.why }

var registry struct {
	mu      sync.Mutex
	servers map[string]*server
	procs   []*process // every process started, for StopAll
}

// server is one shared server: started once, its outcome remembered.
type server struct {
	once    sync.Once
	url     string
	err     error
	startup time.Duration
}

// shared returns the URL of the server named key, starting it with start
// on first use, and ends the test if it cannot run.
func shared(t testing.TB, key string, start func() (string, error)) string {
	t.Helper()
	registry.mu.Lock()
	if registry.servers == nil {
		registry.servers = map[string]*server{}
	}
	s := registry.servers[key]
	if s == nil {
		s = &server{}
		registry.servers[key] = s
	}
	registry.mu.Unlock()

	s.once.Do(func() {
		began := time.Now()
		s.url, s.err = start()
		s.startup = time.Since(began)
		if s.err == nil {
			t.Logf("%s peer started in %v", key, s.startup.Round(time.Millisecond))
		}
	})
	var u errUnavailable
	switch {
	case errors.As(s.err, &u):
		unavailable(t, u.why)
	case s.err != nil:
		t.Fatalf("%s peer: %v", key, s.err)
	}
	return s.url
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// testdata locates conn/testdata/sub from this source file, so the helpers
// work whichever package's test calls them.
func testdata(sub string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("peers: cannot locate own source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", sub)
}

// startNode runs script from testdata/node, which needs the npm package
// pkg, and returns the ws:// URL it prints.
func startNode(pkg, script string, args ...string) (string, error) {
	cmd, err := nodeCommand(pkg, script, args...)
	if err != nil {
		return "", err
	}
	url, _, err := startListening(cmd, nil)
	return url, err
}

// nodeCommand is the command that runs script from testdata/node, or why
// it cannot run here.
func nodeCommand(pkg, script string, args ...string) (*exec.Cmd, error) {
	dir := testdata("node")
	nodePath, err := exec.LookPath("node")
	if err != nil {
		return nil, errUnavailable{"node " + pkg + " peer not installed: node is not in PATH"}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
		return nil, errUnavailable{"node " + pkg + " peer not installed: run npm ci in conn/testdata/node"}
	}
	cmd := exec.Command(nodePath, append([]string{script}, args...)...)
	cmd.Dir = dir
	return cmd, nil
}

func startPython() (string, error) {
	python, err := pythonWithWebsockets()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(python, "server.py")
	cmd.Dir = testdata("python")
	url, _, err := startListening(cmd, nil)
	return url, err
}

// pythonWithWebsockets finds a Python 3 that can import websockets,
// preferring the system one that the Debian package installs into.
func pythonWithWebsockets() (string, error) {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import websockets").Run() == nil {
			return p, nil
		}
	}
	return "", errUnavailable{"python websockets peer not installed: apt-get install python3-websockets"}
}

// startListening runs cmd, a server that prints "LISTENING <port>" once it
// listens on 127.0.0.1 and exits when its standard input closes, and
// returns its ws:// URL. The lines it prints after that go to reports,
// when it is not nil, as long as there is room.
func startListening(cmd *exec.Cmd, reports chan<- string) (string, *process, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	p.stop = func() {
		stdin.Close()
		p.await()
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	register(p)

	firstLine := make(chan string, 1)
	go func() {
		defer close(p.exited)
		out := bufio.NewReader(stdout)
		if line, err := out.ReadString('\n'); err == nil {
			firstLine <- strings.TrimSpace(line)
		}
		// Keep draining so the server never blocks on a full pipe; Wait
		// must only run once all reads are done.
		for {
			line, err := out.ReadString('\n')
			if line != "" && reports != nil {
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

	select {
	case line := <-firstLine:
		if port, ok := strings.CutPrefix(line, "LISTENING "); ok {
			return "ws://127.0.0.1:" + port, p, nil
		}
		err = fmt.Errorf("printed %q, want LISTENING <port>", line)
	case <-p.exited:
		err = errors.New("exited before listening")
	case <-time.After(startTimeout):
		err = fmt.Errorf("did not listen within %v", startTimeout)
	}
	return "", p, fmt.Errorf("%s %v\n%s", filepath.Base(cmd.Path), err, p.stderr.String())
}

// process is a running server.
type process struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed once the process has been waited for
	stop   func()
}

func register(p *process) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	registry.procs = append(registry.procs, p)
}

// await waits for the process to exit after it was asked to, killing it
// when it takes too long.
func (p *process) await() {
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// syncBuffer collects a server's stderr for failure messages; exec copies
// into it from its own goroutine.
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

// Phoenix returns the ws:// base URL (no path) of a server shaped like a
// Phoenix socket (testdata/node/phoenix.js): connect to
// PhoenixPath, join room:lobby; room:secret refuses the join as
// unauthorized; &token=bad refuses the connection. It closes a connection
// silent for 60 s, Phoenix's default transport timeout.
func Phoenix(t testing.TB) string {
	t.Helper()
	return shared(t, "phoenix", func() (string, error) { return startNode("ws", "phoenix.js") })
}

// PhoenixPath is the path and query of the Phoenix socket, V2 serializer.
const PhoenixPath = "/socket/websocket?vsn=2.0.0"

// PhoenixTimeout is Phoenix closing a connection that sent nothing for
// timeout, for tests of heart-beating. Each timeout is its own server.
func PhoenixTimeout(t testing.TB, timeout time.Duration) string {
	t.Helper()
	ms := strconv.FormatInt(timeout.Milliseconds(), 10)
	return shared(t, "phoenix "+ms, func() (string, error) { return startNode("ws", "phoenix.js", ms) })
}

// ActionCable returns the URL, ws://HOST:PORT/cable, of Rails' ActionCable
// (Debian's ruby-actioncable 6.1, served by puma) running
// testdata/actioncable/config.ru: ?token=NAME identifies the user, no
// token or token=bad is refused as unauthorized; ChatChannel confirms and
// echoes, SecretChannel rejects. Request forgery protection is on: send
// the Origin http://localhost, or be disconnected with invalid_request.
func ActionCable(t testing.TB) string {
	t.Helper()
	return shared(t, "actioncable", func() (string, error) { return startActionCable() })
}

// ActionCableRestartable is a server of its own like ActionCable's, with
// RestartChannel: subscribing to it restarts the server, which sends every
// connection the disconnect reason server_restart.
func ActionCableRestartable(t testing.TB) string {
	t.Helper()
	return shared(t, "actioncable restartable", func() (string, error) { return startActionCable("WSDBG_RESTARTABLE=1") })
}

func startActionCable(env ...string) (string, error) {
	ruby, err := exec.LookPath("ruby")
	if err != nil {
		return "", errUnavailable{"actioncable peer not installed: apt-get install ruby-actioncable puma"}
	}
	if exec.Command(ruby, "-e", "require 'action_cable'; require 'puma'").Run() != nil {
		return "", errUnavailable{"actioncable peer not installed: apt-get install ruby-actioncable puma"}
	}
	cmd := exec.Command(ruby, "server.rb")
	cmd.Dir = testdata("actioncable")
	cmd.Env = append(os.Environ(), env...)
	u, _, err := startListening(cmd, nil)
	if err != nil {
		return "", err
	}
	return u + "/cable", nil
}

package cli

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// replyServer answers every text message with reply(n, message) and notes
// when each message arrived. It wants a bearer token and offers the
// chat.v1 subprotocol.
type replyServer struct {
	*httptest.Server
	mu      sync.Mutex
	arrived []time.Time
	got     []string
}

func newReplyServer(t *testing.T, reply func(n int, msg string) string) *replyServer {
	s := &replyServer{}
	upgrader := websocket.Upgrader{Subprotocols: []string{"chat.v1"}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer live-token" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for n := 0; ; n++ {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.arrived = append(s.arrived, time.Now())
			s.got = append(s.got, string(data))
			s.mu.Unlock()
			if err := ws.WriteMessage(websocket.TextMessage, []byte(reply(n, string(data)))); err != nil {
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *replyServer) url() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/chat" }

// echoWithNoise echoes the message with fields that change on every run.
func echoWithNoise(n int, msg string) string {
	return fmt.Sprintf(`{"echo":%q,"seq":%d,"ts":%q,"id":"%d-%d","requestId":"r%d"}`,
		msg, n, time.Now().Format(time.RFC3339Nano), time.Now().UnixNano(), n, time.Now().UnixNano())
}

// chatRecording writes a recorded session: three messages sent 200 ms
// apart and the replies the server gave then.
func chatRecording(t *testing.T) string {
	t.Helper()
	start := time.Date(2026, 11, 22, 2, 10, 0, 0, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	path := filepath.Join(t.TempDir(), "chat"+history.FileSuffix)
	w, err := history.Create(path, history.Header{URL: "ws://recorded.example.com/chat", Start: start}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := []conn.Event{{Type: conn.EventOpen, Time: at(0), URL: "ws://recorded.example.com/chat", Status: 101}}
	for i, m := range []string{"hello", "how are you", "bye"} {
		events = append(events,
			conn.Event{Type: conn.EventMessage, Time: at(200 * i), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(m)},
			conn.Event{Type: conn.EventMessage, Time: at(200*i + 5), Dir: conn.In, Opcode: conn.OpText,
				Payload: []byte(fmt.Sprintf(`{"echo":%q,"seq":%d,"ts":"2026-11-22T02:10:00Z","id":"old-%d","requestId":"x"}`, m, i, i))})
	}
	events = append(events, conn.Event{Type: conn.EventClose, Time: at(600), Dir: conn.Out, Code: 1000, HasCode: true})
	for _, ev := range events {
		if err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func replayTo(t *testing.T, file, url string, flags ...string) (int, string, string) {
	t.Helper()
	args := append([]string{"replay", file, "--to", url, "--tail", "--no-record", "--subprotocol", "chat.v1"}, flags...)
	return runMain(t, args...)
}

func TestReplayToTailKeepsTheRecordedSpacing(t *testing.T) {
	srv := newReplyServer(t, echoWithNoise)
	code, out, stderr := replayTo(t, chatRecording(t), srv.url(), "-H", "Authorization: Bearer live-token", "--speed", "2")
	if code != exitOK || !strings.HasSuffix(out, "every reply matched the recording\n") {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	srv.mu.Lock()
	got, arrived := srv.got, srv.arrived
	srv.mu.Unlock()
	if strings.Join(got, "|") != "hello|how are you|bye" {
		t.Fatalf("server got %q", got)
	}
	for i := 1; i < len(arrived); i++ {
		if gap := arrived[i].Sub(arrived[i-1]); gap < 90*time.Millisecond {
			t.Errorf("message %d came %v after the one before; recorded 200ms apart at 2x is 100ms", i, gap)
		}
	}
	// The new session is printed as tail prints it, our close included.
	for _, want := range []string{"open    " + srv.url() + " 101 · subprotocol chat.v1", `"echo":"bye"`, `close   1000 Normal Closure "replay finished"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

func TestReplayToTailListsChangedReplies(t *testing.T) {
	srv := newReplyServer(t, func(n int, msg string) string {
		reply := echoWithNoise(n, msg)
		if n == 1 {
			reply = strings.Replace(reply, `"seq":1`, `"seq":41`, 1)
		}
		if n == 2 {
			return "plain text, not JSON"
		}
		return reply
	})
	code, out, _ := replayTo(t, chatRecording(t), srv.url(), "-H", "Authorization: Bearer live-token", "--no-gaps")
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	diffs := out[strings.Index(out, "differs:"):]
	if want := "differs: reply 2: $.seq: 1 → 41\ndiffers: reply 3: payload differs"; !strings.HasPrefix(diffs, want) {
		t.Errorf("differences:\n%s\nwant them to start\n%s", diffs, want)
	}
}

func TestReplayToTailReportsAFailedConnection(t *testing.T) {
	srv := newReplyServer(t, echoWithNoise)
	code, out, stderr := replayTo(t, chatRecording(t), srv.url()) // no token
	if code != exitFailure || !strings.Contains(stderr, "could not connect") || !strings.Contains(stderr, "401") {
		t.Errorf("refused upgrade: exit %d, stderr %q\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "differs: reply 1: recorded, but missing from the replay") {
		t.Errorf("missing replies not listed:\n%s", out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, stderr = replayTo(t, chatRecording(t), "ws://"+addr+"/")
	if code != exitFailure || !strings.Contains(stderr, "could not connect") {
		t.Errorf("refused connection: exit %d, stderr %q", code, stderr)
	}
}

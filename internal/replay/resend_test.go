package replay

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// replyServer answers every text message with reply(n, message) and notes
// when each message arrived.
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

// chatRecording is a recorded session: three messages sent 200 ms apart
// and the replies the server gave then.
func chatRecording() history.Records {
	var recs history.Records
	add := func(ev conn.Event) { recs = append(recs, annotated(ev)) }
	add(conn.Event{Type: conn.EventOpen, Time: at(0), URL: "ws://recorded.example.com/chat", Status: 101})
	for i, m := range []string{"hello", "how are you", "bye"} {
		add(conn.Event{Type: conn.EventMessage, Time: at(200 * i), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(m)})
		add(conn.Event{Type: conn.EventMessage, Time: at(200*i + 5), Dir: conn.In, Opcode: conn.OpText,
			Payload: []byte(fmt.Sprintf(`{"echo":%q,"seq":%d,"ts":"2026-11-22T02:10:00Z","id":"old-%d","requestId":"x"}`, m, i, i))})
	}
	add(conn.Event{Type: conn.EventClose, Time: at(600), Dir: conn.Out, Code: 1000, HasCode: true})
	return recs
}

func liveOptions(url string) conn.Options {
	return conn.Options{URL: url, Header: http.Header{"Authorization": {"Bearer live-token"}},
		Subprotocols: []string{"chat.v1"}, ConnectTimeout: 5 * time.Second}
}

func TestResendReplaysWithTheRecordedSpacing(t *testing.T) {
	srv := newReplyServer(t, echoWithNoise)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replayed, err := Resend(ctx, chatRecording(), liveOptions(srv.url()), 2, false)
	if err != nil {
		t.Fatal(err)
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
	if replayed[0].Type != conn.EventOpen || replayed[0].Subprotocol != "chat.v1" {
		t.Errorf("first replayed record: %+v", replayed[0])
	}
	if diffs := Diff(chatRecording(), replayed); len(diffs) != 0 {
		t.Errorf("ts, id and requestId must be ignored, yet: %+v", diffs)
	}
}

func TestResendFindsChangedReplies(t *testing.T) {
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replayed, err := Resend(ctx, chatRecording(), liveOptions(srv.url()), MaxSpeed, true)
	if err != nil {
		t.Fatal(err)
	}
	diffs := Diff(chatRecording(), replayed)
	if len(diffs) != 2 {
		t.Fatalf("diffs = %+v", diffs)
	}
	if d := diffs[0]; d.Index != 1 || len(d.Paths) != 1 || d.Paths[0] != "$.seq" || !strings.Contains(d.Summary, "$.seq: 1 → 41") {
		t.Errorf("first diff = %+v", d)
	}
	if d := diffs[1]; d.Index != 2 || !strings.Contains(d.Summary, "payload differs") {
		t.Errorf("second diff = %+v", d)
	}
}

func TestResendReportsAFailedConnection(t *testing.T) {
	srv := newReplyServer(t, echoWithNoise)
	opts := liveOptions(srv.url())
	opts.Header = nil // the server wants a token
	_, err := Resend(context.Background(), chatRecording(), opts, 1, false)
	if err == nil || !strings.Contains(err.Error(), "could not connect") || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v", err)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err = Resend(context.Background(), chatRecording(), liveOptions("ws://"+addr+"/"), 1, false)
	if err == nil || !strings.Contains(err.Error(), "could not connect") {
		t.Errorf("refused: err = %v", err)
	}
}

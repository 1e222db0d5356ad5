package tui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// closeAnswer is wsdbg's answer to the server's close: the same code, no
// reason, the connection's last word.
func closeAnswer(at time.Duration, code int) conn.Event {
	payload := []byte{byte(code >> 8), byte(code)}
	ts := t0.Add(at)
	return conn.Event{
		Type: conn.EventClose, Time: ts, Dir: conn.Out, Opcode: conn.OpClose, Payload: payload,
		Code: code, HasCode: true, Final: true,
		Frames: []conn.Frame{{Time: ts, Dir: conn.Out, FIN: true, Opcode: conn.OpClose, Masked: true, Length: 2, HeaderLen: 6}},
	}
}

// When the server closes, the log follows to the server's close, whose
// reason the inspector shows, not to the answer wsdbg sent after it; new
// rows are still followed.
func TestFollowingSelectsTheServersCloseNotTheAnswer(t *testing.T) {
	for _, batches := range []string{"together", "apart"} {
		t.Run(batches, func(t *testing.T) {
			m, _ := newTestModel(t, 120, 40, Options{})
			feed(m, openEvent(0), textIn(time.Second, "hello"))
			if batches == "together" {
				feed(m, closeIn(2*time.Second, 4001, "token expired"), closeAnswer(2*time.Second+time.Millisecond, 4001))
			} else {
				feed(m, closeIn(2*time.Second, 4001, "token expired"))
				feed(m, closeAnswer(2*time.Second+time.Millisecond, 4001))
			}
			if got := m.rowAt(m.sel); got != 2 {
				t.Fatalf("selected row %d, want the server's close (2)", got)
			}
			out := plainScreen(m)
			for _, want := range []string{"#3 received close", "Reason: token expired", "following"} {
				if !strings.Contains(out, want) {
					t.Errorf("screen lacks %q:\n%s", want, out)
				}
			}
			feed(m, conn.Event{Type: conn.EventReconnect, Time: t0.Add(3 * time.Second), Attempt: 1, Delay: time.Second})
			if got := m.rowAt(m.sel); got != 4 {
				t.Errorf("after a new row the selection is on row %d, want it followed (4)", got)
			}
		})
	}
}

// A connection that ends in an error selects the error; a close wsdbg
// started selects the server's reply, which ends it.
func TestFollowingSelectsWhatEndedTheConnection(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{})
	feed(m, openEvent(0), textIn(time.Second, "hello"), conn.Event{
		Type: conn.EventError, Time: t0.Add(2 * time.Second), Dir: conn.In, Final: true,
		Failure: &decode.Failure{Kind: decode.KindTransport, Message: "read: connection reset by peer"},
	})
	if got := m.rowAt(m.sel); got != 2 {
		t.Errorf("selected row %d, want the error (2)", got)
	}

	m, _ = newTestModel(t, 120, 40, Options{})
	sent := closeAnswer(time.Second, 1000)
	sent.Final = false
	reply := closeIn(time.Second+time.Millisecond, 1000, "bye")
	reply.Final = true
	feed(m, openEvent(0), sent, reply)
	if got := m.rowAt(m.sel); got != 2 {
		t.Errorf("selected row %d, want the server's reply (2)", got)
	}
}

// closingServer is a gorilla WebSocket server that reports the close code
// it receives. A silent one never answers the close, and keeps the
// connection open until the test ends.
type closingServer struct {
	url   string
	codes chan int
}

func startClosingServer(t *testing.T, silent bool) *closingServer {
	t.Helper()
	s := &closingServer{codes: make(chan int, 1)}
	release := make(chan struct{})
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		answer := ws.CloseHandler()
		ws.SetCloseHandler(func(code int, text string) error {
			s.codes <- code
			if silent {
				return nil
			}
			return answer(code, text)
		})
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				break
			}
		}
		if silent {
			<-release
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handler returns
	s.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return s
}

// received waits for the close code the server got.
func (s *closingServer) received(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.codes:
		return code
	case <-time.After(5 * time.Second):
		t.Fatal("the server received no close frame")
		return 0
	}
}

// loop runs a model as Bubble Tea does: commands run on goroutines of their
// own and their messages come back to Update one at a time.
type loop struct {
	t    *testing.T
	m    *model
	msgs chan tea.Msg
	done chan struct{}
}

func newLoop(t *testing.T, m *model) *loop {
	l := &loop{t: t, m: m, msgs: make(chan tea.Msg), done: make(chan struct{})}
	t.Cleanup(func() { close(l.done) })
	l.run(m.Init())
	return l
}

func (l *loop) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				l.run(c)
			}
		default:
			select {
			case l.msgs <- msg:
			case <-l.done:
			}
		}
	}()
}

// send delivers msg to Update, as a key press from the terminal would be.
func (l *loop) send(msg tea.Msg) {
	_, cmd := l.m.Update(msg)
	l.run(cmd)
}

// until runs the loop until cond holds or the program quits, and reports
// whether it quit.
func (l *loop) until(cond func() bool) bool {
	l.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case msg := <-l.msgs:
			if _, ok := msg.(tea.QuitMsg); ok {
				return true
			}
			l.send(msg)
		case <-deadline:
			l.t.Fatalf("timed out; screen:\n%s", plainScreen(l.m))
		}
	}
	return false
}

// liveModel is a model fed by a real connection to s, running, with the
// connection open.
func liveModel(t *testing.T, s *closingServer) *loop {
	t.Helper()
	client := conn.Dial(t.Context(), conn.Options{URL: s.url})
	t.Cleanup(client.Shutdown)
	m, _ := newTestModel(t, 120, 40, Options{Source: client})
	l := newLoop(t, m)
	if l.until(func() bool { return m.sess.state == stateOpen }) {
		t.Fatal("quit before the connection opened")
	}
	return l
}

// q sends the server a close 1000 and ends once the server has answered;
// until then the header says the connection is closing.
func TestQuitClosesTheConnectionCleanly(t *testing.T) {
	s := startClosingServer(t, false)
	l := liveModel(t, s)
	start := time.Now()
	l.send(keyMsg("q"))
	if head := ansi.Strip(l.m.headerLines()[0]); !strings.Contains(head, "closing…") {
		t.Errorf("header after q: %s", head)
	}
	if !strings.Contains(plainScreen(l.m), "ctrl+c quits now") {
		t.Errorf("no word on how to quit at once:\n%s", plainScreen(l.m))
	}
	if !l.until(func() bool { return false }) {
		t.Fatal("q did not quit")
	}
	if took := time.Since(start); took >= quitCloseWait {
		t.Errorf("quitting took %v although the server answered", took)
	}
	if code := s.received(t); code != 1000 {
		t.Errorf("server received close %d, want 1000", code)
	}
	out := plainScreen(l.m)
	for _, want := range []string{"closed 1000", "#3 received close"} {
		if !strings.Contains(out, want) {
			t.Errorf("the ending is not shown: no %q\n%s", want, out)
		}
	}
}

// A server that does not answer the close holds quitting up for at most a
// second; a second ctrl+c ends it at once.
func TestQuitWaitsBrieflyForASilentServer(t *testing.T) {
	t.Run("waits", func(t *testing.T) {
		s := startClosingServer(t, true)
		l := liveModel(t, s)
		start := time.Now()
		l.send(keyMsg("ctrl+c"))
		if !l.until(func() bool { return false }) {
			t.Fatal("ctrl+c did not quit")
		}
		if took := time.Since(start); took < quitCloseWait-50*time.Millisecond || took > quitCloseWait+time.Second {
			t.Errorf("quit after %v, want about %v", took, quitCloseWait)
		}
		if code := s.received(t); code != 1000 {
			t.Errorf("server received close %d, want 1000", code)
		}
	})
	t.Run("second ctrl+c", func(t *testing.T) {
		s := startClosingServer(t, true)
		l := liveModel(t, s)
		l.send(keyMsg("ctrl+c"))
		if code := s.received(t); code != 1000 {
			t.Errorf("server received close %d, want 1000", code)
		}
		_, cmd := l.m.Update(keyMsg("ctrl+c"))
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Error("a second ctrl+c did not quit at once")
		}
	})
}

// When the program is being terminated (Run's context ends, as on SIGTERM)
// the server is sent 1001, going away, and the program ends.
func TestTerminationSendsGoingAway(t *testing.T) {
	s := startClosingServer(t, false)
	client := conn.Dial(t.Context(), conn.Options{URL: s.url})
	t.Cleanup(client.Shutdown)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	term := &terminal{}
	p, stop, err := newProgram(ctx, Options{Source: client, Theme: "dark"},
		tea.WithInput(nil), tea.WithOutput(term), tea.WithWindowSize(100, 30))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	// Once the screen shows the connection open, the model knows it is.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(term.text(0), "open 101"); {
		if time.Now().After(deadline) {
			t.Fatalf("the connection did not open:\n%s", term.text(0))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := s.received(t); code != 1001 {
		t.Errorf("server received close %d, want 1001", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("program ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the program did not end")
	}
}

// A signal and the end of Run's context often come together: the second
// request to stop does not cut short the wait for the server's answer.
func TestRepeatedStopRequestKeepsWaiting(t *testing.T) {
	s := startClosingServer(t, true)
	l := liveModel(t, s)
	l.send(stopRequestMsg{code: closeGoingAway})
	if code := s.received(t); code != 1001 {
		t.Errorf("server received close %d, want 1001", code)
	}
	_, cmd := l.m.Update(stopRequestMsg{code: closeGoingAway})
	if cmd != nil || !l.m.closing {
		t.Error("a second stop request ended the wait")
	}
}

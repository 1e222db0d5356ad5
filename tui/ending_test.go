package tui

import (
	"strings"
	"testing"
	"time"

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

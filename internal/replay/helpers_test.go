package replay

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/sessiontest"
)

var (
	t0 = sessiontest.T0
	at = sessiontest.At
)

func msg(ms int, dir conn.Direction) conn.Event {
	return conn.Event{Type: conn.EventMessage, Time: at(ms), Dir: dir, Opcode: conn.OpText, Payload: []byte("x")}
}

// indexed is the Done of a Recording that is complete from the start.
var indexed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// fileEvents are events of every kind a recording file plays.
func fileEvents() []conn.Event {
	return []conn.Event{
		{Type: conn.EventOpen, Time: at(0), URL: "wss://api.example.com/ws", Status: 101},
		msg(10, conn.Out), msg(30, conn.In),
		{Type: conn.EventMessage, Time: at(40), Dir: conn.In, Opcode: conn.OpBinary, Payload: []byte{0x82, 0xff}},
		{Type: conn.EventWarning, Time: at(80), Failure: &decode.Failure{Kind: decode.KindProtocol, Message: "odd"}},
		{Type: conn.EventClose, Time: at(90), Dir: conn.In, Opcode: conn.OpClose, Code: 1008, HasCode: true},
		{Type: conn.EventReconnect, Time: at(100), Attempt: 2, Delay: 1500 * time.Millisecond},
		{Type: conn.EventError, Time: at(110), Final: true, Failure: &decode.Failure{Kind: decode.KindDNS}},
	}
}

// record writes events to a new recording file and returns its path.
func record(t testing.TB, events []conn.Event) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r"+history.FileSuffix)
	w, err := history.Create(path, history.Header{URL: "wss://api.example.com/ws", Start: t0}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
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

// openT opens a recording and closes it when the test ends.
func openT(t testing.TB, path string) *history.Recording {
	t.Helper()
	rec, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}

// annotated makes the record of ev as a live session does.
func annotated(ev conn.Event) history.Record {
	conn.NewAnnotator(conn.Options{}).Annotate(&ev)
	return history.FromEvent(ev)
}

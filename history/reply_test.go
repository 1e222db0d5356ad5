package history

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// A reply's link to its request is written as reply_to and latency_ms, read
// back into the note, and printed by tail --json FILE's fast path as the
// slow one prints it.
func TestRecordKeepsTheReplyLink(t *testing.T) {
	notes := conn.NewAnnotator(conn.Options{})
	events := []conn.Event{
		{Type: conn.EventOpen, Time: at(0), URL: "wss://api.example.com/ws", Status: 101},
		{Type: conn.EventMessage, Time: at(10), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(`{"id":7,"op":"get"}`)},
		{Type: conn.EventMessage, Time: at(11), Dir: conn.In, Opcode: conn.OpText, Payload: []byte(`{"tick":1}`)},
		{Type: conn.EventMessage, Time: at(12).Add(345 * time.Microsecond), Dir: conn.In, Opcode: conn.OpText,
			Payload: []byte(`{"id":7,"ok":true}`)},
	}
	for i := range events {
		events[i].Seq = i + 1
		notes.Annotate(&events[i])
	}
	line := string(FromEvent(events[3]).AppendJSON(nil))
	if !strings.Contains(line, `"reply_to":2,"latency_ms":2.345`) {
		t.Fatalf("the reply's line lacks its link: %s", line)
	}
	if line := string(FromEvent(events[2]).AppendJSON(nil)); strings.Contains(line, "reply_to") {
		t.Errorf("a message that answers nothing is written with a link: %s", line)
	}

	path := record(t, events)
	rec := openT(t, path)
	rec.Wait()
	got, err := rec.Event(3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Note == nil || got.Note.Reply == nil || *got.Note.Reply != *events[3].Note.Reply {
		t.Fatalf("loaded note %+v, want the reply %+v", got.Note, events[3].Note.Reply)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte{'\n'})
	if !canonicalLine(lines[len(lines)-2], Redactor{}, &canonScratch{}) {
		t.Errorf("the reply's line does not take the fast path: %s", lines[len(lines)-2])
	}
	if fast, _ := fastJSONLines(t, path, Redactor{}); !bytes.Equal(fast, slowJSONLines(t, path, Redactor{})) {
		t.Errorf("tail --json FILE prints the link differently the fast way:\n%s", fast)
	}
}

// A recording from before links were written has no links.
func TestOldRecordingHasNoLinks(t *testing.T) {
	path := writeFile(t, "old.jsonl", []byte(`{"type":"message","time":"2024-01-01T00:00:00Z","dir":"out","opcode":"text","len":8,"text":"{\"id\":1}"}`+"\n"+
		`{"type":"message","time":"2024-01-01T00:00:01Z","dir":"in","opcode":"text","len":8,"text":"{\"id\":1}"}`+"\n"))
	rec := openT(t, path)
	rec.Wait()
	for i := range 2 {
		ev, err := rec.Event(i)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Note != nil && ev.Note.Reply != nil {
			t.Errorf("event %d linked: %+v", i, ev.Note.Reply)
		}
	}
}

package export

import (
	"path/filepath"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/sessiontest"
)

// The sample session the recording and export tests share.
var (
	t0           = sessiontest.T0
	at           = sessiontest.At
	frame        = sessiontest.Frame
	sampleEvents = sessiontest.SampleEvents
)

// record writes events to a new recording file and returns its path.
func record(t testing.TB, events []conn.Event) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r"+history.FileSuffix)
	w, err := history.Create(path, history.Header{ToolVersion: "test", URL: "wss://api.example.com/ws?room=1", Start: t0},
		history.WriterOptions{Redactor: history.Redactor{Disabled: true}})
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

// annotated makes the record of ev as a live session does: annotated by
// notes, then recorded.
func annotated(notes *conn.Annotator, ev conn.Event) history.Record {
	notes.Annotate(&ev)
	return history.FromEvent(ev)
}

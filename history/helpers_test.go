package history

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/internal/sessiontest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if millionPath != "" {
		os.RemoveAll(filepath.Dir(millionPath))
	}
	os.Exit(code)
}

// The sample session the recording and export tests share.
var (
	t0           = sessiontest.T0
	at           = sessiontest.At
	frame        = sessiontest.Frame
	sampleEvents = sessiontest.SampleEvents
)

// normalized makes equal what JSON cannot tell apart: nil and empty.
func normalized(ev conn.Event) conn.Event {
	if len(ev.Payload) == 0 {
		ev.Payload = nil
	}
	if len(ev.Extensions) == 0 {
		ev.Extensions = nil
	}
	if len(ev.Hops) == 0 {
		ev.Hops = nil
	}
	if len(ev.RequestHeader) == 0 {
		ev.RequestHeader = nil
	}
	if len(ev.ResponseHeader) == 0 {
		ev.ResponseHeader = nil
	}
	return ev
}

func assertSameEvent(t *testing.T, i int, want, got conn.Event) {
	t.Helper()
	want, got = normalized(want), normalized(got)
	if !want.Time.Equal(got.Time) {
		t.Errorf("event %d: time %v, want %v", i, got.Time, want.Time)
	}
	want.Time, got.Time = time.Time{}, time.Time{}
	for k := range want.Frames {
		if k < len(got.Frames) && want.Frames[k].Time.Equal(got.Frames[k].Time) {
			want.Frames[k].Time, got.Frames[k].Time = time.Time{}, time.Time{}
		}
	}
	if !reflect.DeepEqual(want.Note, got.Note) {
		t.Errorf("event %d (%s): note changed on the way:\n got  %+v\n want %+v", i, want.Type, got.Note, want.Note)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("event %d (%s) changed on the way:\n got  %+v\n want %+v", i, want.Type, got, want)
	}
}

// writeFile writes data to a new file in a test's temporary directory.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openT opens a recording and closes it when the test ends.
func openT(t testing.TB, path string) *Recording {
	t.Helper()
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}

// annotated makes the record of ev as a live session does: annotated by
// notes (a fresh annotator when nil), then recorded.
func annotated(notes *conn.Annotator, ev conn.Event) Record {
	if notes == nil {
		notes = conn.NewAnnotator(conn.Options{})
	}
	notes.Annotate(&ev)
	return FromEvent(ev)
}

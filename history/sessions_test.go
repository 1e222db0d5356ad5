package history

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// recordIn writes a recording named name in dir.
func recordIn(t *testing.T, dir, name string, start time.Time, events []conn.Event) string {
	t.Helper()
	path := filepath.Join(dir, name+FileSuffix)
	r, err := Create(path, Header{URL: "wss://h.example.com/" + name, Start: start}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	notes := conn.NewAnnotator(conn.Options{})
	for _, ev := range events {
		notes.Annotate(&ev)
		r.Append(ev)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func msg(ms int, dir conn.Direction) conn.Event {
	return conn.Event{Type: conn.EventMessage, Time: at(ms), Dir: dir, Opcode: conn.OpText, Payload: []byte("x")}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	recordIn(t, dir, "closed", at(0), []conn.Event{
		{Type: conn.EventOpen, Time: at(0), URL: "wss://h.example.com/closed", Status: 101},
		msg(10, conn.Out), msg(20, conn.In), msg(30, conn.In),
		{Type: conn.EventClose, Time: at(2500), Dir: conn.In, Code: 1000, HasCode: true, Final: true},
	})
	recordIn(t, dir, "failed", at(-60000), []conn.Event{
		{Type: conn.EventError, Time: at(-59000), Final: true, Failure: &decode.Failure{Kind: decode.KindDNS, Cause: decode.CauseDNSNotFound}},
	})
	recordIn(t, dir, "reconnected", at(-120000), []conn.Event{
		{Type: conn.EventOpen, Time: at(-120000)},
		{Type: conn.EventClose, Time: at(-110000), Dir: conn.In, Code: 1006},
		{Type: conn.EventOpen, Time: at(-100000)},
		msg(-90000, conn.Out),
	})
	os.WriteFile(filepath.Join(dir, "junk"+FileSuffix), []byte("hello\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ignored.txt"), []byte("hello\n"), 0o600)

	list, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = strings.TrimSuffix(filepath.Base(s.Path), FileSuffix)
	}
	if !slices.Equal(names, []string{"closed", "failed", "reconnected", "junk"}) {
		t.Fatalf("order = %v, want newest first and the unreadable last", names)
	}
	closed, failed, reconnected, junk := list[0], list[1], list[2], list[3]
	if closed.Out != 1 || closed.In != 2 || closed.Duration != 2500*time.Millisecond || closed.closeCode != 1000 ||
		closed.closeName == "" || closed.URL != "wss://h.example.com/closed" {
		t.Errorf("closed = %+v", closed)
	}
	if closed.Ending() != "1000 Normal Closure" {
		t.Errorf("Ending = %q", closed.Ending())
	}
	if failed.errorKind != "dns" || failed.Ending() != "error: dns" {
		t.Errorf("failed = %+v", failed)
	}
	if reconnected.Ending() != "unfinished" || reconnected.Out != 1 {
		t.Errorf("a session that reconnected and then stopped: %+v", reconnected)
	}
	if junk.Problem == "" {
		t.Errorf("junk = %+v", junk)
	}
	if none, err := List(filepath.Join(dir, "missing")); err != nil || none != nil {
		t.Errorf("missing dir: %v, %v", none, err)
	}
}

func TestListHandlesHugeLines(t *testing.T) {
	big := msg(10, conn.In)
	big.Payload = []byte(strings.Repeat(`{"type":"message",`, 200000)) // 3.6 MB, longer than the read buffer
	path := recordIn(t, t.TempDir(), "big", at(0), []conn.Event{big, msg(20, conn.Out),
		{Type: conn.EventClose, Time: at(30), Dir: conn.Out, Code: 1001, HasCode: true}})
	list, err := List(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if s := list[0]; s.In != 1 || s.Out != 1 || s.closeCode != 1001 || s.Duration != 30*time.Millisecond {
		t.Errorf("summary = %+v", s)
	}
}

func TestListReadsABoundedFirstLine(t *testing.T) {
	dir := t.TempDir()
	endless := bytes.Repeat([]byte("a"), 32<<20) // one line, no newline, no JSON
	if err := os.WriteFile(filepath.Join(dir, "junk"+FileSuffix), endless, 0o600); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	list, err := List(dir)
	runtime.ReadMemStats(&after)
	if err != nil || len(list) != 1 || list[0].Problem != "not a wsdbg recording" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("summarising a 32 MiB line allocated %d MiB", grew>>20)
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	age := func(name string, ago time.Duration, size int) string {
		path := filepath.Join(dir, name+FileSuffix)
		os.WriteFile(path, make([]byte, size), 0o600)
		os.Chtimes(path, now.Add(-ago), now.Add(-ago))
		return path
	}
	ancient := age("ancient", 40*24*time.Hour, 100)
	old := age("old", 3*time.Hour, 1000)
	mid := age("mid", 2*time.Hour, 1000)
	recent := age("recent", time.Hour, 1000)
	active := age("active", 10*time.Second, 5000)
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, nil, 0o600)
	os.Chtimes(other, now.Add(-1000*time.Hour), now.Add(-1000*time.Hour))

	removed, err := Prune(dir, 30*24*time.Hour, 0)
	if err != nil || !slices.Equal(removed, []string{ancient}) {
		t.Errorf("by age: removed %v, %v", removed, err)
	}
	removed, err = Prune(dir, 0, 6500)
	if err != nil || !slices.Equal(removed, []string{old, mid}) {
		t.Errorf("by size: removed %v, %v", removed, err)
	}
	for _, keep := range []string{recent, active, other} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s was removed", filepath.Base(keep))
		}
	}
	removed, _ = Prune(dir, 0, 1)
	if !slices.Equal(removed, []string{recent}) {
		t.Errorf("a recording being written must survive: removed %v", removed)
	}
}

package tui

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/filter"
)

// A recording's line that the raw-line fast paths rule out is one the
// row decoded from it would not show: for any line and any filter, a row
// hidden (or, finding, passed over) by its line alone is hidden by the
// full test, and a verdict read from the line is the full test's. What
// a message's line says of its seq, direction, opcode, size and request
// is what decoding it says.
func FuzzLineFilterAgreesWithRows(f *testing.F) {
	var seeds []conn.Event
	for _, ev := range sampleSession() {
		ev.Seq = len(seeds) + 1
		seeds = append(seeds, ev)
	}
	reply := textIn(0, `{"id":7,"note":"a \",\"reply_to\":9 in the text"}`)
	reply.Seq = 12
	reply.Note = &conn.Note{Reply: &conn.Reply{To: 3}}
	seeds = append(seeds, reply, msgEvent(0, conn.Out, conn.OpBinary, "\x00\x01status"),
		textIn(0, "Kelvin \u212a status \"quoted\" back\\slash <b>&amp;</b>"), textIn(0, ""))
	queries := []string{"status", "Status", `"op":"status"`, "re:stat.s", `re:"id":\d+`, "re:(?i)kelvin", "<b>", ""}
	for i, ev := range seeds {
		line := history.FromEvent(ev).AppendJSON(nil)
		f.Add(line, queries[i%len(queries)], uint8(i%3), uint8(i%5), i%4 == 0, i%6 == 0, i%2 == 0)
	}
	f.Add([]byte(`{"type":"message","time":"2026-11-22T02:10:00Z","seq":1,"dir":"in","opcode":"text","len":3,"text":"abc","leg":"client"}`),
		"abc", uint8(1), uint8(0), false, false, false)

	var header []byte
	{
		path := filepath.Join(f.TempDir(), "empty"+history.FileSuffix)
		w, err := history.Create(path, history.Header{ToolVersion: "test", URL: "ws://h/ws", Start: t0},
			history.WriterOptions{Redactor: history.Redactor{Disabled: true}})
		if err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		if header, err = os.ReadFile(path); err != nil {
			f.Fatal(err)
		}
	}
	theme, err := themes.Get("dark", true)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line []byte, query string, dirs, ops uint8, errorsOnly, findOnly, finding bool) {
		if bytes.ContainsAny(line, "\r\n") {
			return
		}
		fm := filter.New(&theme)
		fm.Focus()
		fm, _ = fm.Update(tea.PasteMsg{Content: query})
		for range dirs % 3 {
			fm.CycleDirection()
		}
		for range ops % 5 {
			fm.CycleOps()
		}
		if errorsOnly {
			fm.ToggleErrorsOnly()
		}
		if findOnly {
			fm, _ = fm.Update(keyMsg("ctrl+t"))
		}
		c := fm.Criteria()

		path := filepath.Join(t.TempDir(), "r"+history.FileSuffix)
		if err := os.WriteFile(path, append(append(bytes.Clone(header), line...), '\n'), 0o600); err != nil {
			t.Fatal(err)
		}
		rec, err := history.Open(path)
		if err != nil {
			return
		}
		defer rec.Close()
		rec.Wait()
		if rec.Len() != 1 {
			return // the line is no event's
		}
		ev, err := rec.Event(0)
		if err != nil {
			if bytes.HasSuffix(line, []byte("}")) {
				return // damaged inside: hides judges it by its first keys
			}
			ev = unreadableEvent(err)
		}
		d := &model{store: newPageStore()}
		d.ingest(ev)
		r := d.store.row(0)
		// textKnown: the row's text verdict comes from its payload; a row
		// without one is matched by its summary, which a line cannot show.
		textKnown := r.isMessage() && r.payload.n > 0
		matches := textKnown && c.Match(d.store.payload(0))
		shown := passesToggles(c, r) && (!c.HasText() || c.FindOnly() || matches)
		shownKnown := !passesToggles(c, r) || !c.HasText() || c.FindOnly() || textKnown

		lf := newLineFilter(c)
		if finding {
			lf = newFindFilter(c)
		}
		if lf.hides(line) {
			switch {
			case finding && (!textKnown || matches):
				t.Fatalf("%s\nfinding %q: passed over a row that matches (known %v)", line, query, textKnown)
			case !finding && (!shownKnown || shown):
				t.Fatalf("%s\nfilter %q %+v: hid a row the full test shows (known %v)", line, query, c.Summary(), shownKnown)
			}
		}
		if got, ok := lf.shown(line); ok && (!shownKnown || got != shown) {
			t.Fatalf("%s\nfilter %q %s: the line says shown %v, the row %v (known %v)", line, query, c.Summary(), got, shown, shownKnown)
		}
		if got, ok := lf.matchesText(line); ok && (!textKnown || got != matches) {
			t.Fatalf("%s\nquery %q: the line says match %v, the row %v (known %v)", line, query, got, matches, textKnown)
		}

		data, ok := dataMessageOf(line)
		if !ok {
			return
		}
		var hr history.Record
		if err := json.Unmarshal(line, &hr); err != nil {
			return // unreadable: its row is an error, which no data line's verdict names
		}
		if hr.Seq != data.seq || hr.Dir != data.dir || hr.Opcode != data.op || int64(hr.Len) != data.size {
			t.Fatalf("%s\nread seq %d %v %v len %d; decoded seq %d %v %v len %d",
				line, data.seq, data.dir, data.op, data.size, hr.Seq, hr.Dir, hr.Opcode, hr.Len)
		}
		if replyTo, ok := replyToOf(data); ok && replyTo != hr.ReplyTo {
			t.Fatalf("%s\nread reply to %d, decoded %d", line, replyTo, hr.ReplyTo)
		}
	})
}

// A message line cut short is not hidden by its line: its row is the
// warning that the line could not be read, which "errors only" keeps and
// a query may match.
func TestLineFilterKeepsAnUnreadableLine(t *testing.T) {
	theme, err := themes.Get("dark", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":3,"text":"abc"`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":30,"text":"abc`,
		`{"type":"message","time":"","dir":"out","opcode":"binary","len":3,"base64":"AQ`,
	} {
		errorsOnly := filter.New(&theme)
		errorsOnly.ToggleErrorsOnly()
		query := filter.New(&theme)
		query.Focus()
		query, _ = query.Update(tea.PasteMsg{Content: "recording"})
		for _, c := range []*filter.Criteria{errorsOnly.Criteria(), query.Criteria()} {
			if newLineFilter(c).hides([]byte(line)) {
				t.Errorf("%s\nis hidden by %s", line, c.Summary())
			}
		}
		if newFindFilter(query.Criteria()).hides([]byte(line)) {
			t.Errorf("%s\nis passed over finding %q", line, "recording")
		}
	}
}

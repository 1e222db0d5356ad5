package tui

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
)

// everyKindOfExplainedEvent is a session with every kind of event wsdbg
// explains: error replies in JSON, Socket.IO and MQTT form, a protocol
// warning, a private close code and a drop.
func everyKindOfExplainedEvent() []conn.Event {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	open := openEvent(0)
	sio := msgEvent(100*time.Millisecond, conn.In, conn.OpText, `44{"message":"not authorized"}`)
	env := msgEvent(200*time.Millisecond, conn.In, conn.OpText, `{"type":"error","data":{"code":4003,"message":"Forbidden: missing scope"}}`)
	closing := closeIn(400*time.Millisecond, 4001, "token expired")
	mqttOpen := openEvent(time.Second)
	mqttOpen.Subprotocol = "mqtt"
	connack := msgEvent(1100*time.Millisecond, conn.In, conn.OpBinary, "\x20\x02\x00\x05")
	return []conn.Event{
		open, sio, env,
		{Type: conn.EventWarning, Time: at(300), Dir: conn.In, Failure: &decode.Failure{Kind: decode.KindProtocol,
			Cause: decode.CauseNonMinimalLength, Code: 1002, Message: "length 5 encoded in 2 bytes", Opcode: 1, Length: 5}},
		closing,
		mqttOpen, connack,
		{Type: conn.EventError, Time: at(70000), Dir: conn.In, Final: true, Idle: 60 * time.Second,
			Failure: &decode.Failure{Kind: decode.KindTransport, Cause: decode.CauseEOFWithoutClose, Code: 1006,
				Message: "unexpected EOF", IdleSeconds: 60}},
	}
}

// flat collapses whitespace, so that wrapped and unwrapped renderings of
// one sentence compare equal.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// unmarkdown undoes the escaping Markdown output applies to prose.
func unmarkdown(s string) string {
	return strings.NewReplacer(`\`+"`", "`", `\*`, "*", `\_`, "_", `\[`, "[", "&lt;", "<", "&gt;", ">").Replace(s)
}

// One event gets one annotation, and every view shows it: the debugger
// live and in replay, tail's text and JSON lines, the recording, the
// Markdown report.
func TestEveryViewShowsTheSameAnnotation(t *testing.T) {
	events := everyKindOfExplainedEvent()
	notes := conn.NewAnnotator(conn.Options{})
	for i := range events {
		notes.Annotate(&events[i])
	}
	type said struct{ name, hint, badge string }
	want := map[int]said{}
	for i, ev := range events {
		if ev.Note == nil {
			continue
		}
		s := said{name: ev.Note.Name, hint: ev.Note.Hint}
		if e := ev.Note.Envelope; e != nil {
			s = said{name: e.Explanation.Name, hint: e.Explanation.Hint, badge: strings.TrimSpace("ERROR " + e.CodeText())}
		}
		if ev.Type == conn.EventClose {
			s.badge = "CLOSE 4001"
		}
		if s.name == "" {
			t.Fatalf("event %d (%s) has no explanation to compare: %+v", i, ev.Type, ev.Note)
		}
		want[i] = s
	}
	// Socket.IO's refusal, the JSON envelope, the warning, the close, the
	// MQTT refusal and the drop.
	if len(want) != 6 {
		t.Fatalf("%d events explained, want 6", len(want))
	}

	path := filepath.Join(t.TempDir(), "session.jsonl")
	w, err := history.Create(path, history.Header{URL: "ws://127.0.0.1:8080/ws", Start: t0}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tailText, tailJSON []string
	for _, ev := range events {
		if err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
		r := history.FromEvent(ev)
		tailText = append(tailText, export.FormatLine(r, export.LineOptions{Location: time.UTC}))
		tailJSON = append(tailJSON, string(r.AppendJSON(nil)))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Wait()

	live, _ := newTestModel(t, 200, 60, Options{})
	for _, ev := range events {
		live.ingest(ev)
	}
	src := NewReplay(t.Context(), rec, ReplayOptions{})
	replayed, _ := newTestModel(t, 200, 60, Options{Source: src})
	p := startPump(t.Context(), src, nil)
	defer p.stop()
	pumpUntil(t, replayed, p, 5*time.Second, func() bool { return replayed.sess.ended })

	var md bytes.Buffer
	if err := export.Write(&md, rec, "md", history.Redactor{}); err != nil {
		t.Fatal(err)
	}
	report := flat(unmarkdown(md.String()))

	if insp := plainLines(live.inspectorLines(1, 200)); !strings.Contains(insp, "Error reply · not authorized") {
		t.Errorf("a reply without a code is headed badly:\n%s", insp)
	}
	for i, s := range want {
		views := map[string]string{
			"tail text":           flat(tailText[i]),
			"markdown report":     report,
			"debugger inspector":  flat(plainLines(live.inspectorLines(i, 200))),
			"replay inspector":    flat(plainLines(replayed.inspectorLines(i, 200))),
			"debugger row badges": flat(badgeText(live, i)),
			"replay row badges":   flat(badgeText(replayed, i)),
		}
		for view, text := range views {
			isBadges := strings.HasSuffix(view, "badges")
			if isBadges {
				if s.badge != "" && !strings.Contains(text, s.badge) {
					t.Errorf("event %d: %s lack %q: %s", i, view, s.badge, text)
				}
				continue
			}
			if !strings.Contains(text, flat(decode.Sanitize(s.name))) {
				t.Errorf("event %d: %s lacks the name %q:\n%s", i, view, s.name, text)
			}
			if s.hint != "" && !strings.Contains(text, flat(decode.Sanitize(s.hint))) {
				t.Errorf("event %d: %s lacks the hint %q:\n%s", i, view, s.hint, text)
			}
		}
		for view, line := range map[string]string{"tail --json": tailJSON[i], "recording": recordLine(t, rec, i)} {
			var got struct {
				Name  string `json:"name"`
				Hint  string `json:"hint"`
				Error *struct {
					Name string `json:"name"`
					Hint string `json:"hint"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatalf("%s line %d: %v", view, i, err)
			}
			if got.Error != nil {
				got.Name, got.Hint = got.Error.Name, got.Error.Hint
			}
			if got.Name != s.name || got.Hint != s.hint {
				t.Errorf("event %d: %s says %q / %q, want %q / %q", i, view, got.Name, got.Hint, s.name, s.hint)
			}
		}
	}
}

func badgeText(m *model, i int) string {
	var parts []string
	for _, b := range m.badgesOf(i) {
		parts = append(parts, b.text)
	}
	return strings.Join(parts, " ")
}

func recordLine(t *testing.T, rec *history.Recording, i int) string {
	t.Helper()
	r, err := rec.Record(i)
	if err != nil {
		t.Fatal(err)
	}
	return string(r.AppendJSON(nil))
}

// A reply's link to its request is made once, by the annotator, and every
// view shows the same one: tail's text and JSON lines, the recording, the
// Markdown report, the debugger live, in replay and browsing the file.
func TestEveryViewShowsTheSameReplyLink(t *testing.T) {
	events := []conn.Event{
		openEvent(0),
		textOut(10*time.Millisecond, `{"id":7,"op":"get"}`),
		textIn(20*time.Millisecond, `{"tick":1}`),
		textIn(44*time.Millisecond, `{"id":7,"ok":true}`),
	}
	notes := conn.NewAnnotator(conn.Options{})
	for i := range events {
		events[i].Seq = i + 1
		notes.Annotate(&events[i])
	}
	const request, reply = 1, 3 // rows; seqs 2 and 4
	if n := events[reply].Note; n == nil || n.Reply == nil || n.Reply.To != request+1 || n.Reply.Latency != 34*time.Millisecond {
		t.Fatalf("the annotator did not link the reply: %+v", n)
	}

	path := filepath.Join(t.TempDir(), "session.jsonl")
	w, err := history.Create(path, history.Header{URL: "ws://127.0.0.1:8080/ws", Start: t0}, history.WriterOptions{})
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
	rec, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Wait()

	r := history.FromEvent(events[reply])
	if text := export.FormatLine(r, export.LineOptions{Location: time.UTC}); !strings.Contains(text, "↩ #2 34ms") {
		t.Errorf("tail's line lacks the link: %s", text)
	}
	for view, line := range map[string]string{"tail --json": string(r.AppendJSON(nil)), "recording": recordLine(t, rec, reply)} {
		if !strings.Contains(line, `"reply_to":2,"latency_ms":34`) {
			t.Errorf("%s lacks the link: %s", view, line)
		}
	}
	var md bytes.Buffer
	if err := export.Write(&md, rec, "md", history.Redactor{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "↩ #2 34ms") {
		t.Errorf("the report lacks the link:\n%s", md.String())
	}

	live, _ := newTestModel(t, 200, 60, Options{})
	for _, ev := range events {
		live.ingest(ev)
	}
	src := NewReplay(t.Context(), rec, ReplayOptions{})
	replayed, _ := newTestModel(t, 200, 60, Options{Source: src})
	p := startPump(t.Context(), src, nil)
	defer p.stop()
	pumpUntil(t, replayed, p, 5*time.Second, func() bool { return replayed.sess.ended })
	browsed := browseModel(t, path)
	browseUntilEnded(t, browsed)

	for view, m := range map[string]*model{"debugger": live, "replay": replayed, "browsed recording": browsed} {
		if r := m.store.row(reply); !r.has(flagReply) || r.link != request {
			t.Errorf("%s: reply row links %d (flags %b), want %d", view, r.link, r.flags, request)
		}
		if r := m.store.row(request); !r.has(flagRequest) || r.link != reply {
			t.Errorf("%s: request row links %d (flags %b), want %d", view, r.link, r.flags, reply)
		}
		if got := flat(plainLines(m.inspectorLines(reply, 200))); !strings.Contains(got, "Reply to: #2, 34ms after it was sent") {
			t.Errorf("%s: the inspector does not show the link:\n%s", view, got)
		}
		if got := badgeText(m, reply); !strings.Contains(got, "reply 34ms") {
			t.Errorf("%s: the reply's badges are %q", view, got)
		}
	}
}

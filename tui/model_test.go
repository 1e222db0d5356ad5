package tui

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/tui/composer"
)

func TestRowsArriveAndSelectionFollows(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	feed(m, sampleSession()...)
	if got, want := m.store.len(), len(sampleSession()); got != want {
		t.Fatalf("rows = %d, want %d", got, want)
	}
	if m.sel != m.displayLen()-1 {
		t.Fatalf("selection %d is not on the newest row %d while following", m.sel, m.displayLen()-1)
	}
	out := plainScreen(m)
	for _, want := range []string{"FRAMES", "11 rows", "following", "welcome to the demo server", "CLOSE 4001"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
}

func TestScrollingUpPausesFollowAndCountsNewRows(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	for k := range 50 {
		feed(m, textIn(time.Duration(k)*time.Millisecond, fmt.Sprintf("message %d", k)))
	}
	press(m, "k", "k")
	if m.following() {
		t.Fatal("still following after moving up")
	}
	sel := m.sel
	feed(m, textIn(time.Second, "late 1"), textIn(time.Second, "late 2"), textIn(time.Second, "late 3"))
	if m.sel != sel {
		t.Errorf("selection moved from %d to %d while paused", sel, m.sel)
	}
	if !strings.Contains(plainScreen(m), "3 new, G to follow") {
		t.Errorf("no new-rows indicator:\n%s", plainScreen(m))
	}
	press(m, "G")
	if !m.following() || m.unseen != 0 || m.sel != 52 {
		t.Errorf("G: following=%v unseen=%d sel=%d", m.following(), m.unseen, m.sel)
	}
	press(m, "f")
	feed(m, textIn(2*time.Second, "after follow off"))
	if m.sel != 52 {
		t.Errorf("follow off, but the selection moved to %d", m.sel)
	}
}

func TestReplayIsReadOnly(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{Source: replaySource{events: make(chan conn.Event)}})
	feed(m, sampleSession()...)
	press(m, "i")
	if m.focus == focusComposer {
		t.Fatal("composer focused in a replay")
	}
	out := plainScreen(m)
	for _, want := range []string{"REPLAY", "REPLAY (read-only)", "nothing can be sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
}

func TestRequestAndReplyAreLinked(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{Conn: conn.Options{IDFields: []string{"meta.corr"}}})
	feed(m,
		textOut(0, `{"id":"a1","op":"get"}`),
		textOut(10*time.Millisecond, `{"meta":{"corr":9},"op":"get"}`),
		textIn(20*time.Millisecond, `{"event":"noise","id":"zz"}`),
	)
	_ = plainScreen(m) // the requests are drawn before their replies arrive
	feed(m,
		textIn(52*time.Millisecond, `{"id":"a1","result":42}`),
		textIn(60*time.Millisecond, `{"meta":{"corr":9},"ok":true}`),
	)
	reply := m.store.row(3)
	if !reply.has(flagReply) || reply.link != 0 {
		t.Fatalf("reply not linked: %+v", *reply)
	}
	if m.store.row(2).link >= 0 {
		t.Error("a message with an unknown id was linked")
	}
	if got := m.store.row(4).link; got != 1 {
		t.Errorf("configured path: reply linked to %d, want 1", got)
	}
	out := plainScreen(m)
	if !strings.Contains(out, "reply 52ms") || !strings.Contains(out, "reply 50ms") || strings.Count(out, " req ") != 2 {
		t.Errorf("latency or request badges missing:\n%s", out)
	}
	m.sel = 3
	press(m, "%")
	if m.sel != 0 {
		t.Fatalf("%% from the reply went to %d, want 0", m.sel)
	}
	press(m, "r")
	if m.sel != 3 {
		t.Fatalf("r from the request went to %d, want 3", m.sel)
	}
}

// The annotation names the request by seq; rows of wsdbg's own between the
// two, and a new connection numbering from 1 again, do not mislead the
// log about which row that is.
func TestReplyFindsItsRequestRow(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	feed(m, openEvent(0))
	m.addNote(t0.Add(5*time.Millisecond), "recording stopped")
	feed(m, textOut(10*time.Millisecond, `{"id":1}`), textIn(20*time.Millisecond, `{"id":1}`))
	if r := m.store.row(3); !r.has(flagReply) || r.link != 2 {
		t.Fatalf("reply after a note links row %d, want 2", r.link)
	}
	annotators.Delete(m) // a new client numbers from 1
	feed(m, openEvent(time.Second), textOut(time.Second+10*time.Millisecond, `{"id":1}`),
		textIn(time.Second+30*time.Millisecond, `{"id":1}`))
	if r := m.store.row(6); !r.has(flagReply) || r.link != 5 {
		t.Fatalf("reply on the new connection links row %d, want 5", r.link)
	}
}

func TestInspectorExplainsCloseAndEnvelope(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	feed(m, sampleSession()...)
	press(m, "e")
	if !m.inspectorOpen || m.focus != focusInspector {
		t.Fatal("e did not open the inspector in the compact layout")
	}
	out := plainScreen(m)
	for _, want := range []string{"#11 received close", "EXPLANATION", "Close 4001", "Reason: token expired", "Reconnect:"} {
		if !strings.Contains(out, want) {
			t.Errorf("close inspector lacks %q:\n%s", want, out)
		}
	}
	press(m, "esc")
	if m.inspectorOpen || m.focus != focusLog {
		t.Fatal("esc did not return to the log")
	}
	press(m, "k", "k", "enter")
	out = plainScreen(m)
	for _, want := range []string{"#9 received text", "Error reply 4001", "token expired", "PAYLOAD json"} {
		if !strings.Contains(out, want) {
			t.Errorf("envelope inspector lacks %q:\n%s", want, out)
		}
	}
}

func TestInspectorFramesFormatsAndWrap(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{})
	long := `{"items":[` + strings.Repeat(`"abcdefghij",`, 30) + `"end"]}`
	feed(m, openEvent(0), textOut(time.Second, long))
	out := plainScreen(m)
	for _, want := range []string{"FRAMES (1)", "a1b2c3d4", "7-bit", "PAYLOAD json (auto)"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspector lacks %q:\n%s", want, out)
		}
	}
	press(m, "v")
	if !strings.Contains(plainScreen(m), "PAYLOAD text (fixed)") {
		t.Errorf("v did not switch to text:\n%s", plainScreen(m))
	}
	press(m, "v", "v")
	if !strings.Contains(plainScreen(m), "PAYLOAD hex (fixed)") {
		t.Errorf("v v did not switch to hex:\n%s", plainScreen(m))
	}
	press(m, "w")
	if !m.insp.Settings().Wrap || !strings.Contains(plainScreen(m), "w: wrap on") {
		t.Error("w did not turn wrapping on")
	}
	press(m, "tab", "tab")
	if m.focus != focusInspector {
		t.Fatalf("tab, tab from the log focused %d, want the inspector", m.focus)
	}
	before := m.insp.YOffset()
	press(m, "j", "j")
	if m.insp.YOffset() != before+2 {
		t.Errorf("j in the inspector scrolled from %d to %d", before, m.insp.YOffset())
	}
}

func TestInspectorShowsLargeJSONAsJSON(t *testing.T) {
	m, _ := newTestModel(t, 120, 60, Options{})
	var rows strings.Builder
	for i := 0; rows.Len() < renderLimit+4096; i++ {
		fmt.Fprintf(&rows, `{"id":%d,"text":"row %d"},`, i, i)
	}
	big := `{"rows":[` + strings.TrimSuffix(rows.String(), ",") + `]}`
	feed(m, openEvent(0), textOut(time.Second, big))
	out := plainScreen(m)
	if !strings.Contains(out, "PAYLOAD json (auto)") || strings.Contains(out, "not json") || strings.Contains(out, "hex instead") {
		t.Errorf("valid JSON over the display limit was not shown as JSON:\n%s", out)
	}
}

func TestCopyPayloadReportReproAndErrors(t *testing.T) {
	cp := &recordingCopier{}
	m, _ := newTestModel(t, 80, 24, Options{
		Copier: cp,
		Conn:   conn.Options{URL: "wss://example.com/ws?token=s3cret", Header: http.Header{"Authorization": {"Bearer abc.def.ghi"}}},
	})
	feed(m, sampleSession()...)
	feed(m, textOut(8*time.Second, `{"op":"login","token":"hunter2"}`))
	m.sel = 3
	press(m, "y")
	if cp.text != "{\n  \"id\": 7,\n  \"ok\": true\n}" {
		t.Fatalf("y copied %q", cp.text)
	}
	if !strings.Contains(m.notice.text, "copied payload as pretty JSON (27 B) to the test clipboard") {
		t.Errorf("notice: %q", m.notice.text)
	}
	m.sel = 5
	press(m, "y")
	if cp.text != "00 01 02 ff 20 62 69 6e 61 72 79" {
		t.Errorf("binary copied as %q", cp.text)
	}

	m.sel = 8
	press(m, "Y")
	for _, want := range []string{"## WebSocket bug report", "token expired", "4001", "chat.v1"} {
		if !strings.Contains(cp.text, want) {
			t.Errorf("bug report lacks %q:\n%s", want, cp.text)
		}
	}
	if !strings.Contains(m.notice.text, "copied bug report") {
		t.Errorf("notice after Y: %q", m.notice.text)
	}

	press(m, "c")
	for _, want := range []string{"wsdbg ", "websocat ", "wscat ", `{"id":7,"op":"subscribe","channel":"ticker"}`, `"op":"login"`} {
		if !strings.Contains(cp.text, want) {
			t.Errorf("repro lacks %q:\n%s", want, cp.text)
		}
	}
	for _, secret := range []string{"s3cret", "abc.def.ghi", "hunter2"} {
		if strings.Contains(cp.text, secret) {
			t.Errorf("repro leaks %q:\n%s", secret, cp.text)
		}
	}

	cp.err = errCopy
	press(m, "y")
	if !m.notice.isErr || !strings.Contains(m.notice.text, "could not copy") || !strings.Contains(m.notice.text, "no clipboard helper found") {
		t.Errorf("copy failure not shown: %+v", m.notice)
	}
	// The way out is on screen even when the reason is cut off.
	if !strings.Contains(plainScreen(m), "press s to save it to a file") {
		t.Errorf("the offer to save is not on an 80-column screen:\n%s", plainScreen(m))
	}
}

func TestHelpListsEveryBinding(t *testing.T) {
	m, _ := newTestModel(t, 100, 60, Options{})
	press(m, "?")
	if m.focus != focusHelp {
		t.Fatal("? did not open help")
	}
	text := ansi.Strip(strings.Join(m.helpLines(), "\n"))
	for _, b := range allBindings(m.keys) {
		if !strings.Contains(text, b.Help().Desc) {
			t.Errorf("help lacks %q (%s)", b.Help().Desc, b.Help().Key)
		}
	}
	for _, c := range composer.Commands() {
		if !strings.Contains(text, c.Usage) {
			t.Errorf("help lacks command %q", c.Usage)
		}
	}
	press(m, "esc")
	if m.focus == focusHelp {
		t.Error("esc did not close help")
	}
}

func TestMouseWheelAndClick(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	for k := range 40 {
		feed(m, textIn(time.Duration(k)*time.Millisecond, fmt.Sprintf("row %d", k)))
	}
	m.Update(tea.MouseWheelMsg{X: 10, Y: 5, Button: tea.MouseWheelUp})
	if m.sel != 36 || m.following() {
		t.Fatalf("wheel up: sel %d, following %v", m.sel, m.following())
	}
	lay := m.layout()
	m.Update(tea.MouseClickMsg{X: 10, Y: lay.log.y + 1, Button: tea.MouseLeft})
	if m.sel != m.top {
		t.Fatalf("click on the first row selected %d, top is %d", m.sel, m.top)
	}
	m.Update(tea.MouseClickMsg{X: 5, Y: lay.composerY, Button: tea.MouseLeft})
	if m.focus != focusComposer {
		t.Fatalf("click on the composer focused %d", m.focus)
	}
}

func TestBackgroundColourPicksLightTheme(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{Theme: "auto"})
	if m.theme.Name != "dark" {
		t.Fatalf("before the terminal answers, theme is %q", m.theme.Name)
	}
	m.Update(tea.BackgroundColorMsg{Color: lightGrey{}})
	if m.theme.Name != "light" {
		t.Fatalf("on a light background, theme is %q", m.theme.Name)
	}
}

type lightGrey struct{}

func (lightGrey) RGBA() (r, g, b, a uint32) { return 0xeeee, 0xeeee, 0xeeee, 0xffff }

func TestRelativeTimeToggle(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	feed(m, sampleSession()...)
	if !strings.Contains(plainScreen(m), "09:26:54.234") {
		t.Fatalf("absolute time missing:\n%s", plainScreen(m))
	}
	press(m, "t")
	if !strings.Contains(plainScreen(m), "+0:01.234") {
		t.Fatalf("relative time missing:\n%s", plainScreen(m))
	}
}

func TestHeaderShowsStateRatesAndRecording(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{RecordPath: "/tmp/x.jsonl"})
	feed(m, sampleSession()[:9]...)
	m.Update(tickMsg(t0))
	m.sess.msgs[0] += 5
	m.Update(tickMsg(t0.Add(time.Second)))
	head := strings.Join(m.headerLines(), "\n")
	head = ansi.Strip(head)
	for _, want := range []string{"ws://127.0.0.1:8080/ws", "open 90s", "REC", "out 1 msg", "in 10 msg 5.0/s", "rtt", "proto chat.v1", "ext permessage-deflate"} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	feed(m, conn.Event{Type: conn.EventReconnect, Time: t0.Add(89 * time.Second), Attempt: 3, Delay: 3 * time.Second})
	if head := ansi.Strip(m.headerLines()[0]); !strings.Contains(head, "reconnecting #3 in 2s") {
		t.Errorf("reconnect countdown missing: %s", head)
	}
	feed(m, closeIn(91*time.Second, 1006, ""))
	feed(m, conn.Event{Type: conn.EventClose, Time: t0.Add(92 * time.Second), Code: 1006, Final: true})
	if head := ansi.Strip(m.headerLines()[0]); !strings.Contains(head, "closed 1006") {
		t.Errorf("closed state missing: %s", head)
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func TestHostilePayloadsNeverReachTheTerminal(t *testing.T) {
	hostile := []string{
		"\x1b]0;pwned\x07title",
		"\x1b[2J\x1b[Hclear",
		"\x9b31mC1 CSI",
		"bidi \u202egnirts desrever\u202c end",
		"\x1bP+q544e\x1b\\ DCS",
		"bell\x07 and \x08backspace \r carriage",
		string([]byte{0xff, 0xfe, 0x1b, '[', '6', 'n'}),
		`{"type":"error","data":{"code":"\u001b[31m","message":"\u001b]52;c;aGk=\u0007"}}`,
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}} {
		m, _ := newTestModel(t, size[0], size[1], Options{})
		feed(m, openEvent(0))
		for k, p := range hostile {
			feed(m, textIn(time.Duration(k)*time.Millisecond, p))
			feed(m, msgEvent(time.Duration(k)*time.Millisecond, conn.In, conn.OpBinary, p))
		}
		feed(m, closeIn(time.Second, 4000, "\x1b[31mred\u202e"))
		feed(m, conn.Event{Type: conn.EventOpen, Time: t0, URL: "ws://x/\x1b[1m", Subprotocol: "\x1b]8;;", Extensions: []string{"\u202e"}})
		for pos := 0; pos < m.displayLen(); pos++ {
			m.sel = pos
			m.ensureVisible()
			for _, open := range []bool{false, true} {
				if open {
					press(m, "enter")
				}
				out := sgr.ReplaceAllString(m.View().Content, "")
				if i := strings.IndexFunc(out, unsafeRune); i >= 0 {
					t.Fatalf("%dx%d row %d: unsafe %q at %d in\n%q", size[0], size[1], pos, out[i:i+4], i, out)
				}
				if open {
					press(m, "esc")
					m.focus = focusLog
				}
			}
		}
	}
}

// unsafeRune reports characters that must never be written raw: ESC and
// other C0 controls (newline aside), DEL, C1 controls and bidi overrides.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

func TestEveryLineFitsAtEverySize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}, {200, 60}, {30, 8}} {
		m, _ := newTestModel(t, size[0], size[1], Options{})
		feed(m, sampleSession()...)
		for _, keys := range [][]string{nil, {"k", "k", "enter"}, {"esc", "?"}} {
			press(m, keys...)
			lines := strings.Split(m.View().Content, "\n")
			if len(lines) != size[1] {
				t.Errorf("%v after %v: %d lines, want %d", size, keys, len(lines), size[1])
			}
			for k, l := range lines {
				if w := ansi.StringWidth(l); w != size[0] {
					t.Errorf("%v after %v: line %d is %d wide, want %d: %q", size, keys, k, w, size[0], ansi.Strip(l))
				}
			}
		}
	}
}

func TestNoColorKeepsSelectionVisible(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{NoColor: true})
	feed(m, sampleSession()...)
	out := m.View().Content
	for _, seq := range sgr.FindAllString(out, -1) {
		for _, p := range strings.Split(strings.Trim(seq, "\x1b[m"), ";") {
			if strings.HasPrefix(p, "38") || strings.HasPrefix(p, "48") || len(p) == 2 && (p[0] == '3' || p[0] == '4') && p[1] != '8' {
				t.Fatalf("colour %q in a NO_COLOR screen", seq)
			}
		}
	}
	if !strings.Contains(out, "\x1b[1;7m") && !strings.Contains(out, "\x1b[7;1m") && !strings.Contains(out, ";7m") {
		t.Errorf("selection is not in reverse video: %q", out)
	}
}

// The status line lists the keys of whatever has the keyboard, and only
// those.
func TestStatusLineFollowsFocus(t *testing.T) {
	m, _ := newTestModel(t, 160, 40, Options{})
	feed(m, sampleSession()...)
	steps := []struct {
		keys         []string
		want, absent string
	}{
		{nil, "i compose", "enter send"},
		{[]string{"?"}, "?/esc close help", "i compose"},
		{[]string{"esc", "i"}, "enter send", "older match"},
		{[]string{"ctrl+r"}, "ctrl+r older match", "enter send"},
		{[]string{"esc", "esc", "tab", "tab"}, "v payload format", "enter send"},
	}
	for _, st := range steps {
		press(m, st.keys...)
		footer := ansi.Strip(m.footerLine())
		if !strings.Contains(footer, st.want) || strings.Contains(footer, st.absent) {
			t.Errorf("after %v the status line is %q; want %q and no %q", st.keys, footer, st.want, st.absent)
		}
	}
}

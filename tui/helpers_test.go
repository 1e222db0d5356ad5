package tui

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/internal/clipboard"
)

// t0 is the fixed start of every scripted session.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// scriptedSource is a Source and Live for tests driven through Update: the
// events are fed by hand, and what the composer sends is recorded.
type scriptedSource struct {
	events chan conn.Event

	mu        sync.Mutex
	sent      []sentFrame
	reconnect int
	sendErr   error
}

type sentFrame struct {
	op      conn.Opcode
	payload string
	code    int
}

func newScriptedSource() *scriptedSource {
	return &scriptedSource{events: make(chan conn.Event)}
}

func (s *scriptedSource) Events() <-chan conn.Event { return s.events }

func (s *scriptedSource) Send(op conn.Opcode, p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sendErr != nil {
		return s.sendErr
	}
	s.sent = append(s.sent, sentFrame{op: op, payload: string(p)})
	return nil
}

func (s *scriptedSource) Ping(p []byte) error { return s.Send(conn.OpPing, p) }

func (s *scriptedSource) Close(code int, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sentFrame{op: conn.OpClose, payload: reason, code: code})
	return nil
}

func (s *scriptedSource) Reconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reconnect++
}

func (s *scriptedSource) frames() []sentFrame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentFrame(nil), s.sent...)
}

// replaySource is a Source without Live, as a recording is.
type replaySource struct{ events chan conn.Event }

func (r replaySource) Events() <-chan conn.Event { return r.events }

// recordingCopier is a Copier that keeps what it was given.
type recordingCopier struct {
	text string
	err  error
}

func (c *recordingCopier) Copy(text string) (clipboard.Method, error) {
	if c.err != nil {
		return "", c.err
	}
	c.text = text
	return "test clipboard", nil
}

// newTestModel returns a model of the given size fed by a scripted source,
// with a fixed clock and the dark theme.
func newTestModel(t testing.TB, w, h int, opts Options) (*model, *scriptedSource) {
	t.Helper()
	src := newScriptedSource()
	if opts.Source == nil {
		opts.Source = src
	}
	if opts.Theme == "" {
		opts.Theme = "dark"
	}
	if opts.URL == "" {
		opts.URL = "ws://127.0.0.1:8080/ws"
	}
	m := newModel(opts)
	m.now = func() time.Time { return t0.Add(90 * time.Second) }
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, src
}

// annotators keeps one annotator per model under test, so that fed events
// are annotated in order as a live connection annotates them.
var annotators sync.Map // *model → *feeder

// feeder numbers and annotates the events fed to one model, as a client
// does.
type feeder struct {
	notes *conn.Annotator
	seq   int
}

// feed delivers events to the model as one batch, annotated as a live
// connection delivers them, and runs what it returns that is synchronous
// (filter scans).
func feed(m *model, events ...conn.Event) {
	opts := conn.Options{Dialects: m.opts.Dialects, IDFields: m.opts.Conn.IDFields}
	f, _ := annotators.LoadOrStore(m, &feeder{notes: conn.NewAnnotator(opts)})
	fd := f.(*feeder)
	for i := range events {
		fd.seq++
		events[i].Seq = fd.seq
		fd.notes.Annotate(&events[i])
	}
	_, cmd := m.Update(eventBatchMsg{events: events})
	runFilterSteps(m, cmd)
}

// runFilterSteps executes filter scan commands until the scan is done.
func runFilterSteps(m *model, cmd tea.Cmd) {
	for _, msg := range drain(cmd) {
		if step, ok := msg.(filterStepMsg); ok {
			_, next := m.Update(step)
			runFilterSteps(m, next)
		}
	}
}

// drain runs the commands that finish at once (batches, filter steps) and
// returns their messages; ticks and waits are left alone.
func drain(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if batch, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range batch {
				out = append(out, drain(c)...)
			}
			return out
		}
		return []tea.Msg{msg}
	case <-time.After(50 * time.Millisecond):
		return nil
	}
}

// keyMsg turns a key name as key.Binding spells it ("j", "enter",
// "ctrl+r", "shift+tab") into a key press.
func keyMsg(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp,
		"down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp,
		"pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace,
		"space": tea.KeySpace, "delete": tea.KeyDelete,
	}
	var mod tea.KeyMod
	base := name
	for {
		switch {
		case strings.HasPrefix(base, "ctrl+") && len(base) > 5:
			mod |= tea.ModCtrl
			base = base[5:]
			continue
		case strings.HasPrefix(base, "alt+") && len(base) > 4:
			mod |= tea.ModAlt
			base = base[4:]
			continue
		case strings.HasPrefix(base, "shift+") && len(base) > 6:
			mod |= tea.ModShift
			base = base[6:]
			continue
		}
		break
	}
	if code, ok := special[base]; ok {
		k := tea.KeyPressMsg{Code: code, Mod: mod}
		if code == tea.KeySpace && mod == 0 {
			k.Text = " "
		}
		return k
	}
	r, _ := utf8.DecodeRuneInString(base)
	k := tea.KeyPressMsg{Code: r, Mod: mod}
	if mod == 0 || mod == tea.ModShift {
		k.Text = base
	}
	return k
}

// press sends key presses by name and returns the commands' messages.
func press(m *model, names ...string) []tea.Msg {
	var out []tea.Msg
	for _, n := range names {
		_, cmd := m.Update(keyMsg(n))
		msgs := drain(cmd)
		for _, msg := range msgs {
			switch msg := msg.(type) {
			case filterStepMsg, copiedMsg, savedMsg:
				_, next := m.Update(msg)
				runFilterSteps(m, next)
			}
		}
		out = append(out, msgs...)
	}
	return out
}

// typeText types s one character at a time.
func typeText(m *model, s string) {
	for _, r := range s {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		runFilterSteps(m, cmd)
	}
}

// screen renders the view with colours downsampled to the 16-colour ANSI
// profile, as a terminal of that kind would receive it.
func screen(m *model) string {
	var buf bytes.Buffer
	w := colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI}
	_, _ = w.WriteString(m.View().Content)
	return buf.String()
}

// plainScreen is the view as text, without styling.
func plainScreen(m *model) string { return ansi.Strip(m.View().Content) }

// Event constructors.

func textIn(at time.Duration, payload string) conn.Event {
	return msgEvent(at, conn.In, conn.OpText, payload)
}

func textOut(at time.Duration, payload string) conn.Event {
	return msgEvent(at, conn.Out, conn.OpText, payload)
}

func msgEvent(at time.Duration, dir conn.Direction, op conn.Opcode, payload string) conn.Event {
	ts := t0.Add(at)
	return conn.Event{
		Type: conn.EventMessage, Time: ts, Dir: dir, Opcode: op, Payload: []byte(payload),
		Frames: []conn.Frame{{Time: ts, Dir: dir, FIN: true, Opcode: op, Masked: dir == conn.Out,
			MaskKey: [4]byte{0xa1, 0xb2, 0xc3, 0xd4}, Length: int64(len(payload)), HeaderLen: 2}},
	}
}

func pong(at time.Duration, payload string, rtt time.Duration) conn.Event {
	ev := msgEvent(at, conn.In, conn.OpPong, payload)
	ev.RTT = rtt
	return ev
}

func openEvent(at time.Duration) conn.Event {
	return conn.Event{
		Type: conn.EventOpen, Time: t0.Add(at), URL: "ws://127.0.0.1:8080/ws", Status: 101,
		Subprotocol: "chat.v1", Extensions: []string{"permessage-deflate"},
	}
}

func closeIn(at time.Duration, code int, reason string) conn.Event {
	payload := append([]byte{byte(code >> 8), byte(code)}, reason...)
	ts := t0.Add(at)
	return conn.Event{
		Type: conn.EventClose, Time: ts, Dir: conn.In, Opcode: conn.OpClose, Payload: payload,
		Code: code, Reason: reason, HasCode: true,
		Frames: []conn.Frame{{Time: ts, Dir: conn.In, FIN: true, Opcode: conn.OpClose, Length: int64(len(payload)), HeaderLen: 2}},
	}
}

// session returns a small, varied conversation used by several tests and
// the golden files.
func sampleSession() []conn.Event {
	return []conn.Event{
		openEvent(0),
		textIn(10*time.Millisecond, "welcome to the demo server"),
		textOut(1200*time.Millisecond, `{"id":7,"op":"subscribe","channel":"ticker"}`),
		textIn(1234*time.Millisecond, `{"id":7,"ok":true}`),
		textIn(2*time.Second, `{"type":"tick","price":101.25,"symbol":"ABC"}`),
		msgEvent(3*time.Second, conn.In, conn.OpBinary, "\x00\x01\x02\xff binary"),
		msgEvent(4*time.Second, conn.Out, conn.OpPing, "hb"),
		pong(4*time.Second+3*time.Millisecond, "hb", 3*time.Millisecond),
		textIn(5*time.Second, `{"type":"error","data":{"code":4001,"message":"token expired"}}`),
		textIn(6*time.Second, "日本語のテキスト 🎉 emoji and wide characters"),
		closeIn(7*time.Second, 4001, "token expired"),
	}
}

var errCopy = errors.New("no clipboard helper found")

// allBindings returns every binding of a live session, for checks that a
// key is listed; the replay keys are apart.
func allBindings(km keyMap) []key.Binding {
	var all []key.Binding
	for _, group := range [][][]key.Binding{
		km.Global.FullHelp(), km.Log.FullHelp(), km.Inspector.FullHelp(),
		km.Composer.FullHelp(), km.Filter.FullHelp(), km.Composer.Picker.FullHelp(),
	} {
		for _, column := range group {
			all = append(all, column...)
		}
	}
	return all
}

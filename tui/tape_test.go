package tui

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/internal/demo"
)

// tapeStep is one thing a VHS tape does: type text, press a key, or wait.
type tapeStep struct {
	line  int
	keys  []string // key names as key.Binding spells them
	text  string   // for Type: the text as typed
	sleep time.Duration
}

// vhsKeys maps VHS key commands to key names.
var vhsKeys = map[string]string{
	"Enter": "enter", "Tab": "tab", "Escape": "esc", "Backspace": "backspace", "Delete": "delete",
	"Up": "up", "Down": "down", "Left": "left", "Right": "right", "Space": "space",
	"PageUp": "pgup", "PageDown": "pgdown", "Home": "home", "End": "end",
}

// parseTape reads the steps of a tape that happen after the program under
// test is started with startCommand (the shell typing before it is not ours).
func parseTape(t *testing.T, path, startCommand string) []tapeStep {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []tapeStep
	started, pendingStart := false, false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, arg, _ := strings.Cut(line, " ")
		cmd, _, _ = strings.Cut(cmd, "@") // Type@50ms, Enter@1s
		arg = strings.TrimSpace(arg)
		switch {
		case cmd == "Type":
			text, err := strconv.Unquote(arg)
			if err != nil && len(arg) >= 2 && (arg[0] == '\'' || arg[0] == '`') {
				text, err = arg[1:len(arg)-1], nil
			}
			if err != nil {
				t.Fatalf("%s:%d: cannot read %s", path, n, line)
			}
			if !started {
				pendingStart = strings.Contains(text, startCommand)
				continue
			}
			steps = append(steps, tapeStep{line: n, text: text})
		case cmd == "Sleep":
			if started {
				d, err := time.ParseDuration(arg)
				if err != nil {
					t.Fatalf("%s:%d: bad duration %q", path, n, arg)
				}
				steps = append(steps, tapeStep{line: n, sleep: d})
			}
		case vhsKeys[cmd] != "" || strings.ContainsAny(cmd, "+"):
			name := vhsKeys[cmd]
			if name == "" {
				parts := strings.Split(cmd, "+")
				for k := range parts[:len(parts)-1] {
					parts[k] = strings.ToLower(parts[k])
				}
				last := parts[len(parts)-1]
				if v, ok := vhsKeys[last]; ok {
					last = v
				} else {
					last = strings.ToLower(last)
				}
				parts[len(parts)-1] = last
				name = strings.Join(parts, "+")
			}
			count := 1
			if arg != "" {
				if count, err = strconv.Atoi(arg); err != nil {
					t.Fatalf("%s:%d: bad repeat count %q", path, n, arg)
				}
			}
			if !started {
				if pendingStart && name == "enter" {
					started = true
				}
				continue
			}
			for range count {
				steps = append(steps, tapeStep{line: n, keys: []string{name}})
			}
		}
	}
	if !started {
		t.Fatalf("%s never starts %q", path, startCommand)
	}
	return steps
}

// demoCommands are the words the demo server understands.
var demoCommands = []string{"help", "close", "error", "drop", "flood", "big", "badutf8", "rsv", "fragment", "slow", "echo", "rpcerror", "escape"}

// typingIntoText reports whether keys now go to a text input.
func typingIntoText(m *model) bool {
	return m.focus == focusFilter || m.focus == focusComposer
}

// boundKey reports whether the key press is bound in the context it is
// pressed in.
func boundKey(m *model, msg tea.KeyPressMsg) bool {
	km := m.keys
	var groups [][]key.Binding
	switch {
	case m.focus == focusFilter:
		groups = km.Filter.FullHelp()
	case m.focus == focusComposer && m.comp.Picking():
		groups = km.Composer.Picker.FullHelp()
	case m.focus == focusComposer:
		groups = append(km.Composer.FullHelp(), []key.Binding{km.Global.NextPane, km.Global.PrevPane, km.Global.ForceQuit})
	case m.focus == focusInspector:
		// The inspector's own keys, and those it shares with the log (paneKey).
		shared := []key.Binding{km.Log.CopyPayload, km.Log.CopyReport, km.Log.CopyRepro, km.Log.JumpLink, km.Log.Compose}
		groups = append(append(km.Inspector.FullHelp(), km.Global.FullHelp()...), shared)
	default:
		groups = append(km.Log.FullHelp(), km.Global.FullHelp()...)
	}
	for _, g := range groups {
		if key.Matches(msg, g...) {
			return true
		}
	}
	return false
}

// TestDemoTape plays demo.tape against the real demo server: every key it
// presses must be bound where it is pressed, every line it sends must be a
// command the demo server knows, and the explanations it sets out to show
// must be on screen.
func TestDemoTape(t *testing.T) {
	steps := parseTape(t, "../demo.tape", "./wsdbg demo")

	srv, err := demo.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := conn.Dial(ctx, conn.Options{URL: srv.URL()})
	defer client.Shutdown()

	m := newModel(Options{Source: client, Theme: "dark", URL: srv.URL()})
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	// The test drains the source itself (m.pump stays nil), so that no
	// command it runs can take a batch away.
	p := startPump(ctx, client, nil)
	defer p.stop()

	pumpUntil(t, m, p, 5*time.Second, func() bool { return m.sess.state == stateOpen })

	explained, quit := 0, false
	sentBefore := 0
	for _, st := range steps {
		if st.sleep > 0 {
			pumpFor(m, p, min(st.sleep, 300*time.Millisecond))
			continue
		}
		var presses []tea.KeyPressMsg
		if st.text != "" {
			for _, r := range st.text {
				presses = append(presses, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
		for _, k := range st.keys {
			presses = append(presses, keyMsg(k))
		}
		for _, msg := range presses {
			textInput := typingIntoText(m)
			printable := msg.Text != "" && msg.Mod&^tea.ModShift == 0
			if !(textInput && printable) && !boundKey(m, msg) {
				t.Fatalf("demo.tape:%d: %q is not bound where it is pressed (focus %d)", st.line, msg.String(), m.focus)
			}
			explain := !textInput && key.Matches(msg, m.keys.Log.Explain)
			_, cmd := m.Update(msg)
			for _, out := range drain(cmd) {
				switch out := out.(type) {
				case tea.QuitMsg:
					quit = true
				case filterStepMsg:
					_, next := m.Update(out)
					runFilterSteps(m, next)
				}
			}
			if explain {
				pumpFor(m, p, 50*time.Millisecond)
				if !strings.Contains(ansi.Strip(m.View().Content), "EXPLANATION") {
					t.Fatalf("demo.tape:%d: e shows no explanation:\n%s", st.line, ansi.Strip(m.View().Content))
				}
				explained++
			}
		}
		// A line sent to the server must be one of its commands.
		if sent := sentCommands(m, sentBefore); len(sent) > 0 {
			sentBefore += len(sent)
			for _, s := range sent {
				word, _, _ := strings.Cut(s, " ")
				if !containsString(demoCommands, strings.ToLower(word)) {
					t.Errorf("demo.tape:%d: sends %q, which the demo server does not know", st.line, s)
				}
			}
		}
		if m.notice.isErr {
			t.Errorf("demo.tape:%d: error notice %q", st.line, m.notice.text)
		}
	}
	if explained != 2 {
		t.Errorf("the tape opened %d explanations, want 2 (error reply, close)", explained)
	}
	if !quit {
		t.Error("the tape does not quit the program")
	}
	if sentBefore < 3 {
		t.Errorf("the tape sent %d messages, want at least 3", sentBefore)
	}
}

// sentCommands returns the text messages sent since the first skip ones.
func sentCommands(m *model, skip int) []string {
	var out []string
	n := 0
	for i := 0; i < m.store.len(); i++ {
		r := m.store.row(i)
		if r.typ == conn.EventMessage && r.dir == conn.Out && r.op == conn.OpText {
			if n >= skip {
				out = append(out, string(m.store.payload(i)))
			}
			n++
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pumpFor feeds the model what the source produced during d.
func pumpFor(m *model, p *pump, d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		if b := p.take(); len(b.events) > 0 || b.done {
			_, cmd := m.Update(b)
			runFilterSteps(m, cmd)
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pumpUntil feeds the model until cond holds.
func pumpUntil(t *testing.T, m *model, p *pump, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s:\n%s", limit, ansi.Strip(m.View().Content))
		}
		pumpFor(m, p, 20*time.Millisecond)
	}
}

package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

var errDiskFull = errors.New("write /tmp/session.jsonl: no space left on device")

// A recording that fails turns REC into REC FAILED, in the theme's style
// for failures, and says in the log what stopped it and how much was
// written.
func TestRecordingFailureIsShown(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{RecordPath: "/tmp/session.jsonl"})
	feed(m, sampleSession()[:5]...)
	if head := ansi.Strip(m.headerLines()[0]); !strings.Contains(head, " REC") || strings.Contains(head, "FAILED") {
		t.Fatalf("header before the failure: %s", head)
	}
	m.Update(RecordingFailedMsg{Err: errDiskFull, Written: 5})
	head := m.headerLines()[0]
	if !strings.Contains(head, m.theme.RecordingFailed.Render(" REC FAILED ")) {
		t.Errorf("header lacks REC FAILED in the failure style: %q", head)
	}
	want := "recording stopped: write /tmp/session.jsonl: no space left on device; 5 events written"
	if got := m.rowTextOf(m.store.len() - 1).preview; got != want {
		t.Errorf("last row %q, want %q", got, want)
	}
	out := plainScreen(m)
	for _, w := range []string{"warn", "FROM WSDBG", "no connection reported it"} {
		if !strings.Contains(out, w) {
			t.Errorf("screen lacks %q:\n%s", w, out)
		}
	}
	// The row is a failure: errors only keeps it.
	press(m, "x")
	if !strings.Contains(plainScreen(m), "recording stopped") {
		t.Errorf("errors only hides the failure:\n%s", plainScreen(m))
	}
}

// An error text is the recorder's, with a file name in it: it is escaped
// before it reaches the terminal.
func TestRecordingFailureTextIsEscaped(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{RecordPath: "x.jsonl"})
	m.Update(RecordingFailedMsg{Err: errors.New("open \x1b]0;pwned\x07\u202e.jsonl: read-only file system"), Written: 1})
	out := sgr.ReplaceAllString(m.View().Content, "")
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("raw control characters reached the screen: %q", out)
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "1 event written") {
		t.Errorf("count missing:\n%s", plainScreen(m))
	}
}

func TestGoldenRecordingFailed(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m, _ := newTestModel(t, size[0], size[1], Options{RecordPath: "session.jsonl"})
			feed(m, sampleSession()[:5]...)
			m.Update(RecordingFailedMsg{Err: errDiskFull, Written: 5})
			golden.RequireEqual(t, screen(m))
		})
	}
}

// Program.Send is how whatever writes the recording reaches a running
// interface.
func TestProgramSendReachesTheModel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	term := &terminal{}
	p, stop, err := newProgram(ctx, Options{Source: newScriptedSource(), Theme: "dark", RecordPath: "x.jsonl"},
		tea.WithInput(nil), tea.WithOutput(term), tea.WithWindowSize(100, 30))
	if err != nil {
		t.Fatal(err)
	}
	prog := &Program{ctx: ctx, p: p, stop: stop}
	done := make(chan error, 1)
	go func() { done <- prog.Run() }()
	prog.Send(RecordingFailedMsg{Err: errDiskFull, Written: 3})
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(term.text(0), "REC FAILED"); {
		if time.Now().After(deadline) {
			t.Fatalf("REC FAILED never shown:\n%s", term.text(0))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the program did not end")
	}
}

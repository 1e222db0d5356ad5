package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/creack/pty"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/conn/demo"
)

// terminal collects what the program writes to the pseudo-terminal.
type terminal struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

// mark returns the current length of the output, so that later searches
// look only at what came after.
func (t *terminal) mark() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Len()
}

var (
	cursorForward = regexp.MustCompile(`\x1b\[(\d*)C`)
	cursorMove    = regexp.MustCompile(`\x1b\[[0-9;]*[HfdABEF]|\r|\n`)
	otherEscapes  = regexp.MustCompile(`\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[P^_][^\x1b]*\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>78]`)
)

// text is the output since mark as plain text: cursor jumps become line
// breaks and skipped cells become spaces, so words read as drawn.
func (t *terminal) text(since int) string {
	t.mu.Lock()
	raw := string(t.out.Bytes()[since:])
	t.mu.Unlock()
	raw = cursorForward.ReplaceAllStringFunc(raw, func(s string) string {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(s, "\x1b["), "C"))
		if err != nil {
			n = 1
		}
		return strings.Repeat(" ", n)
	})
	raw = cursorMove.ReplaceAllString(raw, "\n")
	return otherEscapes.ReplaceAllString(raw, "")
}

// TestEndToEndInPseudoTerminal runs the program on a pseudo-terminal
// against the demo server: it types a message, filters, opens the
// explanation of a close and quits, reading the screen as it goes.
func TestEndToEndInPseudoTerminal(t *testing.T) {
	srv, err := demo.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 110}); err != nil {
		t.Fatal(err)
	}
	term := &terminal{}
	go func() { _, _ = io.Copy(term, ptmx) }()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := conn.Dial(ctx, conn.Options{URL: srv.URL()})
	defer client.Shutdown()

	var recorded sync.Map
	p, stop, err := newProgram(ctx, Options{
		Source:  client,
		Conn:    conn.Options{URL: srv.URL()},
		Theme:   "dark",
		OnEvent: func(ev conn.Event) { recorded.Store(ev.Time.UnixNano(), ev.Type) },
	}, tea.WithInput(tty), tea.WithOutput(tty), tea.WithEnvironment([]string{"TERM=xterm-256color", "COLORTERM=truecolor"}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()

	// waitFor redraws the whole screen until want is on it.
	waitFor := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			since := term.mark()
			p.Send(tea.ClearScreen())
			time.Sleep(150 * time.Millisecond)
			screen := term.text(since)
			missing := ""
			for _, w := range want {
				if !strings.Contains(screen, w) {
					missing = w
					break
				}
			}
			if missing == "" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q; last screen:\n%s", missing, screen)
			}
		}
	}
	typeKeys := func(s string) {
		t.Helper()
		if _, err := ptmx.WriteString(s); err != nil {
			t.Fatal(err)
		}
		time.Sleep(120 * time.Millisecond)
	}
	// escape presses esc and waits until the screen shows it was taken
	// alone: read together with the next key, it would be alt+that key.
	escape := func(shown func(screen string) bool) {
		t.Helper()
		typeKeys("\x1b")
		deadline := time.Now().Add(10 * time.Second)
		for {
			since := term.mark()
			p.Send(tea.ClearScreen())
			time.Sleep(150 * time.Millisecond)
			screen := term.text(since)
			if shown(screen) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("esc was not taken; last screen:\n%s", screen)
			}
		}
	}
	logFocused := func(screen string) bool { return strings.Contains(screen, "e explain") }

	waitFor("FRAMES", "wsdbg demo", "open")

	// Type a message; the demo server echoes it.
	typeKeys("\t")
	typeKeys("echo e2e-marker-42\r")
	waitFor("e2e-marker-42")

	// Back to the log, filter on the marker: the sent line and its echo.
	escape(logFocused)
	typeKeys("/e2e-marker-42")
	waitFor("2 of")
	typeKeys("\r")
	escape(func(screen string) bool { return !strings.Contains(screen, "filter e2e-marker-42") })

	// Ask for a close and open its explanation.
	typeKeys("\t")
	typeKeys("close 4001 bye-e2e\r")
	waitFor("closed 4001")
	escape(logFocused)
	typeKeys("x")
	typeKeys("e")
	// The server's close, with its reason, is selected, not the answer the
	// client sent after it.
	waitFor("EXPLANATION", "Close 4001", "received close", "Reason: bye-e2e")

	escape(logFocused)
	typeKeys("q")
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			t.Fatalf("program ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not quit")
	}
	count := 0
	recorded.Range(func(any, any) bool { count++; return true })
	if count < 5 {
		t.Errorf("OnEvent saw %d events", count)
	}
}

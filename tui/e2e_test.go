package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/creack/pty"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/internal/demo"
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

// onTerminal is the program running on a pseudo-terminal.
type onTerminal struct {
	t    *testing.T
	p    *tea.Program
	ptmx *os.File
	term *terminal
	done chan error // Run's result
}

// runOnTerminal runs the program on a 110×30 pseudo-terminal, or skips
// the test when there is none.
func runOnTerminal(t *testing.T, ctx context.Context, opts Options) *onTerminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 110}); err != nil {
		t.Fatal(err)
	}
	term := &terminal{}
	go func() { _, _ = io.Copy(term, ptmx) }()
	opts.Theme = "dark"
	p, stop, err := newProgram(ctx, opts,
		tea.WithInput(tty), tea.WithOutput(tty), tea.WithEnvironment([]string{"TERM=xterm-256color", "COLORTERM=truecolor"}))
	if err != nil {
		t.Fatal(err)
	}
	o := &onTerminal{t: t, p: p, ptmx: ptmx, term: term, done: make(chan error, 1)}
	go func() {
		_, err := p.Run()
		o.done <- err
	}()
	t.Cleanup(func() {
		stop()
		<-o.done
		ptmx.Close()
		tty.Close()
	})
	return o
}

// waitUntil redraws the whole screen until shown says it is what the test
// waits for.
func (o *onTerminal) waitUntil(what string, shown func(screen string) bool) {
	o.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		since := o.term.mark()
		o.p.Send(tea.ClearScreen())
		time.Sleep(150 * time.Millisecond)
		screen := o.term.text(since)
		if shown(screen) {
			return
		}
		if time.Now().After(deadline) {
			o.t.Fatalf("screen never showed %s; last screen:\n%s", what, screen)
		}
	}
}

// waitFor redraws the whole screen until want is on it.
func (o *onTerminal) waitFor(want ...string) {
	o.t.Helper()
	o.waitUntil(fmt.Sprintf("%q", want), func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
}

// typeKeys types s as the terminal would send it.
func (o *onTerminal) typeKeys(s string) {
	o.t.Helper()
	if _, err := o.ptmx.WriteString(s); err != nil {
		o.t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
}

// escape presses esc and waits until the screen shows it was taken alone:
// read together with the next key, it would be alt+that key.
func (o *onTerminal) escape(shown func(screen string) bool) {
	o.t.Helper()
	o.typeKeys("\x1b")
	o.waitUntil("esc taken", shown)
}

// ended waits for the program to end, at most within.
func (o *onTerminal) ended(within time.Duration) {
	o.t.Helper()
	select {
	case err := <-o.done:
		o.done <- err // for the cleanup
		if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			o.t.Fatalf("program ended with %v", err)
		}
	case <-time.After(within):
		o.t.Fatalf("the program did not end within %v", within)
	}
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

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := conn.Dial(ctx, conn.Options{URL: srv.URL()})
	defer client.Shutdown()

	var recorded sync.Map
	o := runOnTerminal(t, ctx, Options{
		Source:  client,
		Conn:    conn.Options{URL: srv.URL()},
		OnEvent: func(ev conn.Event) { recorded.Store(ev.Time.UnixNano(), ev.Type) },
	})
	waitFor, typeKeys, escape := o.waitFor, o.typeKeys, o.escape
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
	o.ended(10 * time.Second)
	count := 0
	recorded.Range(func(any, any) bool { count++; return true })
	if count < 5 {
		t.Errorf("OnEvent saw %d events", count)
	}
}

// Quitting from the keyboard of a real terminal: ctrl+c sends close 1000
// and the program ends once the server answers; with a server that does
// not answer, a second ctrl+c ends it at once.
func TestQuitInPseudoTerminal(t *testing.T) {
	for _, silent := range []bool{false, true} {
		name := "server answers"
		if silent {
			name = "silent server, ctrl+c twice"
		}
		t.Run(name, func(t *testing.T) {
			s := startClosingServer(t, silent)
			client := conn.Dial(t.Context(), conn.Options{URL: s.url})
			defer client.Shutdown()
			o := runOnTerminal(t, t.Context(), Options{Source: client})
			o.waitFor("open 101")
			start := time.Now()
			o.typeKeys("\x03")
			if code := s.received(t); code != 1000 {
				t.Errorf("server received close %d, want 1000", code)
			}
			if silent {
				o.typeKeys("\x03")
			}
			o.ended(quitCloseWait / 2)
			if took := time.Since(start); took >= quitCloseWait {
				t.Errorf("quitting took %v: the program waited for an answer it had or was told not to wait for", took)
			}
		})
	}
}

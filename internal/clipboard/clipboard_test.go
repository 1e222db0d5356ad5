package clipboard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	system "github.com/atotto/clipboard"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestOSC52Bytes(t *testing.T) {
	// "hi" is aGk= in base64.
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"plain", map[string]string{"TERM": "xterm-256color"}, "\x1b]52;c;aGk=\a"},
		{"screen", map[string]string{"TERM": "screen.xterm-256color"}, "\x1bP\x1b]52;c;aGk=\a\x1b\\"},
		{"screen by STY", map[string]string{"TERM": "xterm", "STY": "1234.pts-0.host"}, "\x1bP\x1b]52;c;aGk=\a\x1b\\"},
	}
	for _, c := range cases {
		var term bytes.Buffer
		m, err := Copier{Terminal: &term, preferOSC52: true, getenv: env(c.vars)}.Copy("hi")
		if err != nil || m != OSC52 {
			t.Fatalf("%s: %v, %v", c.name, m, err)
		}
		if term.String() != c.want {
			t.Errorf("%s: wrote %q, want %q", c.name, term.String(), c.want)
		}
	}
}

// Inside a tmux that cannot be asked, nothing is said to be copied.
func TestOSC52UnderUnreachableTmuxFails(t *testing.T) {
	var term bytes.Buffer
	vars := map[string]string{"TMUX": filepath.Join(t.TempDir(), "no-such-socket") + ",1,0", "TERM": "tmux-256color"}
	m, err := Copier{Terminal: &term, preferOSC52: true, getenv: env(vars)}.Copy("hi")
	if err == nil || !strings.Contains(err.Error(), "tmux") || term.Len() != 0 {
		t.Errorf("got %v, %v, wrote %q", m, err, term.String())
	}
}

func TestOSC52ScreenChunks(t *testing.T) {
	text := strings.Repeat("x", 300)
	seq := string(osc52Sequence(text, true))
	chunks := strings.Split(strings.TrimSuffix(seq, "\x1b\\"), "\x1b\\")
	var joined strings.Builder
	for _, c := range chunks {
		body, ok := strings.CutPrefix(c, "\x1bP")
		if !ok || len(body) > 76 {
			t.Fatalf("chunk %q is not a DCS of at most 76 bytes", c)
		}
		joined.WriteString(body)
	}
	if joined.String() != string(osc52Sequence(text, false)) {
		t.Errorf("the chunks do not add up to the sequence")
	}
}

// clipboardHelperEnv names the file whose text the test binary, started
// in a tmux pane, copies through Clipboard's OSC 52 path (see TestMain).
const clipboardHelperEnv = "WSDBG_TEST_CLIPBOARD_TEXT"

// copyFromPane copies the text in path as wsdbg does from inside a
// terminal, and writes the method or the error to path.result.
func copyFromPane(path string) int {
	text, err := os.ReadFile(path)
	if err != nil {
		return 1
	}
	m, err := Copier{Terminal: os.Stdout, preferOSC52: true}.Copy(string(text))
	result := string(m)
	if err != nil {
		result = "error: " + err.Error()
	}
	if os.WriteFile(path+".result", []byte(result), 0o600) != nil {
		return 1
	}
	return 0
}

// TestCopyInsideTmux runs the test binary in a pane of a private tmux
// server and reads tmux's buffer back, for each set-clipboard setting.
func TestCopyInsideTmux(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI needs tmux on PATH for the clipboard test")
		}
		t.Skip("needs tmux on PATH (apt-get install tmux)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	server := fmt.Sprintf("wsdbgtest-%d", os.Getpid())
	run := func(args ...string) (string, error) {
		out, err := exec.Command(tmux, append([]string{"-L", server, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("new-session", "-d", "-x", "80", "-y", "24"); err != nil {
		t.Fatalf("start tmux: %v: %s", err, out)
	}
	t.Cleanup(func() { run("kill-server") })

	dir := t.TempDir()
	for i, c := range []struct {
		setting string
		want    Method
	}{
		{"on", Tmux},
		{"external", Tmux},
		{"off", TmuxBuffer},
	} {
		if out, err := run("set-option", "-g", "set-clipboard", c.setting); err != nil {
			t.Fatalf("set-clipboard %s: %v: %s", c.setting, err, out)
		}
		text := fmt.Sprintf("copied by wsdbg ✓ with set-clipboard %s\nsecond line\t$(not run) %d", c.setting, time.Now().UnixNano())
		path := filepath.Join(dir, fmt.Sprintf("text%d", i))
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		command := fmt.Sprintf("%s=%s %s -test.run=^$", clipboardHelperEnv, shellQuote(path), shellQuote(self))
		if out, err := run("new-window", "-d", command); err != nil {
			t.Fatalf("new-window: %v: %s", err, out)
		}
		var result, buffer string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			r, err := os.ReadFile(path + ".result")
			if err != nil {
				continue
			}
			result = string(r)
			if buffer, _ = run("show-buffer"); buffer == text {
				break
			}
		}
		if result != string(c.want) {
			t.Errorf("set-clipboard %s: Copy said %q, want %q", c.setting, result, c.want)
		}
		if buffer != text {
			t.Errorf("set-clipboard %s: tmux's buffer holds %q, want %q", c.setting, buffer, text)
		}
	}
}

func TestCopyPrefersOSC52OverSSH(t *testing.T) {
	var term bytes.Buffer
	m, err := Copier{Terminal: &term, getenv: env(map[string]string{"SSH_TTY": "/dev/pts/3"})}.Copy("remote")
	if err != nil || m != OSC52 || term.Len() == 0 {
		t.Errorf("over SSH: %v, %v, %q", m, err, term.String())
	}
}

func TestCopyFallsBackToOSC52AndThenFails(t *testing.T) {
	was := system.Unsupported
	system.Unsupported = true // as on a machine without xclip, xsel or wl-copy
	defer func() { system.Unsupported = was }()

	var term bytes.Buffer
	m, err := Copier{Terminal: &term, getenv: env(nil)}.Copy("hi")
	if err != nil || m != OSC52 || term.String() != "\x1b]52;c;aGk=\a" {
		t.Errorf("fallback: %v, %v, %q", m, err, term.String())
	}
	_, err = Copier{getenv: env(nil)}.Copy("hi")
	if !errors.Is(err, errNoClipboard) || !strings.Contains(err.Error(), "file") {
		t.Errorf("no clipboard at all: %v", err)
	}
	term.Reset()
	_, err = Copier{Terminal: &term, preferOSC52: true}.Copy(strings.Repeat("x", maxOSC52+1))
	if err == nil || term.Len() != 0 || !strings.Contains(err.Error(), "file") {
		t.Errorf("too large for OSC 52: %v (wrote %d bytes)", err, term.Len())
	}
}

func TestWriteToFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "copies")
	path, err := WriteToFile(dir, "payload")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(data) != "payload" || st.Mode().Perm() != 0o600 || filepath.Dir(path) != dir {
		t.Errorf("%s: %q, mode %v", path, data, st.Mode().Perm())
	}
}

// TestCopyToX11Clipboard copies through the system clipboard of a
// private Xvfb server and reads it back with xclip.
func TestCopyToX11Clipboard(t *testing.T) {
	xvfb, err1 := exec.LookPath("Xvfb")
	xclip, err2 := exec.LookPath("xclip")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI needs Xvfb and xclip on PATH for the clipboard test")
		}
		t.Skip("needs Xvfb and xclip on PATH (apt-get install xvfb xclip)")
	}
	if system.Unsupported {
		t.Fatal("xclip is on PATH but atotto/clipboard found no tool")
	}
	display := startXvfb(t, xvfb)
	t.Setenv("DISPLAY", display)
	t.Setenv("WAYLAND_DISPLAY", "")

	text := "copied by wsdbg ✓ " + time.Now().Format(time.RFC3339Nano)
	var term bytes.Buffer
	m, err := Copier{Terminal: &term, getenv: env(map[string]string{"DISPLAY": display})}.Copy(text)
	if err != nil || m != System {
		t.Fatalf("Copy = %v, %v", m, err)
	}
	if term.Len() != 0 {
		t.Errorf("OSC 52 was written too: %q", term.String())
	}
	// xclip takes the selection in a process of its own; on a busy
	// machine it may not own it yet when Copy returns.
	var out []byte
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, err = exec.Command(xclip, "-o", "-selection", "clipboard").Output()
		if (err == nil && string(out) == text) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != text {
		t.Errorf("clipboard holds %q, want %q", out, text)
	}
}

// displayInUse reports whether display n has a lock file of a live
// process. A lock left by an X server that was killed is stale: Xvfb
// removes it and takes the display.
func displayInUse(n int) bool {
	if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err != nil {
		return false
	}
	pid := lockPID(n)
	if pid <= 0 {
		return true
	}
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}

// lockPID is the process display n's lock file names; 0 when none.
func lockPID(n int) int {
	lock, err := os.ReadFile(fmt.Sprintf("/tmp/.X%d-lock", n))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(lock)))
	return pid
}

// startXvfb starts Xvfb on a free display and stops it when the test ends.
func startXvfb(t *testing.T, xvfb string) string {
	for n := 90; n < 200; n++ {
		if displayInUse(n) {
			continue
		}
		if display, ok := tryXvfb(t, xvfb, n); ok {
			return display
		}
	}
	t.Fatal("no free X display between :90 and :199")
	return ""
}

// tryXvfb starts Xvfb on display n and waits for its socket; it reports
// false when the server exits at once (the display was taken meanwhile).
func tryXvfb(t *testing.T, xvfb string, n int) (string, bool) {
	display := fmt.Sprintf(":%d", n)
	cmd := exec.Command(xvfb, display, "-nolisten", "tcp", "-screen", "0", "640x480x24")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	socket := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return "", false
		default:
		}
		// A killed server may have left its socket behind: the display
		// is ours once the lock names this process.
		if lockPID(n) != cmd.Process.Pid {
			continue
		}
		if _, err := os.Stat(socket); err == nil {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return display, true
		}
	}
	cmd.Process.Kill()
	<-exited
	t.Fatalf("Xvfb %s did not come up", display)
	return "", false
}

func TestMain(m *testing.M) {
	if path := os.Getenv(clipboardHelperEnv); path != "" {
		os.Exit(copyFromPane(path))
	}
	os.Exit(m.Run())
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Package clipboard copies text for the user: to the system clipboard
// where one works, otherwise through the terminal with OSC 52 (also over
// SSH, and inside tmux or GNU screen), and when neither is there, to a
// private file.
package clipboard

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	system "github.com/atotto/clipboard"

	"github.com/wsdbg/wsdbg/decode"
)

// Method is how Copy put text on the clipboard.
type Method string

const (
	System Method = "system clipboard" // xclip, xsel, wl-copy, pbcopy, clip.exe ...
	OSC52  Method = "OSC 52"           // an escape sequence asking the terminal to do it
	// Tmux: inside tmux, whose buffer now holds the text and which passes
	// it on to the terminal's clipboard (set-clipboard on or external).
	Tmux Method = "tmux"
	// TmuxBuffer: inside tmux with set-clipboard off, so only tmux's paste
	// buffer holds the text.
	TmuxBuffer Method = "tmux buffer"
)

// maxOSC52 is the most text Copy sends through OSC 52; terminals drop
// longer sequences (about 100,000 bytes once base64-encoded).
const maxOSC52 = 74 << 10

// errNoClipboard means neither a system clipboard nor a terminal was there
// to copy to. WriteToFile is the way out.
var errNoClipboard = errors.New("no clipboard available")

// Copier copies text: to the system clipboard where one works,
// otherwise through the terminal with OSC 52 (which also reaches the local
// clipboard over SSH, so it goes first there). Inside tmux the terminal is
// tmux itself, which keeps an application's OSC 52 only with set-clipboard
// on; with another setting the text is handed to tmux directly.
type Copier struct {
	Terminal    io.Writer           // where OSC 52 goes; nil rules OSC 52 out
	preferOSC52 bool                // try OSC 52 before the system clipboard
	getenv      func(string) string // environment lookup; nil means os.Getenv
}

// Copy puts text on the clipboard and says how.
func (c Copier) Copy(text string) (Method, error) {
	getenv := c.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	overSSH := getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != ""
	if c.Terminal != nil && (c.preferOSC52 || overSSH) {
		return c.osc52(text, getenv)
	}
	systemErr := errors.New("no clipboard tool (xclip, xsel or wl-copy) found")
	if !system.Unsupported {
		if systemErr = system.WriteAll(text); systemErr == nil {
			return System, nil
		}
	}
	if c.Terminal != nil {
		return c.osc52(text, getenv)
	}
	return "", fmt.Errorf("%w: %v, and no terminal to ask with OSC 52; save the text to a file instead",
		errNoClipboard, systemErr)
}

func (c Copier) osc52(text string, getenv func(string) string) (Method, error) {
	if len(text) > maxOSC52 {
		return "", fmt.Errorf("%s is too much for OSC 52 (terminals take about %s); save it to a file instead",
			decode.HumanSize(int64(len(text))), decode.HumanSize(maxOSC52))
	}
	if tmux := getenv("TMUX"); tmux != "" {
		return c.viaTmux(text, tmux)
	}
	inScreen := getenv("STY") != "" || strings.HasPrefix(getenv("TERM"), "screen")
	if err := c.writeTerminal(osc52Sequence(text, inScreen)); err != nil {
		return "", err
	}
	return OSC52, nil
}

func (c Copier) writeTerminal(seq []byte) error {
	if _, err := c.Terminal.Write(seq); err != nil {
		return fmt.Errorf("write OSC 52 to the terminal: %w", err)
	}
	return nil
}

// viaTmux copies inside tmux. With set-clipboard on, tmux stores a plain
// OSC 52 from the pane in its buffer and passes it on to the terminal, so
// that is what is written. Otherwise tmux would drop it (and a passthrough
// wrapping reaches the terminal only with allow-passthrough, bypassing
// tmux's buffer), so the text is loaded into tmux's buffer with
// load-buffer, which with -w also sets the terminal's clipboard where
// set-clipboard allows. tmuxEnv is $TMUX: the server's socket, its pid and
// the session.
func (c Copier) viaTmux(text, tmuxEnv string) (Method, error) {
	socket, _, _ := strings.Cut(tmuxEnv, ",")
	out, err := exec.Command("tmux", "-S", socket, "show-options", "-gv", "set-clipboard").Output()
	if err != nil {
		return "", fmt.Errorf("inside tmux, but could not ask tmux how it takes the clipboard (%v); save the text to a file instead", err)
	}
	setting := strings.TrimSpace(string(out))
	if setting == "on" {
		if err := c.writeTerminal(osc52Sequence(text, false)); err != nil {
			return "", err
		}
		return Tmux, nil
	}
	load := func(args ...string) error {
		cmd := exec.Command("tmux", append([]string{"-S", socket, "load-buffer"}, args...)...)
		cmd.Stdin = strings.NewReader(text)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("tmux load-buffer: %v: %s", err, bytes.TrimSpace(msg))
		}
		return nil
	}
	if setting == "external" && load("-w", "-") == nil {
		return Tmux, nil
	}
	if err := load("-"); err != nil {
		return "", err
	}
	return TmuxBuffer, nil
}

// osc52Sequence returns the escape sequence that sets the clipboard to text:
// ESC ] 52 ; c ; base64 BEL. Under GNU screen it is cut into DCS strings
// of at most 76 bytes each, which screen passes on to the terminal (it
// limits their length).
func osc52Sequence(text string, inScreen bool) []byte {
	seq := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
	if !inScreen {
		return []byte(seq)
	}
	var b strings.Builder
	for len(seq) > 0 {
		n := min(76, len(seq))
		b.WriteString("\x1bP" + seq[:n] + "\x1b\\")
		seq = seq[n:]
	}
	return []byte(b.String())
}

// WriteToFile saves text to a new file in dir (created 0700 if missing;
// the temporary directory when dir is "") readable only by the user, and
// returns its path.
func WriteToFile(dir, text string) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("save copy: %w", err)
	}
	f, err := os.CreateTemp(dir, "wsdbg-copy-*.txt")
	if err != nil {
		return "", fmt.Errorf("save copy: %w", err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("save copy: %w", err)
	}
	return f.Name(), nil
}

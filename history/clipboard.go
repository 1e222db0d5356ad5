package history

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/atotto/clipboard"
)

// CopyMethod is how Copy put text on the clipboard.
type CopyMethod string

const (
	CopySystem CopyMethod = "system clipboard" // xclip, xsel, wl-copy, pbcopy, clip.exe ...
	CopyOSC52  CopyMethod = "OSC 52"           // an escape sequence asking the terminal to do it
)

// maxOSC52 is the most text Copy sends through OSC 52; terminals drop
// longer sequences (about 100,000 bytes once base64-encoded).
const maxOSC52 = 74 << 10

// ErrNoClipboard means neither a system clipboard nor a terminal was there
// to copy to. WriteToFile is the way out.
var ErrNoClipboard = errors.New("no clipboard available")

// Clipboard copies text: to the system clipboard where one works,
// otherwise through the terminal with OSC 52 (which also reaches the local
// clipboard over SSH, so it goes first there).
type Clipboard struct {
	Terminal    io.Writer           // where OSC 52 goes; nil rules OSC 52 out
	PreferOSC52 bool                // try OSC 52 before the system clipboard
	Getenv      func(string) string // environment lookup; nil means os.Getenv
}

// Copy puts text on the clipboard and says how.
func (c Clipboard) Copy(text string) (CopyMethod, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	overSSH := getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != ""
	if c.Terminal != nil && (c.PreferOSC52 || overSSH) {
		return CopyOSC52, c.osc52(text, getenv)
	}
	systemErr := errors.New("no clipboard tool (xclip, xsel or wl-copy) found")
	if !clipboard.Unsupported {
		if systemErr = clipboard.WriteAll(text); systemErr == nil {
			return CopySystem, nil
		}
	}
	if c.Terminal != nil {
		return CopyOSC52, c.osc52(text, getenv)
	}
	return "", fmt.Errorf("%w: %v, and no terminal to ask with OSC 52; save the text to a file instead",
		ErrNoClipboard, systemErr)
}

func (c Clipboard) osc52(text string, getenv func(string) string) error {
	if len(text) > maxOSC52 {
		return fmt.Errorf("%s is too much for OSC 52 (terminals take about %s); save it to a file instead",
			HumanSize(int64(len(text))), HumanSize(maxOSC52))
	}
	_, err := c.Terminal.Write(osc52Sequence(text, getenv("TMUX") != "", getenv("TERM")))
	if err != nil {
		return fmt.Errorf("write OSC 52 to the terminal: %w", err)
	}
	return nil
}

// osc52Sequence returns the escape sequence that sets the clipboard to text:
// ESC ] 52 ; c ; base64 BEL. Inside tmux it is wrapped in a DCS
// passthrough (ESC P tmux; … ESC \, with every ESC inside doubled); under
// GNU screen (TERM=screen*) in DCS strings of at most 76 bytes each, since
// screen limits their length.
func osc52Sequence(text string, inTmux bool, term string) []byte {
	seq := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
	switch {
	case inTmux:
		return []byte("\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\")
	case strings.HasPrefix(term, "screen"):
		var b strings.Builder
		for len(seq) > 0 {
			n := min(76, len(seq))
			b.WriteString("\x1bP" + seq[:n] + "\x1b\\")
			seq = seq[n:]
		}
		return []byte(b.String())
	}
	return []byte(seq)
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

package composer

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// Mode says how plain text (not a command) is turned into a message.
type Mode uint8

// The ways plain text is sent, in the order the mode key goes through them.
const (
	ModeText   Mode = iota // a text message, as typed
	ModeHex                // a binary message written in hex
	ModeBase64             // a binary message written in base64
	modeCount
)

func (s Mode) String() string {
	return [...]string{"text", "hex", "base64"}[s]
}

// Kind is what a composer line asks for.
type Kind uint8

// What a line can ask for.
const (
	Send Kind = iota + 1
	Ping
	Close
	Reconnect
	Snippet
	Help
)

// Action is a parsed composer line.
type Action struct {
	Kind    Kind
	Op      conn.Opcode // Send
	Payload []byte      // Send, Ping
	Code    int         // Close
	Reason  string      // Close
	Name    string      // Snippet
}

// Control frame payloads are limited to 125 bytes (RFC 6455 §5.5); a close
// payload spends two of them on the code.
const (
	maxControlPayload = 125
	maxCloseReason    = maxControlPayload - 2
)

// Command is a slash command and what it does.
type Command struct{ Usage, Desc string }

// Commands lists the slash commands, for help.
func Commands() []Command {
	return []Command{
		{"/hex 01 02 ff", "send binary from hex"},
		{"/b64 AQL/", "send binary from base64"},
		{"/text …", "send text as is (also //… for a leading slash)"},
		{"/ping [payload]", "send a ping"},
		{"/close [CODE [reason]]", "send a close frame (default 1000)"},
		{"/reconnect", "drop the connection and dial again"},
		{"/snip NAME", "put a snippet in the composer"},
		{"/help", "show keys and commands"},
	}
}

// Parse turns the composer's text into an Action. Text that does not start
// with a slash is a message, encoded according to mode.
func Parse(text string, mode Mode) (Action, error) {
	if strings.HasPrefix(text, "//") {
		return encodeMessage(text[1:], mode)
	}
	if !strings.HasPrefix(text, "/") {
		return encodeMessage(text, mode)
	}
	name, arg, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(name, "\n\t"); i >= 0 {
		name, arg = name[:i], name[i+1:]+" "+arg
	}
	arg = strings.TrimLeft(arg, " ")
	switch strings.ToLower(name) {
	case "hex":
		b, err := parseHex(arg)
		if err != nil {
			return Action{}, err
		}
		return Action{Kind: Send, Op: conn.OpBinary, Payload: b}, nil
	case "b64", "base64":
		b, err := parseBase64(arg)
		if err != nil {
			return Action{}, err
		}
		return Action{Kind: Send, Op: conn.OpBinary, Payload: b}, nil
	case "text":
		return Action{Kind: Send, Op: conn.OpText, Payload: []byte(arg)}, nil
	case "ping":
		if len(arg) > maxControlPayload {
			return Action{}, fmt.Errorf("a ping payload is at most %d bytes, this one is %d", maxControlPayload, len(arg))
		}
		return Action{Kind: Ping, Payload: []byte(arg)}, nil
	case "close":
		return parseClose(arg)
	case "reconnect":
		return Action{Kind: Reconnect}, nil
	case "snip", "snippet":
		if arg = strings.TrimSpace(arg); arg == "" {
			return Action{}, fmt.Errorf("/snip needs a snippet name (ctrl+o lists them)")
		}
		return Action{Kind: Snippet, Name: arg}, nil
	case "help", "?":
		return Action{Kind: Help}, nil
	}
	return Action{}, fmt.Errorf("unknown command /%s: try /help, or // to send a leading slash", decode.Sanitize(name))
}

func encodeMessage(text string, mode Mode) (Action, error) {
	switch mode {
	case ModeHex:
		b, err := parseHex(text)
		return Action{Kind: Send, Op: conn.OpBinary, Payload: b}, err
	case ModeBase64:
		b, err := parseBase64(text)
		return Action{Kind: Send, Op: conn.OpBinary, Payload: b}, err
	}
	return Action{Kind: Send, Op: conn.OpText, Payload: []byte(text)}, nil
}

func parseClose(arg string) (Action, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return Action{Kind: Close, Code: 1000}, nil
	}
	codeText, reason, _ := strings.Cut(arg, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return Action{}, fmt.Errorf("/close wants a numeric code, got %q", decode.Sanitize(codeText))
	}
	if !decode.ValidOnWire(code) {
		return Action{}, fmt.Errorf("close code %d may not be sent in a close frame (%s)", code, decode.Sanitize(decode.ExplainClose(code, "", decode.CloseContext{}).Name))
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > maxCloseReason {
		return Action{}, fmt.Errorf("a close reason is at most %d bytes, this one is %d", maxCloseReason, len(reason))
	}
	return Action{Kind: Close, Code: code, Reason: reason}, nil
}

// parseHex reads bytes written as hex digits, with optional spaces, commas,
// colons and 0x prefixes: "01 02 ff", "0102ff", "0x01,0x02".
func parseHex(s string) ([]byte, error) {
	var digits strings.Builder
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == ':' || r == '\n' || r == '\t' || r == '\r'
	})
	for _, f := range fields {
		f = strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X")
		if len(fields) > 1 && len(f) == 1 {
			f = "0" + f
		}
		digits.WriteString(f)
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		return nil, fmt.Errorf("not hex: %s", decode.Sanitize(err.Error()))
	}
	return b, nil
}

// parseBase64 accepts standard and URL-safe base64, padded or not.
func parseBase64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

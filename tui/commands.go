package tui

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// sendMode says how the composer's plain text is turned into a message.
type sendMode uint8

const (
	modeText sendMode = iota
	modeHex
	modeBase64
	sendModeCount
)

func (s sendMode) String() string {
	return [...]string{"text", "hex", "base64"}[s]
}

// actionKind is what a composer line asks for.
type actionKind uint8

const (
	actSend actionKind = iota + 1
	actPing
	actClose
	actReconnect
	actSnippet
	actHelp
)

// action is a parsed composer line.
type action struct {
	kind    actionKind
	op      conn.Opcode // actSend
	payload []byte      // actSend, actPing
	code    int         // actClose
	reason  string      // actClose
	name    string      // actSnippet
}

// Control frame payloads are limited to 125 bytes (RFC 6455 §5.5); a close
// payload spends two of them on the code.
const (
	maxControlPayload = 125
	maxCloseReason    = maxControlPayload - 2
)

// composerCommands documents the slash commands, for help and errors.
var composerCommands = []struct{ usage, desc string }{
	{"/hex 01 02 ff", "send binary from hex"},
	{"/b64 AQL/", "send binary from base64"},
	{"/text …", "send text as is (also //… for a leading slash)"},
	{"/ping [payload]", "send a ping"},
	{"/close [CODE [reason]]", "send a close frame (default 1000)"},
	{"/reconnect", "drop the connection and dial again"},
	{"/snip NAME", "put a snippet in the composer"},
	{"/help", "show keys and commands"},
}

// parseCommand turns the composer's text into an action. Text that does not
// start with a slash is a message, encoded according to mode.
func parseCommand(text string, mode sendMode) (action, error) {
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
			return action{}, err
		}
		return action{kind: actSend, op: conn.OpBinary, payload: b}, nil
	case "b64", "base64":
		b, err := parseBase64(arg)
		if err != nil {
			return action{}, err
		}
		return action{kind: actSend, op: conn.OpBinary, payload: b}, nil
	case "text":
		return action{kind: actSend, op: conn.OpText, payload: []byte(arg)}, nil
	case "ping":
		if len(arg) > maxControlPayload {
			return action{}, fmt.Errorf("a ping payload is at most %d bytes, this one is %d", maxControlPayload, len(arg))
		}
		return action{kind: actPing, payload: []byte(arg)}, nil
	case "close":
		return parseClose(arg)
	case "reconnect":
		return action{kind: actReconnect}, nil
	case "snip", "snippet":
		if arg = strings.TrimSpace(arg); arg == "" {
			return action{}, fmt.Errorf("/snip needs a snippet name (ctrl+o lists them)")
		}
		return action{kind: actSnippet, name: arg}, nil
	case "help", "?":
		return action{kind: actHelp}, nil
	}
	return action{}, fmt.Errorf("unknown command /%s: try /help, or // to send a leading slash", decode.Sanitize(name))
}

func encodeMessage(text string, mode sendMode) (action, error) {
	switch mode {
	case modeHex:
		b, err := parseHex(text)
		return action{kind: actSend, op: conn.OpBinary, payload: b}, err
	case modeBase64:
		b, err := parseBase64(text)
		return action{kind: actSend, op: conn.OpBinary, payload: b}, err
	}
	return action{kind: actSend, op: conn.OpText, payload: []byte(text)}, nil
}

func parseClose(arg string) (action, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return action{kind: actClose, code: 1000}, nil
	}
	codeText, reason, _ := strings.Cut(arg, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return action{}, fmt.Errorf("/close wants a numeric code, got %q", decode.Sanitize(codeText))
	}
	if !decode.ValidOnWire(code) {
		return action{}, fmt.Errorf("close code %d may not be sent in a close frame (%s)", code, decode.Sanitize(decode.ExplainClose(code, "", decode.CloseContext{}).Name))
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > maxCloseReason {
		return action{}, fmt.Errorf("a close reason is at most %d bytes, this one is %d", maxCloseReason, len(reason))
	}
	return action{kind: actClose, code: code, reason: reason}, nil
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

package demo

import (
	"strconv"
	"strings"
	"unicode"
)

// Limits on what one command may ask for.
const (
	maxFlood    = 1_000_000
	maxBig      = 64 << 20
	defaultN    = 1000
	defaultBig  = 1 << 20
	maxCloseArg = 0xFFFF // a close code is a 16-bit field
)

// commandKind names what a text message asks the server to do.
type commandKind uint8

const (
	cmdUnknown commandKind = iota
	cmdUsage               // a known command with bad arguments; text says how to use it
	cmdHelp
	cmdEcho
	cmdClose
	cmdError
	cmdDrop
	cmdFlood
	cmdBig
	cmdBadUTF8
	cmdRSV
	cmdFragment
	cmdSlow
	cmdRPCError
	cmdEscape
)

// command is a parsed text message.
type command struct {
	kind commandKind
	code int    // close, error
	n    int    // flood: messages; big: bytes
	text string // echo: text; close: reason; error: message; usage: the usage line
}

// helpText lists the commands, one a line, as the help command sends it.
const helpText = `wsdbg demo server commands (one per text message, case-insensitive):
  help                    this list
  echo TEXT               send TEXT back
  close [CODE [REASON]]   close with CODE (default 1000), even codes illegal on the wire
  error CODE [MESSAGE]    send an application error envelope {"type":"error",...}
  rpcerror                send a JSON-RPC 2.0 error reply
  drop                    reset the TCP connection without a close frame
  flood [N]               send N small messages as fast as possible (default 1000, at most 1000000)
  big [BYTES]             send one message of BYTES bytes (default 1 MiB, at most 64 MiB)
  badutf8                 send a text frame that is not valid UTF-8
  rsv                     send a frame with RSV2 set and no extension negotiated
  fragment                send one text message in three frames with a ping between them
  slow                    go silent for two minutes: no messages, no pongs
  escape                  send text full of terminal escape sequences and a bidi override
Binary messages are echoed back.`

// commandNames is what the welcome message advertises.
var commandNames = []string{
	"help", "echo TEXT", "close CODE [REASON]", "error CODE [MESSAGE]", "rpcerror",
	"drop", "flood N", "big BYTES", "badutf8", "rsv", "fragment", "slow", "escape",
}

// parseCommand reads one text message. The command word is matched without
// regard to case; surrounding white space is ignored.
func parseCommand(msg string) command {
	msg = strings.TrimSpace(msg)
	name, rest := msg, ""
	if i := strings.IndexFunc(msg, unicode.IsSpace); i >= 0 {
		name, rest = msg[:i], strings.TrimLeftFunc(msg[i:], unicode.IsSpace)
	}
	switch strings.ToLower(name) {
	case "help":
		return command{kind: cmdHelp}
	case "echo":
		return command{kind: cmdEcho, text: rest}
	case "close":
		return parseClose(rest)
	case "error":
		return parseError(rest)
	case "drop":
		return command{kind: cmdDrop}
	case "flood":
		n, ok := parseCount(rest, defaultN, maxFlood)
		if !ok {
			return usage("flood [N]")
		}
		return command{kind: cmdFlood, n: n}
	case "big":
		n, ok := parseCount(rest, defaultBig, maxBig)
		if !ok {
			return usage("big [BYTES]")
		}
		return command{kind: cmdBig, n: n}
	case "badutf8":
		return command{kind: cmdBadUTF8}
	case "rsv":
		return command{kind: cmdRSV}
	case "fragment":
		return command{kind: cmdFragment}
	case "slow":
		return command{kind: cmdSlow}
	case "rpcerror":
		return command{kind: cmdRPCError}
	case "escape":
		return command{kind: cmdEscape}
	}
	return command{kind: cmdUnknown}
}

func usage(line string) command { return command{kind: cmdUsage, text: "usage: " + line} }

func parseClose(args string) command {
	if args == "" {
		return command{kind: cmdClose, code: 1000}
	}
	word, reason := splitWord(args)
	code, err := strconv.Atoi(word)
	if err != nil || code < 0 || code > maxCloseArg {
		return usage("close [CODE [REASON]] with CODE from 0 to 65535")
	}
	return command{kind: cmdClose, code: code, text: reason}
}

func parseError(args string) command {
	word, message := splitWord(args)
	code, err := strconv.Atoi(word)
	if err != nil {
		return usage("error CODE [MESSAGE]")
	}
	if message == "" {
		message = envelopeMeaning(code)
	}
	return command{kind: cmdError, code: code, text: message}
}

// parseCount reads an optional positive count, clamped to max.
func parseCount(args string, def, max int) (int, bool) {
	if args == "" {
		return def, true
	}
	word, extra := splitWord(args)
	if extra != "" || strings.TrimLeft(word, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(word)
	if err != nil {
		return max, true // all digits, so the number is merely too large
	}
	if n < 1 {
		return 0, false
	}
	return min(n, max), true
}

func splitWord(s string) (word, rest string) {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	}
	return s, ""
}

// envelopeMeaning gives the default message for the application error codes
// the demo's envelope uses.
func envelopeMeaning(code int) string {
	switch code {
	case 4000:
		return "Bad request"
	case 4001:
		return "Not found"
	case 4002:
		return "Invalid action"
	case 4003:
		return "Unauthorized"
	case 4004:
		return "Forbidden"
	case 4005:
		return "Rate limited"
	case 5000:
		return "Internal server error"
	}
	return "Application error"
}

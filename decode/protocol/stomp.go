package protocol

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/wsdbg/wsdbg/decode"
)

// STOMP 1.0–1.2 over WebSocket: one frame per message, a command line,
// header lines, a blank line and the body, ended by NUL. RabbitMQ's
// Web-STOMP adds an end-of-line after the NUL. A message of end-of-lines
// only is a heart-beat.

var stompCommands = set("CONNECT", "STOMP", "CONNECTED", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK",
	"BEGIN", "COMMIT", "ABORT", "DISCONNECT", "MESSAGE", "RECEIPT", "ERROR")

// stompFrame is what the packet names of a STOMP frame: the command and the
// few headers a summary shows, their escapes undone.
type stompFrame struct {
	cmd                                                   string
	destination, receipt, receiptID, id, message, version string
	body                                                  []byte
}

func parseSTOMP(p []byte) (stompFrame, bool) {
	line, rest, _ := bytes.Cut(p, []byte("\n"))
	f := stompFrame{cmd: string(bytes.TrimSuffix(line, []byte("\r")))}
	if !stompCommands[f.cmd] {
		return stompFrame{}, false
	}
	// CONNECT and CONNECTED headers are never escaped (STOMP 1.2 §Value
	// Encoding), so that a 1.0 peer can read them.
	escaped := f.cmd != "CONNECT" && f.cmd != "CONNECTED" && f.cmd != "STOMP"
	var contentLength string
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			f.body = rest
			break
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		// The first of a repeated header counts (STOMP 1.2 §Repeated Header Entries).
		first := func(dst *string) {
			if *dst == "" {
				*dst = string(v)
				if escaped {
					*dst = unescapeSTOMP(*dst)
				}
			}
		}
		switch string(k) {
		case "destination":
			first(&f.destination)
		case "receipt":
			first(&f.receipt)
		case "receipt-id":
			first(&f.receiptID)
		case "id":
			first(&f.id)
		case "message":
			first(&f.message)
		case "version":
			first(&f.version)
		case "content-length":
			first(&contentLength)
		}
	}
	// A content-length header says where the body ends, NULs included;
	// without one the body ends at the first NUL. End-of-lines follow.
	if n, err := strconv.Atoi(contentLength); err == nil && n >= 0 && n <= len(f.body) {
		f.body = f.body[:n]
	} else if i := bytes.IndexByte(f.body, 0); i >= 0 {
		f.body = f.body[:i]
	}
	return f, true
}

// unescapeSTOMP undoes the escapes of a STOMP 1.1/1.2 header value: \\,
// \n, \r and \c (a colon). Anything else is left as it came.
var stompUnescaper = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r", `\c`, ":")

func unescapeSTOMP(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return stompUnescaper.Replace(s)
}

func stomp(in bool, p []byte) (Packet, bool) {
	if len(p) > 0 && len(bytes.Trim(p, "\r\n")) == 0 {
		return Packet{Name: STOMP, Type: "heartbeat", Summary: "heart-beat"}, true
	}
	f, ok := parseSTOMP(p)
	if !ok {
		return Packet{}, false
	}
	pk := Packet{Name: STOMP, Type: f.cmd}
	sum := f.cmd
	switch f.cmd {
	case "RECEIPT":
		pk.ID = f.receiptID
	case "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK":
		pk.ID = f.id
	case "ERROR":
		// An ERROR answering a frame that asked for a receipt names it.
		pk.ID = f.receiptID
	default:
		pk.ID = f.receipt
	}
	switch f.cmd {
	case "CONNECT", "STOMP":
		pk.Asks = key(STOMP, "CONNECTED")
	case "CONNECTED":
		pk.Answers = key(STOMP, "CONNECTED")
	case "RECEIPT":
		pk.Answers = key(STOMP, "receipt", f.receiptID)
	case "ERROR":
		// An ERROR answers the frame whose receipt it names, else the
		// CONNECT it refuses (if one is waiting).
		if f.receiptID != "" {
			pk.Answers = key(STOMP, "receipt", f.receiptID)
		} else {
			pk.Answers = key(STOMP, "CONNECTED")
		}
	default:
		if f.receipt != "" {
			pk.Asks = key(STOMP, "receipt", f.receipt)
		}
	}
	if f.destination != "" {
		sum += " " + clip(f.destination)
	}
	if pk.ID != "" {
		sum += " #" + clip(pk.ID)
	}
	if f.receipt != "" && pk.ID != f.receipt {
		sum += " receipt " + clip(f.receipt)
	}
	if f.version != "" && f.cmd == "CONNECTED" {
		sum += " version " + clip(f.version)
	}
	if f.message != "" && f.cmd == "ERROR" {
		sum += ": " + clip(f.message)
	}
	pk.Summary = sum
	if f.cmd == "ERROR" && in {
		pk.Error = stompError(f)
	}
	return pk, true
}

// isSTOMPOpening reports whether a text message is the frame that opens
// a STOMP session, or the server's answer to it.
func isSTOMPOpening(p []byte) bool {
	for _, cmd := range []string{"CONNECT", "STOMP", "CONNECTED"} {
		if rest, ok := bytes.CutPrefix(p, []byte(cmd)); ok && (bytes.HasPrefix(rest, []byte("\n")) || bytes.HasPrefix(rest, []byte("\r\n"))) {
			return true
		}
	}
	return false
}

// stompFailure explains one ERROR a broker sends, recognised by its
// message header and, where one header covers several failures, by the
// start of its body. The entries are RabbitMQ's (3.x STOMP plugin): STOMP
// itself names no errors.
type stompFailure struct {
	message, bodyPrefix string
	name, explanation   string
	hint                string
}

var stompFailures = []stompFailure{
	{"Bad CONNECT", "Access refused for user", "Login refused",
		"The broker refused the login and passcode of the CONNECT frame: the user is unknown or the password is wrong.",
		"Check the login and passcode headers. RabbitMQ's guest user may only log in from localhost."},
	{"Bad CONNECT", "Virtual host", "Virtual host refused",
		"The virtual host named by the CONNECT frame's host header does not exist, or this user has no access to it.",
		"Set the host header to a virtual host the user may use; RabbitMQ's default one is /."},
	{"Bad CONNECT", "", "CONNECT refused",
		"The broker refused the CONNECT frame; the body says why.",
		"Check the CONNECT frame's headers against the body's complaint."},
	{"Version mismatch", "", "No common STOMP version",
		"None of the versions in the CONNECT frame's accept-version header is one the broker speaks; this ERROR's version header lists those it does.",
		"Offer a version the broker lists, such as accept-version:1.0,1.1,1.2."},
	{"Illegal command", "You must log in", "Not logged in",
		"The frame came before a successful CONNECT: the broker accepts nothing else until the session is logged in.",
		"Send CONNECT first and wait for CONNECTED."},
	{"Bad command", "", "Unknown command",
		"The broker does not know the frame's command.",
		"Use one of STOMP's commands: SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK, BEGIN, COMMIT, ABORT, DISCONNECT."},
	{"Unknown destination", "", "Unknown destination",
		"The destination does not start with a prefix RabbitMQ knows; the body lists the valid ones (/queue, /topic, /exchange, /amq/queue, /temp-queue, /reply-queue).",
		"Prefix the destination with one of the types the body lists, such as /queue/NAME or /topic/NAME."},
	{"Missing destination", "", "Missing destination",
		"The frame needs a destination header and has none.",
		"Add a destination header, such as destination:/queue/NAME."},
	{"Duplicated subscription identifier", "", "Duplicate subscription id",
		"A SUBSCRIBE reused the id of a subscription this session already has.",
		"Give each subscription of a session its own id, or UNSUBSCRIBE the old one first."},
	{"not_found", "", "Not found",
		"The destination names a queue or exchange that does not exist in this virtual host (AMQP's not_found); the broker ends the session.",
		"Create the queue or exchange first, or use /queue/NAME or /topic/NAME, which RabbitMQ creates when they are first used."},
	{"access_refused", "", "Access refused",
		"This user lacks the permission (configure, write or read) that the frame needs on the queue or exchange in this virtual host (AMQP's access_refused).",
		"Grant the user the permission on the virtual host (rabbitmqctl set_permissions), or use a destination it may use."},
	{"precondition_failed", "", "Precondition failed",
		"The frame's headers ask for a queue or exchange with other properties than the existing one has (AMQP's precondition_failed), such as durable or auto-delete.",
		"Use the existing queue's properties, or delete it and let the frame create it anew."},
}

// maxErrorBody is how much of an ERROR frame's body the error message
// quotes.
const maxErrorBody = 300

// stompError explains an ERROR frame: the broker's own words are its
// message header and its body.
func stompError(f stompFrame) *Error {
	body := strings.TrimSpace(string(f.body))
	msg := f.message
	switch {
	case msg == "":
		msg = body
	case body != "":
		msg += ": " + body
	}
	if r := []rune(msg); len(r) > maxErrorBody {
		msg = string(r[:maxErrorBody]) + "…"
	}
	e := &Error{Message: decode.Sanitize(msg)}
	if e.Message == "" {
		e.Message = "ERROR frame without a message"
	}
	if isAMQPErrorName(f.message) {
		e.Code = f.message
	}
	for _, sf := range stompFailures {
		if sf.message == f.message && strings.HasPrefix(body, sf.bodyPrefix) {
			e.Name, e.Explanation, e.Hint = sf.name, sf.explanation, sf.hint
			return e
		}
	}
	e.Explanation = "The broker reported a failure in an ERROR frame: its message header names it and its body explains it."
	if f.receiptID != "" {
		e.Explanation += " It answers the frame that asked for receipt " + clip(f.receiptID) + "."
	}
	return e
}

// isAMQPErrorName reports whether a RabbitMQ ERROR's message header is an
// AMQP error name (not_found, access_refused): lower case and underscores.
func isAMQPErrorName(s string) bool {
	if s == "" || !strings.Contains(s, "_") {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

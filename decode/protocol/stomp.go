package protocol

import "bytes"

// STOMP 1.0–1.2 over WebSocket: one frame per message, a command line,
// header lines, a blank line and the body. A message of end-of-lines only
// is a heart-beat.

var stompCommands = set("CONNECT", "STOMP", "CONNECTED", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK",
	"BEGIN", "COMMIT", "ABORT", "DISCONNECT", "MESSAGE", "RECEIPT", "ERROR")

func stomp(p []byte) (Packet, bool) {
	if len(p) > 0 && len(bytes.Trim(p, "\r\n")) == 0 {
		return Packet{Name: STOMP, Type: "heartbeat", Summary: "heart-beat"}, true
	}
	line, rest, _ := bytes.Cut(p, []byte("\n"))
	cmd := string(bytes.TrimSuffix(line, []byte("\r")))
	if !stompCommands[cmd] {
		return Packet{}, false
	}
	var destination, receipt, receiptID, id, message, version string
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // the body follows
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		// The first of a repeated header counts (STOMP 1.2 §Repeated Header Entries).
		first := func(dst *string) {
			if *dst == "" {
				*dst = string(v)
			}
		}
		switch string(k) {
		case "destination":
			first(&destination)
		case "receipt":
			first(&receipt)
		case "receipt-id":
			first(&receiptID)
		case "id":
			first(&id)
		case "message":
			first(&message)
		case "version":
			first(&version)
		}
	}
	pk := Packet{Name: STOMP, Type: cmd}
	sum := cmd
	switch cmd {
	case "RECEIPT":
		pk.ID = receiptID
	case "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK":
		pk.ID = id
	default:
		pk.ID = receipt
	}
	switch cmd {
	case "CONNECT", "STOMP":
		pk.Asks = key(STOMP, "CONNECTED")
	case "CONNECTED":
		pk.Answers = key(STOMP, "CONNECTED")
	case "RECEIPT":
		pk.Answers = key(STOMP, "receipt", receiptID)
	case "ERROR":
		// An ERROR answers the frame whose receipt it names, else the
		// CONNECT it refuses (if one is waiting).
		if receiptID != "" {
			pk.Answers = key(STOMP, "receipt", receiptID)
		} else {
			pk.Answers = key(STOMP, "CONNECTED")
		}
	default:
		if receipt != "" {
			pk.Asks = key(STOMP, "receipt", receipt)
		}
	}
	if destination != "" {
		sum += " " + clip(destination)
	}
	if pk.ID != "" {
		sum += " #" + clip(pk.ID)
	}
	if receipt != "" && pk.ID != receipt {
		sum += " receipt " + clip(receipt)
	}
	if version != "" && cmd == "CONNECTED" {
		sum += " version " + clip(version)
	}
	if message != "" && cmd == "ERROR" {
		sum += ": " + clip(message)
	}
	pk.Summary = sum
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

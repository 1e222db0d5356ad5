package protocol

import (
	"strconv"
	"strings"

	"github.com/wsdbg/wsdbg/decode"
)

// Engine.IO 4 over its WebSocket transport: a text message is one packet,
// a digit for its type and then its data; a binary message is a message
// packet. Socket.IO's packets ride in Engine.IO message packets ("4").

var engineIOTypes = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// socketIOTypes are Socket.IO 5's packet types, by number.
var socketIOTypes = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// maxName is how much of a name taken from a payload (an event, a topic,
// a channel) a summary shows.
const maxName = 80

func (s *Session) engineIO(dir int, binary bool, p []byte) (Packet, bool) {
	if binary {
		if a := &s.attachments[dir]; a.left > 0 {
			a.left--
			n := a.total - a.left
			return Packet{Name: SocketIO, Type: "attachment",
				Summary: "attachment " + strconv.Itoa(n) + " of " + strconv.Itoa(a.total)}, true
		}
		return Packet{Name: EngineIO, Type: "message", Summary: "message (binary)"}, true
	}
	if len(p) == 0 || p[0] < '0' || p[0] > '6' {
		return Packet{}, false
	}
	typ := engineIOTypes[p[0]-'0']
	data := p[1:]
	switch typ {
	case "message":
		if s.socketIO || isSocketIOConnect(data) {
			if pk, ok := s.socketIOPacket(dir, data); ok {
				s.socketIO = true
				return pk, true
			}
		}
		return Packet{Name: EngineIO, Type: typ, Summary: typ}, true
	case "open":
		return Packet{Name: EngineIO, Type: typ, Summary: engineIOOpenSummary(data)}, true
	case "ping", "pong":
		if len(data) > 0 {
			return Packet{Name: EngineIO, Type: typ, Summary: typ + " " + clip(string(data))}, true
		}
	}
	return Packet{Name: EngineIO, Type: typ, Summary: typ}, true
}

// isSocketIOConnect reports whether an Engine.IO message's data is a
// Socket.IO CONNECT: "0", then a namespace or a JSON object or nothing.
func isSocketIOConnect(data []byte) bool {
	return len(data) > 0 && data[0] == '0' && (len(data) == 1 || data[1] == '/' || data[1] == '{')
}

// engineIOOpenSummary shows the heartbeat an open packet sets, which
// decides how soon an unanswered server drops the client.
func engineIOOpenSummary(data []byte) string {
	interval, ok1 := objectRaw(data, "pingInterval")
	timeout, ok2 := objectRaw(data, "pingTimeout")
	i, err1 := strconv.Atoi(string(interval))
	t, err2 := strconv.Atoi(string(timeout))
	if !ok1 || !ok2 || err1 != nil || err2 != nil || i < 0 || t < 0 {
		return "open"
	}
	return "open, ping every " + strconv.Itoa(i) + "ms, timeout " + strconv.Itoa(t) + "ms"
}

// socketIOPacket decodes a Socket.IO packet:
// <type>[<attachments>-][<namespace>,][<ack id>][JSON data].
func (s *Session) socketIOPacket(dir int, p []byte) (Packet, bool) {
	if len(p) == 0 || p[0] < '0' || p[0] > '6' {
		return Packet{}, false
	}
	t := int(p[0] - '0')
	i := 1
	attachments := -1
	if t == 5 || t == 6 {
		end := digits(p, i, 6)
		if end == i || end >= len(p) || p[end] != '-' {
			return Packet{}, false
		}
		attachments, _ = strconv.Atoi(string(p[i:end]))
		i = end + 1
	}
	nsp := "/"
	if i < len(p) && p[i] == '/' {
		end := i
		for end < len(p) && p[end] != ',' {
			end++
		}
		nsp = string(p[i:end])
		if end < len(p) {
			end++ // the comma
		}
		i = end
	}
	end := digits(p, i, 19)
	id := string(p[i:end])
	data := p[end:]
	pk := Packet{Name: SocketIO, Type: socketIOTypes[t], ID: id}
	if id != "" {
		switch t {
		case 2, 5: // an event that asks for an ack
			pk.Asks = key(SocketIO, "ack", nsp, id)
		case 3, 6:
			pk.Answers = key(SocketIO, "ack", nsp, id)
		}
	}
	sum := pk.Type
	switch t {
	case 2, 5:
		var buf [1][]byte
		elems, ok := arrayElems(data, buf[:0])
		if !ok || len(elems) == 0 {
			return Packet{}, false
		}
		name, ok := unquote(elems[0])
		if !ok {
			return Packet{}, false
		}
		sum += ` "` + strings.ReplaceAll(clip(name), `"`, `\"`) + `"`
	}
	var reason string // why a CONNECT_ERROR refused the namespace
	if t == 4 {
		if msg, ok := objectString(data, "message"); ok {
			reason = msg
		} else if msg, ok := unquote(data); ok {
			reason = msg
		}
	}
	if id != "" {
		sum += " #" + id
	}
	if nsp != "/" || t == 0 || t == 1 || t == 4 {
		sum += " " + clip(nsp)
	}
	if attachments >= 0 {
		s.attachments[dir] = attachmentCount{left: attachments, total: attachments}
		sum += ", " + plural(attachments, "attachment")
	}
	if reason != "" {
		sum += ": " + clip(reason)
	}
	pk.Summary = sum
	return pk, true
}

type attachmentCount struct{ left, total int }

// digits returns the end of the run of at most max ASCII digits at p[i:].
func digits(p []byte, i, max int) int {
	end := i
	for end < len(p) && end-i < max && p[end] >= '0' && p[end] <= '9' {
		end++
	}
	return end
}

// clip escapes text taken from a payload and shortens it to maxName
// characters.
func clip(s string) string {
	if len(s) > maxName {
		if r := []rune(s); len(r) > maxName {
			s = string(r[:maxName-1]) + "…"
		}
	}
	return decode.Sanitize(s)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

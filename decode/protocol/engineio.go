package protocol

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// Engine.IO 4 over its WebSocket transport: a text message is one packet,
// a digit for its type and then its data; a binary message is a message
// packet. Socket.IO's packets ride in Engine.IO message packets ("4").

var engineIOTypes = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// socketIOTypes are Socket.IO 5's packet types, by number.
var socketIOTypes = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// engineIOTypeTexts and socketIOTypeTexts are the types with their
// numbers, as the inspector lists them.
var (
	engineIOTypeTexts = numbered(engineIOTypes[:])
	socketIOTypeTexts = numbered(socketIOTypes[:])
)

func numbered(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Itoa(i) + " " + n
	}
	return out
}

// maxName is how much of a name taken from a payload (an event, a topic,
// a channel) a summary shows.
const maxName = 80

func (s *Session) engineIO(dir int, binary bool, p []byte) (Packet, bool) {
	if binary {
		if a := &s.attachments[dir]; a.left > 0 {
			return a.next(len(p)), true
		}
		return Packet{Name: EngineIO, Type: "message", Summary: "message (binary)",
			Fields: []Field{{"Engine.IO type", "4 message (binary)"}}}, true
	}
	if len(p) == 0 || p[0] < '0' || p[0] > '6' {
		return Packet{}, false
	}
	typ := engineIOTypes[p[0]-'0']
	data := p[1:]
	// Room for a Socket.IO packet's fields too, in one allocation.
	fields := make([]Field, 1, 6)
	fields[0] = Field{"Engine.IO type", engineIOTypeTexts[p[0]-'0']}
	switch typ {
	case "message":
		if s.socketIO || isSocketIOConnect(data) {
			if pk, ok := s.socketIOPacket(dir, data, fields); ok {
				s.socketIO = true
				return pk, true
			}
		}
		return Packet{Name: EngineIO, Type: typ, Summary: typ, Fields: fields}, true
	case "open":
		pk := Packet{Name: EngineIO, Type: typ, Summary: "open", Fields: fields}
		if hb, ok := engineIOHeartbeat(data); ok {
			s.heartbeat = hb
			pk.Summary = "open, ping every " + strconv.FormatInt(hb.PingInterval.Milliseconds(), 10) + "ms, timeout " +
				strconv.FormatInt(hb.PingTimeout.Milliseconds(), 10) + "ms"
		}
		pk.Fields = append(pk.Fields, openFields(data)...)
		return pk, true
	case "ping", "pong":
		if len(data) > 0 {
			fields = append(fields, Field{"data", clip(string(data))})
			return Packet{Name: EngineIO, Type: typ, Summary: typ + " " + clip(string(data)), Fields: fields}, true
		}
	}
	return Packet{Name: EngineIO, Type: typ, Summary: typ, Fields: fields}, true
}

// isSocketIOConnect reports whether an Engine.IO message's data is a
// Socket.IO CONNECT: "0", then a namespace or a JSON object or nothing.
func isSocketIOConnect(data []byte) bool {
	return len(data) > 0 && data[0] == '0' && (len(data) == 1 || data[1] == '/' || data[1] == '{')
}

// engineIOHeartbeat reads the heartbeat an open packet sets, which
// decides how soon an unanswered server drops the client.
func engineIOHeartbeat(data []byte) (Heartbeat, bool) {
	interval, ok1 := objectRaw(data, "pingInterval")
	timeout, ok2 := objectRaw(data, "pingTimeout")
	i, err1 := strconv.Atoi(string(interval))
	t, err2 := strconv.Atoi(string(timeout))
	if !ok1 || !ok2 || err1 != nil || err2 != nil || i < 0 || t < 0 {
		return Heartbeat{}, false
	}
	return Heartbeat{PingInterval: time.Duration(i) * time.Millisecond, PingTimeout: time.Duration(t) * time.Millisecond}, true
}

// openFields are the handshake's values an open packet carries.
func openFields(data []byte) []Field {
	var fields []Field
	eachMember(data, func(k, v []byte) bool {
		name, ok := unquote(k)
		if !ok || len(fields) == 8 {
			return false
		}
		value := string(v)
		if str, ok := unquote(v); ok {
			value = str
		}
		fields = append(fields, Field{clip(name), clip(value)})
		return true
	})
	return fields
}

// socketIOPacket decodes a Socket.IO packet:
// <type>[<attachments>-][<namespace>,][<ack id>][JSON data].
// The packet's fields are appended to fields.
func (s *Session) socketIOPacket(dir int, p []byte, fields []Field) (Packet, bool) {
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
	pk.Fields = append(fields, Field{"Socket.IO type", socketIOTypeTexts[t]}, Field{"namespace", clip(nsp)})
	if id != "" {
		pk.Fields = append(pk.Fields, Field{"ack id", id})
		switch t {
		case 2, 5: // an event that asks for an ack
			pk.Asks = key(SocketIO, "ack", nsp, id)
		case 3, 6:
			pk.Answers = key(SocketIO, "ack", nsp, id)
		}
	}
	// The client's CONNECT to a namespace is answered by the server's
	// CONNECT or CONNECT_ERROR for the same namespace.
	switch {
	case t == 0 && dir == 0:
		pk.Asks = key(SocketIO, "connect", nsp)
	case (t == 0 || t == 4) && dir == 1:
		pk.Answers = key(SocketIO, "connect", nsp)
	}
	sum := pk.Type
	var event string
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
		event = `"` + strings.ReplaceAll(clip(name), `"`, `\"`) + `"`
		sum += " " + event
		pk.Fields = append(pk.Fields, Field{"event", clip(name)})
	}
	var reason string // why a CONNECT_ERROR refused the namespace
	if t == 4 {
		if msg, ok := objectString(data, "message"); ok {
			reason = msg
		} else if msg, ok := unquote(data); ok {
			reason = msg
		}
		if reason != "" {
			pk.Fields = append(pk.Fields, Field{"message", clip(reason)})
		}
		if raw, ok := objectRaw(data, "data"); ok {
			pk.Fields = append(pk.Fields, Field{"data", clip(string(raw))})
		}
	}
	if id != "" {
		sum += " #" + id
	}
	if nsp != "/" || t == 0 || t == 1 || t == 4 {
		sum += " " + clip(nsp)
	}
	if attachments >= 0 {
		what := pk.Type
		if event != "" {
			what += " " + event
		}
		if id != "" {
			what += " #" + id
		}
		s.attachments[dir] = attachmentCount{left: attachments, total: attachments, of: what,
			places: placeholders(data, attachments, t == 5)}
		sum += ", " + plural(attachments, "attachment")
		pk.Fields = append(pk.Fields, Field{"attachments", plural(attachments, "binary message") + " to follow"})
	}
	if reason != "" {
		sum += ": " + clip(reason)
	}
	pk.Summary = sum
	pk.Error = socketIOError(t, dir, nsp, p)
	return pk, true
}

// socketIOError is the failure a CONNECT_ERROR or a server's DISCONNECT
// reports. A CONNECT_ERROR is explained as decode explains it in any
// message, so that the two never disagree.
func socketIOError(t, dir int, nsp string, p []byte) *Error {
	switch {
	case t == 4:
		env, ok := decode.DetectEnvelope(append([]byte("4"), p...), decode.EnvelopeContext{})
		if !ok {
			return &Error{Message: "CONNECT_ERROR for " + clip(nsp),
				Explanation: "The server refused to connect the namespace " + clip(nsp) + " and gave no reason.",
				Hint:        "The server's middleware for the namespace (io.use or of(...).use) decides; check what it expects."}
		}
		return envelopeError(env)
	case t == 1 && dir == 1:
		return &Error{Message: "the server disconnected namespace " + clip(nsp), Name: "Disconnected by the server",
			Explanation: "The server disconnected this client from the namespace " + clip(nsp) +
				" (socket.disconnect() on the server). Socket.IO clients report it as \"io server disconnect\" and do not reconnect on their own.",
			Hint: "Find out why the server let the client go (often an expired session); to rejoin, send a new CONNECT (40" + nspPrefix(nsp) + ")."}
	}
	return nil
}

// nspPrefix is a namespace as a packet writes it before its data: "" for
// the main namespace.
func nspPrefix(nsp string) string {
	if nsp == "/" {
		return ""
	}
	return clip(nsp) + ","
}

// envelopeError is a packet's failure as decode reads the message's error
// envelope.
func envelopeError(env decode.Envelope) *Error {
	ex := env.Explanation
	return &Error{Code: env.CodeText(), Message: env.Message, Name: ex.Name,
		Explanation: ex.Explanation, Hint: ex.Hint, Reconnect: ex.Reconnect}
}

// attachmentCount is a binary event's attachments still to come: the
// binary messages that follow it, in the order of their placeholders.
type attachmentCount struct {
	left, total int
	of          string   // the packet they belong to: `BINARY_EVENT "upload" #3`
	places      []string // where each placeholder sits in the data, by num
	sizes       []int
}

// next names the binary message that is the next attachment.
func (a *attachmentCount) next(size int) Packet {
	num := a.total - a.left
	a.left--
	a.sizes = append(a.sizes, size)
	pk := Packet{Name: SocketIO, Type: "attachment",
		Summary: "attachment " + strconv.Itoa(num+1) + " of " + strconv.Itoa(a.total) + " of " + a.of,
		Fields: []Field{{"belongs to", a.of}, {"placeholder", "num " + strconv.Itoa(num)},
			{"size", plural(size, "byte")}}}
	if num < len(a.places) && a.places[num] != "" {
		pk.Fields = append(pk.Fields, Field{"replaces", a.places[num]})
	}
	if a.left == 0 {
		sizes := make([]string, len(a.sizes))
		for k, n := range a.sizes {
			sizes[k] = plural(n, "byte")
		}
		pk.Fields = append(pk.Fields, Field{"attachments", "all " + strconv.Itoa(a.total) + " arrived: " + strings.Join(sizes, ", ")})
		a.sizes = nil
	}
	return pk
}

// maxPlaceholders bounds the attachments whose place is looked up.
const maxPlaceholders = 64

// placeholders finds where each {"_placeholder":true,"num":N} sits in a
// binary packet's data, by N: "argument 2", "argument 1.file"; named
// says the data starts with an event's name.
func placeholders(data []byte, n int, named bool) []string {
	if n <= 0 || n > maxPlaceholders {
		return nil
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	places := make([]string, n)
	var walk func(v any, path string, depth int)
	walk = func(v any, path string, depth int) {
		if depth > 32 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if x["_placeholder"] == true {
				if num, ok := x["num"].(float64); ok && num >= 0 && int(num) < n && num == float64(int(num)) {
					places[int(num)] = path
				}
				return
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(x[k], path+"."+clip(k), depth+1)
			}
		case []any:
			for k, e := range x {
				walk(e, path+"["+strconv.Itoa(k)+"]", depth+1)
			}
		}
	}
	if args, ok := v.([]any); ok {
		// An event's name comes first; arguments are counted from 1.
		first := 0
		if named {
			first = 1
		}
		for k := first; k < len(args); k++ {
			walk(args[k], "argument "+strconv.Itoa(k-first+1), 1)
		}
	}
	return places
}

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

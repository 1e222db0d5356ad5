package protocol

import (
	"bytes"
	"strconv"
	"strings"
)

// The client's half of each protocol: the opening packets a client sends
// once connected, its heartbeats, and what the opening packets negotiate.
// Like the rest of the package it is pure; conn decides when to send.

// SocketIOConnect is Socket.IO's CONNECT to namespace ns ("" or "/" for
// the main namespace) carrying auth, a JSON object or nothing:
// 40{"token":"…"} or 40/admin,{"token":"…"}.
func SocketIOConnect(ns string, auth []byte) []byte {
	b := []byte("40")
	if ns != "" && ns != "/" {
		if !strings.HasPrefix(ns, "/") {
			b = append(b, '/')
		}
		b = append(b, ns...)
		b = append(b, ',')
	}
	return append(b, auth...)
}

// GraphQLConnectionInit is graphql-transport-ws's and graphql-ws's
// connection_init, with payload (a JSON object) when it is not empty.
func GraphQLConnectionInit(payload []byte) []byte {
	if len(payload) == 0 {
		return []byte(`{"type":"connection_init"}`)
	}
	b := []byte(`{"type":"connection_init","payload":`)
	b = append(b, payload...)
	return append(b, '}')
}

// GraphQLPong answers graphql-transport-ws's ping.
func GraphQLPong() []byte { return []byte(`{"type":"pong"}`) }

// PhoenixHeartbeat is the heartbeat a Phoenix client sends on the
// "phoenix" topic, in the v2 serializer's array form or, with v1, the
// object form.
func PhoenixHeartbeat(v1 bool, ref string) []byte {
	q := strconv.Quote(ref)
	if v1 {
		return []byte(`{"topic":"phoenix","event":"heartbeat","payload":{},"ref":` + q + `}`)
	}
	return []byte(`[null,` + q + `,"phoenix","heartbeat",{}]`)
}

// PhoenixV1 reports whether a Phoenix socket URL asks for the v1 (object)
// serializer: its vsn parameter starts with "1.", or there is none, which
// Phoenix takes for 1.0.0.
func PhoenixV1(vsn string) bool { return !strings.HasPrefix(vsn, "2.") }

// MQTTConnectOptions are what an MQTT CONNECT says.
type MQTTConnectOptions struct {
	Version   byte // 4 (3.1.1) or 5
	ClientID  string
	User      string // sent when not empty
	Password  string // sent when not empty
	KeepAlive int    // seconds, 0 to 65535; 0 turns keep-alive off
}

// MQTTStringMax is the most bytes an MQTT string (a client id, user name
// or password) carries: its length is written in two bytes.
const MQTTStringMax = 0xffff

// MQTTConnect encodes a CONNECT with a clean session (clean start in
// MQTT 5) and, in MQTT 5, no properties. Its strings must be at most
// MQTTStringMax bytes, which the caller checks.
func MQTTConnect(o MQTTConnectOptions) []byte {
	var v []byte
	v = appendMQTTString(v, "MQTT")
	version := o.Version
	if version != 5 {
		version = 4
	}
	flags := byte(0x02) // clean session
	if o.User != "" {
		flags |= 0x80
	}
	if o.Password != "" {
		flags |= 0x40
	}
	v = append(v, version, flags, byte(o.KeepAlive>>8), byte(o.KeepAlive))
	if version == 5 {
		v = append(v, 0) // no properties
	}
	v = appendMQTTString(v, o.ClientID)
	if o.User != "" {
		v = appendMQTTString(v, o.User)
	}
	if o.Password != "" {
		v = appendMQTTString(v, o.Password)
	}
	return appendMQTTPacket(nil, 0x10, v)
}

// MQTTPingReq is MQTT's PINGREQ.
func MQTTPingReq() []byte { return []byte{0xc0, 0x00} }

func appendMQTTString(b []byte, s string) []byte {
	b = append(b, byte(len(s)>>8), byte(len(s)))
	return append(b, s...)
}

// appendMQTTPacket appends a packet of type-and-flags head around its
// variable header and payload, with the remaining length between.
func appendMQTTPacket(b []byte, head byte, body []byte) []byte {
	b = append(b, head)
	n := len(body)
	for {
		c := byte(n & 0x7f)
		if n >>= 7; n > 0 {
			c |= 0x80
		}
		b = append(b, c)
		if n == 0 {
			break
		}
	}
	return append(b, body...)
}

// mqttConnectLayout is what wsdbg reads of a CONNECT packet: its version,
// flags and keep-alive, and where its password and the packet end.
type mqttConnectLayout struct {
	headLen   int // fixed header bytes
	level     byte
	flags     byte
	keepAlive int
	password  [2]int // start and end of the password's bytes; 0, 0 when there is none
	end       int    // where the packet ends
}

// readMQTTConnect reads the CONNECT that starts p; ok is false when p
// does not start with a whole one.
func readMQTTConnect(p []byte) (l mqttConnectLayout, ok bool) {
	if !isMQTTConnect(p) {
		return l, false
	}
	i := 1
	for p[i]&0x80 != 0 {
		i++
	}
	l.headLen = i + 1
	l.end = l.headLen + remainingLength(p[1:l.headLen])
	if l.end > len(p) {
		return l, false
	}
	r := reader{b: p[l.headLen:l.end]}
	at := func() int { return l.end - len(r.b) }
	if _, ok := r.str(); !ok {
		return l, false
	}
	var ok1, ok2 bool
	l.level, ok1 = r.byte()
	l.flags, ok2 = r.byte()
	ka, ok3 := r.uint16()
	if !ok1 || !ok2 || !ok3 {
		return l, false
	}
	l.keepAlive = ka
	v5 := l.level == 5
	if v5 {
		r.skipProperties()
	}
	if _, ok := r.str(); !ok { // client id
		return l, false
	}
	if l.flags&0x04 != 0 { // will
		if v5 {
			r.skipProperties()
		}
		if _, ok := r.str(); !ok {
			return l, false
		}
		if _, ok := r.str(); !ok {
			return l, false
		}
	}
	if l.flags&0x80 != 0 {
		if _, ok := r.str(); !ok {
			return l, false
		}
	}
	if l.flags&0x40 != 0 {
		start := at()
		if _, ok := r.str(); !ok {
			return l, false
		}
		l.password = [2]int{start + 2, at()}
	}
	return l, true
}

// MQTTKeepAlive reads the keep-alive, in seconds, of the CONNECT that
// starts p; ok is false when p does not start with a whole CONNECT.
func MQTTKeepAlive(p []byte) (seconds int, ok bool) {
	l, ok := readMQTTConnect(p)
	return l.keepAlive, ok
}

// MaskMQTTPassword returns a copy of p whose leading CONNECT carries
// mask(password) instead of its password, with the lengths made to fit,
// so that the packet still reads as a CONNECT; ok is false (and p is
// returned) when p starts with no CONNECT or it has no password.
func MaskMQTTPassword(p []byte, mask func(password string) string) ([]byte, bool) {
	l, ok := readMQTTConnect(p)
	if !ok || l.password == [2]int{} {
		return p, false
	}
	masked := mask(string(p[l.password[0]:l.password[1]]))
	if len(masked) > 0xffff {
		masked = masked[:0xffff]
	}
	body := make([]byte, 0, l.end-l.headLen+len(masked))
	body = append(body, p[l.headLen:l.password[0]-2]...)
	body = appendMQTTString(body, masked)
	body = append(body, p[l.password[1]:l.end]...)
	out := appendMQTTPacket(make([]byte, 0, len(body)+5+len(p)-l.end), p[0], body)
	return append(out, p[l.end:]...), true
}

// STOMPConnectOptions are what a STOMP CONNECT says.
type STOMPConnectOptions struct {
	Host     string // the virtual host; RabbitMQ's default is "/"
	Login    string // sent when not empty
	Passcode string // sent when not empty
	// HeartBeat is the heart-beat header's pair in milliseconds: how often
	// the client will send, and how often it wants to receive; 0, 0 sends
	// no header.
	HeartBeat [2]int
}

// STOMPConnect encodes a CONNECT that accepts STOMP 1.0 to 1.2. CONNECT's
// headers are never escaped (STOMP 1.2, Value Encoding): values must not
// hold a line break or NUL, which the caller checks.
func STOMPConnect(o STOMPConnectOptions) []byte {
	var b strings.Builder
	b.WriteString("CONNECT\naccept-version:1.0,1.1,1.2\nhost:")
	b.WriteString(o.Host)
	b.WriteByte('\n')
	if o.Login != "" {
		b.WriteString("login:" + o.Login + "\n")
	}
	if o.Passcode != "" {
		b.WriteString("passcode:" + o.Passcode + "\n")
	}
	if o.HeartBeat != [2]int{} {
		b.WriteString("heart-beat:" + strconv.Itoa(o.HeartBeat[0]) + "," + strconv.Itoa(o.HeartBeat[1]) + "\n")
	}
	b.WriteString("\n\x00")
	return []byte(b.String())
}

// STOMPHeartbeat is the end-of-line a STOMP peer sends as a heart-beat.
func STOMPHeartbeat() []byte { return []byte("\n") }

// STOMPHeartBeat reads the heart-beat header of a CONNECT, STOMP or
// CONNECTED frame: the milliseconds between the sender's heart-beats and
// those it wants to receive. ok is false for another frame or none.
func STOMPHeartBeat(p []byte) (send, receive int, ok bool) {
	if !isSTOMPOpening(p) {
		return 0, 0, false
	}
	_, rest, _ := bytes.Cut(p, []byte("\n"))
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if v, found := bytes.CutPrefix(line, []byte("heart-beat:")); found {
			x, y, _ := strings.Cut(string(v), ",")
			sx, err1 := strconv.Atoi(strings.TrimSpace(x))
			sy, err2 := strconv.Atoi(strings.TrimSpace(y))
			if err1 != nil || err2 != nil || sx < 0 || sy < 0 {
				return 0, 0, true // a malformed header asks for nothing
			}
			return sx, sy, true
		}
	}
	return 0, 0, true
}

// STOMPClientHeartBeat is how often, in milliseconds, the client must
// send once CONNECT said it can send every cx and CONNECTED that the
// server wants one every sy: the larger, or 0 (none) when either is 0
// (STOMP 1.2, Heart-beating).
func STOMPClientHeartBeat(cx, sy int) int {
	if cx == 0 || sy == 0 {
		return 0
	}
	return max(cx, sy)
}

// MaskSTOMPPasscode returns frame with mask(value) in place of the value
// of a CONNECT's or STOMP's passcode header; ok is false (and frame is
// returned) when frame is no such frame or has no passcode.
func MaskSTOMPPasscode(frame string, mask func(passcode string) string) (string, bool) {
	if !strings.HasPrefix(frame, "CONNECT") && !strings.HasPrefix(frame, "STOMP") || !isSTOMPOpening([]byte(frame)) {
		return frame, false
	}
	var b strings.Builder
	rest := frame
	changed := false
	for first := true; ; first = false {
		line, after, found := strings.Cut(rest, "\n")
		bare := strings.TrimSuffix(line, "\r")
		if !first && bare == "" {
			break // the body follows
		}
		if v, ok := strings.CutPrefix(bare, "passcode:"); ok && v != "" {
			b.WriteString("passcode:" + mask(v) + line[len(bare):])
			changed = true
		} else {
			b.WriteString(line)
		}
		if !found {
			rest = ""
			break
		}
		b.WriteByte('\n')
		rest = after
	}
	if !changed {
		return frame, false
	}
	b.WriteString(rest)
	return b.String(), true
}

// skipProperties steps over an MQTT 5 property list.
func (r *reader) skipProperties() {
	if n, ok := r.varint(); ok {
		r.skip(n)
	}
}

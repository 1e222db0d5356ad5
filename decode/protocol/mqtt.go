package protocol

import (
	"bytes"
	"strconv"
	"strings"
)

// MQTT 3.1.1 and 5 over WebSocket: binary messages carrying a byte stream
// of MQTT packets. A packet may span messages and a message may hold
// several packets (aedes writes each part of a packet as a message of its
// own), so each direction's bytes are read as a stream.

var mqttTypes = [...]string{"", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
	"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"}

// maxMQTTHead bounds how much of a packet is kept while it arrives: enough
// for the fixed header, the longest topic and the packet id, which is all
// a summary shows of it.
const maxMQTTHead = 5 + 2 + 65535 + 2 + 16

// mqttStream is the packet a direction's messages are in the middle of.
type mqttStream struct {
	head  []byte // its first bytes, up to maxMQTTHead
	total int    // fixed header plus remaining length; 0 until the fixed header is whole
	got   int    // bytes of it seen
}

func (st *mqttStream) reset() { st.head, st.total, st.got = st.head[:0], 0, 0 }

func (s *Session) mqttMessage(dir int, p []byte) (Packet, bool) {
	if len(p) == 0 {
		return Packet{}, false
	}
	st := &s.mqtt[dir]
	var first Packet
	n := 0
	for len(p) > 0 || st.total > 0 && st.got == st.total {
		if st.total == 0 {
			st.head = append(st.head, p[0])
			p = p[1:]
			if len(st.head) == 1 {
				if st.head[0]>>4 == 0 {
					st.reset()
					return Packet{Name: MQTT, Type: "malformed", Summary: "not an MQTT packet: reserved packet type 0"}, true
				}
				continue
			}
			if st.head[len(st.head)-1]&0x80 != 0 {
				if len(st.head) == 5 {
					st.reset()
					return Packet{Name: MQTT, Type: "malformed", Summary: "not an MQTT packet: remaining length longer than 4 bytes"}, true
				}
				continue
			}
			st.total = len(st.head) + remainingLength(st.head[1:])
			st.got = len(st.head)
		}
		take := min(st.total-st.got, len(p))
		if room := maxMQTTHead - len(st.head); room > 0 {
			st.head = append(st.head, p[:min(take, room)]...)
		}
		st.got += take
		p = p[take:]
		if st.got == st.total {
			pk := s.mqttPacket(st.head)
			if n++; n == 1 {
				first = pk
			}
			st.reset()
		}
	}
	switch {
	case n > 1:
		first.Summary += " (+" + strconv.Itoa(n-1) + " more)"
	case n == 0 && st.total == 0:
		return Packet{Name: MQTT, Type: "part", Summary: "part of " + mqttTypes[st.head[0]>>4] + ", " + plural(len(st.head), "byte") + " so far"}, true
	case n == 0:
		return Packet{Name: MQTT, Type: "part", Summary: "part of " + mqttTypes[st.head[0]>>4] + ", " +
			strconv.Itoa(st.got) + " of " + plural(st.total, "byte")}, true
	}
	return first, true
}

// remainingLength decodes MQTT's variable byte integer.
func remainingLength(b []byte) int {
	n, shift := 0, 0
	for _, c := range b {
		n |= int(c&0x7f) << shift
		shift += 7
	}
	return n
}

// mqttPacket names a whole packet from its first bytes.
func (s *Session) mqttPacket(head []byte) Packet {
	t, flags := head[0]>>4, head[0]&0x0f
	i := 1
	for head[i]&0x80 != 0 {
		i++
	}
	r := reader{b: head[i+1:]}
	pk := Packet{Name: MQTT, Type: mqttTypes[t]}
	sum := pk.Type
	v5 := s.mqttVersion == 5
	switch pk.Type {
	case "CONNECT":
		sum += s.mqttConnect(&r)
	case "CONNACK":
		session, _ := r.byte()
		code, ok := r.byte()
		if !ok {
			break
		}
		sum += " " + connackText(code, v5)
		if session&1 != 0 {
			sum += " (session present)"
		}
	case "PUBLISH":
		qos := flags >> 1 & 3
		if qos == 3 {
			return Packet{Name: MQTT, Type: "malformed", Summary: "malformed PUBLISH: QoS 3 (both QoS bits set)"}
		}
		topic, _ := r.str()
		sum += " " + clip(topic) + " qos" + strconv.Itoa(int(qos))
		if qos > 0 {
			if id, ok := r.uint16(); ok {
				pk.ID = strconv.Itoa(id)
				sum += " #" + pk.ID
			}
		}
		if flags&1 != 0 {
			sum += " retain"
		}
		if flags&8 != 0 {
			sum += " dup"
		}
	case "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "UNSUBACK":
		if id, ok := r.uint16(); ok {
			pk.ID = strconv.Itoa(id)
			sum += " #" + pk.ID
		}
	case "SUBSCRIBE", "UNSUBSCRIBE":
		sum += mqttSubscription(&pk, &r, v5)
	case "SUBACK":
		if id, ok := r.uint16(); ok {
			pk.ID = strconv.Itoa(id)
			sum += " #" + pk.ID
		}
		if v5 {
			r.properties()
		}
		var codes []string
		for {
			c, ok := r.byte()
			if !ok {
				break
			}
			if c <= 2 {
				codes = append(codes, "qos"+strconv.Itoa(int(c)))
			} else {
				codes = append(codes, "refused 0x"+strconv.FormatUint(uint64(c), 16))
			}
		}
		if len(codes) > 0 {
			sum += " " + strings.Join(codes, ", ")
		}
	}
	pk.Asks, pk.Answers = mqttKeys(pk.Type, flags>>1&3, pk.ID)
	pk.Summary = sum
	return pk
}

// mqttReplies names the packet that answers each request an MQTT client
// or server sends; a PUBLISH's depends on its QoS.
var mqttReplies = map[string]string{"CONNECT": "CONNACK", "PUBREL": "PUBCOMP", "SUBSCRIBE": "SUBACK",
	"UNSUBSCRIBE": "UNSUBACK", "PINGREQ": "PINGRESP"}

// mqttKeys links a request with its acknowledgement by packet identifier;
// CONNECT and PINGREQ have none, and only one of each is outstanding.
func mqttKeys(typ string, qos byte, id string) (asks, answers string) {
	switch typ {
	case "PUBLISH":
		switch {
		case id == "":
		case qos == 1:
			return key(MQTT, "PUBACK", id), ""
		case qos == 2:
			return key(MQTT, "PUBREC", id), ""
		}
		return "", ""
	case "CONNACK", "PUBACK", "PUBREC", "PUBCOMP", "SUBACK", "UNSUBACK", "PINGRESP":
		return "", key(MQTT, typ, id)
	}
	if reply, ok := mqttReplies[typ]; ok {
		return key(MQTT, reply, id), ""
	}
	return "", ""
}

func mqttVersionName(level byte) string {
	switch level {
	case 3:
		return "v3.1"
	case 4:
		return "v3.1.1"
	case 5:
		return "v5"
	}
	return "level " + strconv.Itoa(int(level))
}

// connackReturnCodes are MQTT 3.1.1's CONNACK return codes (§3.2.2.3).
var connackReturnCodes = [...]string{"accepted", "refused: unacceptable protocol version",
	"refused: identifier rejected", "refused: server unavailable", "refused: bad user name or password",
	"refused: not authorized"}

// connackReasonCodes are MQTT 5's CONNACK reason codes (§3.2.2.2).
var connackReasonCodes = map[byte]string{
	0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error",
	0x83: "implementation specific error", 0x84: "unsupported protocol version",
	0x85: "client identifier not valid", 0x86: "bad user name or password", 0x87: "not authorized",
	0x88: "server unavailable", 0x89: "server busy", 0x8a: "banned", 0x8c: "bad authentication method",
	0x90: "topic name invalid", 0x95: "packet too large", 0x97: "quota exceeded",
	0x99: "payload format invalid", 0x9a: "retain not supported", 0x9b: "QoS not supported",
	0x9c: "use another server", 0x9d: "server moved", 0x9f: "connection rate exceeded",
}

// connackText names a CONNACK's code by the version the CONNECT asked
// for; a code that version does not define is shown as a number only.
func connackText(code byte, v5 bool) string {
	if code == 0 {
		return "accepted"
	}
	if v5 {
		if name, ok := connackReasonCodes[code]; ok {
			return "refused: " + name
		}
	} else if int(code) < len(connackReturnCodes) {
		return connackReturnCodes[code]
	}
	return "refused: code 0x" + strconv.FormatUint(uint64(code), 16)
}

// isMQTTConnect reports whether a binary message starts with a CONNECT
// packet of MQTT 3.1, 3.1.1 or 5.
func isMQTTConnect(p []byte) bool {
	if len(p) < 2 || p[0] != 0x10 {
		return false
	}
	i := 1
	for i < len(p) && i < 5 && p[i]&0x80 != 0 {
		i++
	}
	rest := p[min(i+1, len(p)):]
	return bytes.HasPrefix(rest, []byte("\x00\x04MQTT")) || bytes.HasPrefix(rest, []byte("\x00\x06MQIsdp"))
}

// reader reads MQTT's fields from a packet's bytes, failing softly at the
// end of what was kept.
type reader struct{ b []byte }

func (r *reader) byte() (byte, bool) {
	if len(r.b) == 0 {
		return 0, false
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, true
}

func (r *reader) uint16() (int, bool) {
	if len(r.b) < 2 {
		return 0, false
	}
	n := int(r.b[0])<<8 | int(r.b[1])
	r.b = r.b[2:]
	return n, true
}

func (r *reader) str() (string, bool) {
	n, ok := r.uint16()
	if !ok || len(r.b) < n {
		r.b = nil
		return "", false
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s, true
}

func (r *reader) skip(n int) { r.b = r.b[min(n, len(r.b)):] }

// properties skips MQTT 5 properties: a variable byte integer length and
// that many bytes.
func (r *reader) properties() {
	n, shift := 0, 0
	for i := 0; i < 4; i++ {
		c, ok := r.byte()
		if !ok {
			return
		}
		n |= int(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			break
		}
	}
	r.skip(n)
}

// mqttConnect reads a CONNECT's protocol level, which later packets are
// read by, and its client id.
func (s *Session) mqttConnect(r *reader) string {
	proto, _ := r.str()
	level, _ := r.byte()
	if proto == "MQTT" || proto == "MQIsdp" {
		s.mqttVersion = level
	}
	r.skip(3) // flags, keep alive
	if level == 5 {
		r.properties()
	}
	sum := " " + mqttVersionName(level)
	if id, ok := r.str(); ok && id != "" {
		sum += " client " + clip(id)
	}
	return sum
}

// mqttSubscription reads a SUBSCRIBE's or UNSUBSCRIBE's packet id into pk
// and names its topics.
func mqttSubscription(pk *Packet, r *reader, v5 bool) string {
	sum := ""
	if id, ok := r.uint16(); ok {
		pk.ID = strconv.Itoa(id)
		sum += " #" + pk.ID
	}
	if v5 {
		r.properties()
	}
	var topics []string
	for {
		topic, ok := r.str()
		if !ok {
			break
		}
		topics = append(topics, clip(topic))
		if pk.Type == "SUBSCRIBE" {
			r.skip(1) // options
		}
	}
	if len(topics) > 0 {
		sum += " " + strings.Join(topics, ", ")
	}
	return sum
}

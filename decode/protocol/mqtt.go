package protocol

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// MQTT 3.1.1 and 5 over WebSocket: binary messages carrying a byte stream
// of MQTT packets. A packet may span messages and a message may hold
// several packets (aedes writes each part of a packet as a message of its
// own), so each direction's bytes are read as a stream.

var mqttTypes = [...]string{"", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
	"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"}

// mqttTypeTexts, publishFlagTexts and flagTexts are what the inspector
// lists for a fixed header's first byte.
var (
	mqttTypeTexts    = numbered(mqttTypes[:])
	publishFlagTexts [16]string
	flagTexts        [16]string
)

func init() {
	for f := range 16 {
		publishFlagTexts[f] = "DUP " + strconv.Itoa(f>>3) + ", QoS " + strconv.Itoa(f>>1&3) + ", RETAIN " + strconv.Itoa(f&1)
		flagTexts[f] = "0x" + strconv.FormatUint(uint64(f), 16)
	}
}

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
			pk := s.mqttPacket(dir, st.head)
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

// mqttPacket names a whole packet from its first bytes; dir is 1 for a
// packet the broker sent.
func (s *Session) mqttPacket(dir int, head []byte) Packet {
	t, flags := head[0]>>4, head[0]&0x0f
	i := 1
	for head[i]&0x80 != 0 {
		i++
	}
	r := reader{b: head[i+1:]}
	pk := Packet{Name: MQTT, Type: mqttTypes[t]}
	pk.Fields = make([]Field, 0, 8)
	pk.Fields = append(pk.Fields, Field{"packet type", mqttTypeTexts[t]})
	if pk.Type == "PUBLISH" {
		pk.Fields = append(pk.Fields, Field{"flags", publishFlagTexts[flags]})
	} else {
		pk.Fields = append(pk.Fields, Field{"flags", flagTexts[flags]})
	}
	pk.Fields = append(pk.Fields, Field{"remaining length", plural(remainingLength(head[1:i+1]), "byte")})
	sum := pk.Type
	v5 := s.mqttVersion == 5
	id := func() {
		if n, ok := r.uint16(); ok {
			pk.ID = strconv.Itoa(n)
			sum += " #" + pk.ID
			pk.Fields = append(pk.Fields, Field{"packet id", pk.ID})
		}
	}
	switch pk.Type {
	case "CONNECT":
		sum += s.mqttConnect(&pk, &r)
	case "CONNACK":
		session, _ := r.byte()
		code, ok := r.byte()
		if !ok {
			break
		}
		pk.Fields = append(pk.Fields, Field{"session present", strconv.FormatBool(session&1 != 0)})
		var props mqttProperties
		if v5 {
			props = s.properties(&pk, &r)
			if props.serverKeepAlive >= 0 {
				s.heartbeat.KeepAlive = time.Duration(props.serverKeepAlive) * time.Second
			}
		}
		if code == 0 {
			sum += " accepted"
			pk.Fields = append(pk.Fields, Field{"return code", "0 accepted"})
		} else {
			pk.Error = mqttError("CONNACK", code, !v5, props.reason)
			sum += " refused: " + mqttCodeName(pk.Error, code)
			pk.Fields = append(pk.Fields, Field{"return code", mqttCodeText(pk.Error, code)})
		}
		if session&1 != 0 {
			sum += " (session present)"
		}
	case "PUBLISH":
		qos := flags >> 1 & 3
		if qos == 3 {
			return Packet{Name: MQTT, Type: "malformed", Summary: "malformed PUBLISH: QoS 3 (both QoS bits set)", Fields: pk.Fields}
		}
		topic, _ := r.str()
		pk.Fields = append(pk.Fields, Field{"topic", clip(topic)})
		sum += " " + clip(topic) + " qos" + strconv.Itoa(int(qos))
		if qos > 0 {
			id()
		}
		if v5 {
			s.properties(&pk, &r)
		}
		if flags&1 != 0 {
			sum += " retain"
		}
		if flags&8 != 0 {
			sum += " dup"
		}
	case "PUBACK", "PUBREC", "PUBREL", "PUBCOMP":
		id()
		if code, ok := r.byte(); ok && v5 {
			props := s.properties(&pk, &r)
			pk.Fields = append(pk.Fields, Field{"reason code", "0x" + hex2(code)})
			if code >= 0x80 {
				pk.Error = mqttError(pk.Type, code, false, props.reason)
				sum += " failed: " + mqttCodeName(pk.Error, code)
			}
		}
	case "UNSUBACK":
		id()
		if v5 {
			props := s.properties(&pk, &r)
			sum += s.mqttAckCodes(&pk, &r, false, props.reason)
		}
	case "SUBSCRIBE", "UNSUBSCRIBE":
		sum += s.mqttSubscription(&pk, &r, v5)
	case "SUBACK":
		id()
		var props mqttProperties
		if v5 {
			props = s.properties(&pk, &r)
		}
		sum += s.mqttAckCodes(&pk, &r, !v5, props.reason)
	case "DISCONNECT", "AUTH":
		code, ok := r.byte()
		if !ok || !v5 {
			break
		}
		props := s.properties(&pk, &r)
		pk.Fields = append(pk.Fields, Field{"reason code", "0x" + hex2(code)})
		if code >= 0x80 && pk.Type == "DISCONNECT" {
			pk.Error = mqttError(pk.Type, code, false, props.reason)
			if dir == 0 {
				pk.Error.Explanation = "The client ended the connection with this reason, telling the broker why it leaves."
				pk.Error.Hint = "The reason is the client's own: look in the client's log for what it objected to."
				pk.Error.Reconnect = false
			}
			sum += " " + mqttCodeName(pk.Error, code)
		}
	}
	pk.Asks, pk.Answers = mqttKeys(pk.Type, flags>>1&3, pk.ID)
	pk.Summary = sum
	return pk
}

// mqttAckCodes reads a SUBACK's or UNSUBACK's codes, one per topic
// filter, and sets pk.Error from the first failure.
func (s *Session) mqttAckCodes(pk *Packet, r *reader, legacy bool, reason string) string {
	var codes []string
	for k := 0; ; k++ {
		c, ok := r.byte()
		if !ok {
			break
		}
		switch {
		case c <= 2 && pk.Type == "SUBACK":
			codes = append(codes, "qos"+strconv.Itoa(int(c)))
		case c < 0x80:
			codes = append(codes, "0x"+hex2(c))
		default:
			codes = append(codes, "refused 0x"+strconv.FormatUint(uint64(c), 16))
			if pk.Error == nil {
				pk.Error = mqttError(pk.Type, c, legacy, reason)
				pk.Error.Message += ", for topic filter " + strconv.Itoa(k+1)
			}
		}
	}
	if len(codes) == 0 {
		return ""
	}
	pk.Fields = append(pk.Fields, Field{"codes", strings.Join(codes, ", ")})
	return " " + strings.Join(codes, ", ")
}

// mqttError is the failure a packet's code reports, as decode explains
// MQTT codes in any message; reason is the broker's Reason String.
func mqttError(packet string, code byte, legacy bool, reason string) *Error {
	e := envelopeError(decode.MQTTFailure(packet, int(code), legacy))
	if reason != "" {
		e.Message += ": " + clip(reason)
	}
	return e
}

// mqttCodeName is a failure's name for a summary, or its number when the
// version does not define it.
func mqttCodeName(e *Error, code byte) string {
	if e.Name != "" {
		return strings.ToLower(e.Name)
	}
	return "code 0x" + strconv.FormatUint(uint64(code), 16)
}

func mqttCodeText(e *Error, code byte) string {
	if e.Name != "" {
		return strconv.Itoa(int(code)) + " (0x" + hex2(code) + ") " + e.Name
	}
	return strconv.Itoa(int(code)) + " (0x" + hex2(code) + "), not defined"
}

func hex2(c byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[c>>4], digits[c&0xf]})
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

// mqttProperties are the MQTT 5 properties the session acts on.
type mqttProperties struct {
	reason          string // Reason String
	serverKeepAlive int    // Server Keep Alive in seconds; -1 when absent
}

// propertyKind is how an MQTT 5 property's value is written.
type propertyKind byte

const (
	propByte propertyKind = iota
	propUint16
	propUint32
	propVarint
	propString
	propBinary
	propPair
)

// mqttPropertyNames are MQTT 5's properties (§2.2.2.2), by identifier.
var mqttPropertyNames = map[byte]struct {
	name string
	kind propertyKind
}{
	0x01: {"Payload Format Indicator", propByte}, 0x02: {"Message Expiry Interval", propUint32},
	0x03: {"Content Type", propString}, 0x08: {"Response Topic", propString}, 0x09: {"Correlation Data", propBinary},
	0x0B: {"Subscription Identifier", propVarint}, 0x11: {"Session Expiry Interval", propUint32},
	0x12: {"Assigned Client Identifier", propString}, 0x13: {"Server Keep Alive", propUint16},
	0x15: {"Authentication Method", propString}, 0x16: {"Authentication Data", propBinary},
	0x17: {"Request Problem Information", propByte}, 0x18: {"Will Delay Interval", propUint32},
	0x19: {"Request Response Information", propByte}, 0x1A: {"Response Information", propString},
	0x1C: {"Server Reference", propString}, 0x1F: {"Reason String", propString},
	0x21: {"Receive Maximum", propUint16}, 0x22: {"Topic Alias Maximum", propUint16}, 0x23: {"Topic Alias", propUint16},
	0x24: {"Maximum QoS", propByte}, 0x25: {"Retain Available", propByte}, 0x26: {"User Property", propPair},
	0x27: {"Maximum Packet Size", propUint32}, 0x28: {"Wildcard Subscription Available", propByte},
	0x29: {"Subscription Identifier Available", propByte}, 0x2A: {"Shared Subscription Available", propByte},
}

// maxPropertyFields bounds the properties one packet lists.
const maxPropertyFields = 32

// properties reads MQTT 5 properties, a variable byte integer length and
// that many bytes, into pk's fields. Binary values (authentication data,
// correlation data) are shown by their length only.
func (s *Session) properties(pk *Packet, r *reader) mqttProperties {
	props := mqttProperties{serverKeepAlive: -1}
	n, ok := r.varint()
	if !ok {
		return props
	}
	p := reader{b: r.b[:min(n, len(r.b))]}
	r.skip(n)
	for shown := 0; len(p.b) > 0; shown++ {
		id, _ := p.byte()
		prop, known := mqttPropertyNames[id]
		if !known {
			pk.Fields = append(pk.Fields, Field{"property 0x" + hex2(id), "unknown; the rest not read"})
			return props
		}
		var value string
		switch prop.kind {
		case propByte:
			c, ok := p.byte()
			if !ok {
				return props
			}
			value = strconv.Itoa(int(c))
		case propUint16:
			v, ok := p.uint16()
			if !ok {
				return props
			}
			value = strconv.Itoa(v)
			if id == 0x13 {
				props.serverKeepAlive = v
			}
		case propUint32:
			if len(p.b) < 4 {
				return props
			}
			value = strconv.FormatUint(uint64(p.b[0])<<24|uint64(p.b[1])<<16|uint64(p.b[2])<<8|uint64(p.b[3]), 10)
			p.skip(4)
		case propVarint:
			v, ok := p.varint()
			if !ok {
				return props
			}
			value = strconv.Itoa(v)
		case propString:
			v, ok := p.str()
			if !ok {
				return props
			}
			if id == 0x1F {
				props.reason = v
			}
			value = clip(v)
		case propBinary:
			v, ok := p.uint16()
			if !ok || len(p.b) < v {
				return props
			}
			p.skip(v)
			value = plural(v, "byte")
		case propPair:
			k, ok1 := p.str()
			v, ok2 := p.str()
			if !ok1 || !ok2 {
				return props
			}
			value = clip(k) + " = " + clip(v)
		}
		if shown < maxPropertyFields {
			pk.Fields = append(pk.Fields, Field{prop.name, value})
		}
	}
	return props
}

// varint reads MQTT's variable byte integer.
func (r *reader) varint() (int, bool) {
	n, shift := 0, 0
	for i := 0; i < 4; i++ {
		c, ok := r.byte()
		if !ok {
			return 0, false
		}
		n |= int(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			return n, true
		}
	}
	return 0, false
}

// mqttConnect reads a CONNECT's protocol level, which later packets are
// read by, its keep-alive and its client id. The user name and password
// are only said to be present.
func (s *Session) mqttConnect(pk *Packet, r *reader) string {
	proto, _ := r.str()
	level, _ := r.byte()
	if proto == "MQTT" || proto == "MQIsdp" {
		s.mqttVersion = level
	}
	pk.Fields = append(pk.Fields, Field{"protocol", clip(proto) + " " + mqttVersionName(level)})
	flags, ok1 := r.byte()
	keepAlive, ok2 := r.uint16()
	if ok1 && ok2 {
		var set []string
		for _, f := range []struct {
			bit  byte
			name string
		}{{0x02, "clean session"}, {0x04, "will"}, {0x20, "will retain"}, {0x40, "password"}, {0x80, "user name"}} {
			if flags&f.bit != 0 {
				set = append(set, f.name)
			}
		}
		if flags&0x04 != 0 {
			set = append(set, "will QoS "+strconv.Itoa(int(flags>>3&3)))
		}
		if len(set) == 0 {
			set = append(set, "none")
		}
		pk.Fields = append(pk.Fields, Field{"connect flags", strings.Join(set, ", ")})
		if keepAlive == 0 {
			pk.Fields = append(pk.Fields, Field{"keep alive", "0 (off)"})
		} else {
			pk.Fields = append(pk.Fields, Field{"keep alive", strconv.Itoa(keepAlive) + " s"})
		}
		s.heartbeat.KeepAlive = time.Duration(keepAlive) * time.Second
	}
	if level == 5 {
		s.properties(pk, r)
	}
	sum := " " + mqttVersionName(level)
	if id, ok := r.str(); ok {
		pk.Fields = append(pk.Fields, Field{"client id", clip(id)})
		if id != "" {
			sum += " client " + clip(id)
		}
	}
	return sum
}

// mqttSubscription reads a SUBSCRIBE's or UNSUBSCRIBE's packet id into pk
// and names its topics.
func (s *Session) mqttSubscription(pk *Packet, r *reader, v5 bool) string {
	sum := ""
	if id, ok := r.uint16(); ok {
		pk.ID = strconv.Itoa(id)
		sum += " #" + pk.ID
		pk.Fields = append(pk.Fields, Field{"packet id", pk.ID})
	}
	if v5 {
		s.properties(pk, r)
	}
	var topics []string
	for {
		topic, ok := r.str()
		if !ok {
			break
		}
		topics = append(topics, clip(topic))
		value := clip(topic)
		if pk.Type == "SUBSCRIBE" {
			if opts, ok := r.byte(); ok {
				value += ", QoS " + strconv.Itoa(int(opts&3))
			}
		}
		if len(topics) <= maxPropertyFields {
			pk.Fields = append(pk.Fields, Field{"topic filter", value})
		}
	}
	if len(topics) > 0 {
		sum += " " + strings.Join(topics, ", ")
	}
	return sum
}

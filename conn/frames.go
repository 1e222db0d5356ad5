package conn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/decode"
)

// maxHandshakeHead bounds the HTTP head the parser buffers: a response head
// that does not end within it fails the dial (see errResponseTooBig).
const maxHandshakeHead = 1 << 20

// maxControlPayload is the largest control payload the parser keeps; anything
// longer is a violation and only its length matters.
const maxControlPayload = 125

// protocolViolation is a protocol violation found in the byte stream.
type protocolViolation struct {
	Frame   Frame
	Failure decode.Failure
}

type parserState uint8

const (
	stateHead      parserState = iota // reading the HTTP request or response head
	stateHeader                       // reading a frame header
	statePayload                      // skipping (or keeping) a frame's payload
	stateMaybeHTTP                    // a server frame header starts with 'H': is it "HTTP/"?
	stateHTTP                         // the server wrote an HTTP response where frames belong
	stateDone                         // stream is not WebSocket frames; stop parsing
)

// httpPrefix starts every HTTP/1.x response. As a frame header its first
// byte, 'H' (0x48), is a close frame without FIN, which is never legal, so
// a server frame starting with it is checked for an HTTP response instead.
const httpPrefix = "HTTP/"

// maxHTTPAfterUpgrade bounds how much of an HTTP response written after the
// 101 the parser keeps to show.
const maxHTTPAfterUpgrade = 8 << 10

// frameParser parses one direction of a WebSocket byte stream, HTTP head
// first, into frames. It is incremental: Feed takes whatever a Read or Write
// moved, so frames may be split across calls. It keeps no payload bytes but
// those of control frames.
type frameParser struct {
	dir   Direction
	state parserState
	// from is who writes the bytes, whose frames are judged by the rules
	// for that side; unjudged for the bytes gorilla writes for us.
	from peerRole

	head []byte // HTTP head accumulated so far

	hdr     [14]byte
	hdrLen  int
	cur     Frame
	remain  int64
	ctl     []byte // control payload being collected
	maskPos int

	fragmented bool // inside a fragmented data message
	compressed bool // the latest data message started with RSV1
	closeSeen  bool
	deflate    bool // permessage-deflate was negotiated; RSV1 is allowed
	headTooBig bool // the head passed maxHandshakeHead without ending

	// http holds the HTTP response that followed the 101 (stateHTTP), or
	// the bytes that may start one (stateMaybeHTTP). httpFed counts the
	// bytes of the current Feed that went to it: the response runs to the
	// end of the stream, so they are the tail of what Feed was given.
	http    []byte
	httpFed int

	// standInClose makes Feed rewrite the payload of the server's close
	// frames in place; see standInClosePayload.
	standInClose bool

	// fatal is the first violation that ends the connection; later ones
	// do not matter, since nothing after it is read. fatalQueued tells
	// whether its frame was complete and handed to onFrame, after which
	// the queue has it with its payload.
	fatal       *protocolViolation
	fatalQueued bool

	warnings    int
	onFrame     func(Frame)
	onViolation func(protocolViolation) // violations that do not end the connection
}

// maxWarnings stops a hostile stream from turning into a flood of reports.
const maxWarnings = 64

// peerRole is the side that wrote the bytes a parser reads.
type peerRole uint8

const (
	unjudged peerRole = iota
	fromServer
	fromClient
)

// newFrameParser parses what the client's connection reads (In: the
// server's bytes, judged) or writes (Out: gorilla's, trusted), HTTP head
// first.
func newFrameParser(dir Direction) *frameParser {
	p := &frameParser{dir: dir}
	if dir == In {
		p.from = fromServer
	}
	return p
}

// newRelayParser parses and judges frames that from writes once the
// upgrade is over, as wsdbg proxy relays them; deflate tells whether
// permessage-deflate was negotiated.
func newRelayParser(from peerRole, deflate bool) *frameParser {
	return &frameParser{dir: In, from: from, state: stateHeader, deflate: deflate}
}

// Feed parses b, which arrived at now.
func (p *frameParser) Feed(b []byte, now time.Time) {
	p.httpFed = 0
	p.parse(b, now)
}

func (p *frameParser) parse(b []byte, now time.Time) {
	for len(b) > 0 {
		switch p.state {
		case stateDone:
			return
		case stateHead:
			b = p.feedHead(b)
		case stateHeader:
			if p.hdrLen == 0 && b[0] == httpPrefix[0] && p.from == fromServer {
				p.state = stateMaybeHTTP
				continue
			}
			b = p.feedHeader(b, now)
		case statePayload:
			b = p.feedPayload(b)
		case stateMaybeHTTP:
			b = p.feedMaybeHTTP(b, now)
		case stateHTTP:
			p.httpFed += len(b)
			p.http = append(p.http, b[:min(len(b), maxHTTPAfterUpgrade-len(p.http))]...)
			return
		}
	}
}

// feedMaybeHTTP collects the first bytes of a server frame that starts like
// an HTTP response, and once there are enough to tell, either keeps them as
// one or parses them as the (illegal) frame they are.
func (p *frameParser) feedMaybeHTTP(b []byte, now time.Time) []byte {
	n := min(len(httpPrefix)-len(p.http), len(b))
	p.http = append(p.http, b[:n]...)
	p.httpFed += n
	b = b[n:]
	if len(p.http) < len(httpPrefix) {
		return b
	}
	if string(p.http) == httpPrefix {
		p.state = stateHTTP
		return b
	}
	held := p.http
	p.http, p.httpFed = nil, 0
	p.state = stateHeader
	p.parse(p.feedHeader(held, now), now)
	return b
}

func (p *frameParser) feedHead(b []byte) []byte {
	// The end marker may straddle two calls, so search the joined tail.
	start := len(p.head) - 3
	if start < 0 {
		start = 0
	}
	p.head = append(p.head, b...)
	i := bytes.Index(p.head[start:], []byte("\r\n\r\n"))
	if i < 0 {
		if len(p.head) > maxHandshakeHead {
			p.state, p.head, p.headTooBig = stateDone, nil, true
		}
		return nil
	}
	end := start + i + 4
	// The rest is taken from b, not from the copy in p.head: Feed may
	// rewrite frame bytes in place (see standInClosePayload).
	rest := b[len(b)-(len(p.head)-end):]
	head := p.head[:end]
	p.head = nil
	if p.from == fromServer && !isSwitchingProtocols(head) {
		p.state = stateDone
		return nil
	}
	if p.from == fromServer {
		p.deflate = negotiatedDeflate(head)
	}
	p.state = stateHeader
	return rest
}

func isSwitchingProtocols(head []byte) bool {
	return bytes.HasPrefix(head, []byte("HTTP/1.1 101")) || bytes.HasPrefix(head, []byte("HTTP/1.0 101"))
}

func negotiatedDeflate(head []byte) bool {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head)), nil)
	if err != nil {
		return false
	}
	return deflateAnswerOf(resp.Header.Values("Sec-Websocket-Extensions")).on
}

func (p *frameParser) feedHeader(b []byte, now time.Time) []byte {
	need := 2
	if p.hdrLen >= 2 {
		need = headerSize(p.hdr[0], p.hdr[1])
	}
	for p.hdrLen < need && len(b) > 0 {
		n := copy(p.hdr[p.hdrLen:need], b)
		p.hdrLen += n
		b = b[n:]
		if p.hdrLen == 2 {
			need = headerSize(p.hdr[0], p.hdr[1])
		}
	}
	if p.hdrLen < need {
		return b
	}
	p.decodeHeader(now)
	p.hdrLen = 0
	p.checkHeader()
	if p.cur.Opcode.IsControl() {
		p.ctl = p.ctl[:0]
		p.maskPos = 0
	}
	if p.remain == 0 {
		p.finishFrame()
		return b
	}
	p.state = statePayload
	return b
}

func headerSize(b0, b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

func (p *frameParser) decodeHeader(now time.Time) {
	h := p.hdr[:]
	f := Frame{
		Time:   now,
		Dir:    p.dir,
		FIN:    h[0]&0x80 != 0,
		RSV:    (h[0] >> 4) & 0x7,
		Opcode: Opcode(h[0] & 0x0f),
		Masked: h[1]&0x80 != 0,
	}
	n := 2
	length := int64(h[1] & 0x7f)
	switch length {
	case 126:
		length = int64(binary.BigEndian.Uint16(h[2:4]))
		f.LenBytes = 2
		n = 4
	case 127:
		u := binary.BigEndian.Uint64(h[2:10])
		f.LenBytes = 8
		n = 10
		if u > 1<<62 {
			// Keeps arithmetic safe; the most significant bit is a violation anyway.
			length = 1 << 62
		} else {
			length = int64(u)
		}
	}
	if f.Masked {
		copy(f.MaskKey[:], h[n:n+4])
		n += 4
	}
	f.Length = length
	f.HeaderLen = uint8(n)
	p.cur = f
	p.remain = length
}

// checkHeader names every violation visible in a frame header. The
// client's own frames are not judged: they come from gorilla.
func (p *frameParser) checkHeader() {
	if p.from == unjudged {
		p.trackFragments()
		return
	}
	f := p.cur
	h := p.hdr[:]
	if p.closeSeen {
		p.warn(decode.CauseDataAfterClose, 1002, "frame after the close frame")
	}
	rsv1 := f.RSV&0x4 != 0
	switch {
	case rsv1 && !p.deflate:
		p.violate(decode.CauseRSVWithoutExtension, 1002, "RSV1 set without a negotiated extension")
	case rsv1 && (f.Opcode.IsControl() || f.Opcode == OpContinuation):
		// gorilla lets this pass once compression is on.
		p.warn(decode.CauseRSVWithoutExtension, 1002, "RSV1 set on a frame that is not the first of a message")
	}
	if f.RSV&0x3 != 0 {
		p.violate(decode.CauseRSVWithoutExtension, 1002, "RSV2/RSV3 set without a negotiated extension")
	}
	if (f.Opcode >= 0x3 && f.Opcode <= 0x7) || f.Opcode >= 0xB {
		p.violate(decode.CauseReservedOpcode, 1002, "reserved opcode 0x"+hexDigit(byte(f.Opcode)))
	}
	if f.Opcode.IsControl() {
		if !f.FIN {
			p.violate(decode.CauseFragmentedControl, 1002, "control frame without FIN")
		}
		if f.Length > maxControlPayload {
			p.violate(decode.CauseOversizedControl, 1002, "control frame payload over 125 bytes")
		}
	}
	switch {
	case f.Masked && p.from == fromServer:
		p.violate(decode.CauseMaskedServerFrame, 1002, "server frame is masked")
	case !f.Masked && p.from == fromClient:
		p.violate(decode.CauseUnmaskedClientFrame, 1002, "client frame is not masked")
	}
	switch {
	case f.LenBytes == 2 && f.Length < 126:
		p.warn(decode.CauseNonMinimalLength, 1002, "16-bit length used for a payload under 126 bytes")
	case f.LenBytes == 8 && h[2]&0x80 != 0:
		p.warn(decode.CauseNonMinimalLength, 1002, "64-bit length with the most significant bit set")
	case f.LenBytes == 8 && f.Length <= 0xffff:
		p.warn(decode.CauseNonMinimalLength, 1002, "64-bit length used for a payload under 65536 bytes")
	}
	switch f.Opcode {
	case OpContinuation:
		if !p.fragmented {
			p.violate(decode.CauseUnexpectedContinue, 1002, "continuation frame without a message to continue")
		}
	case OpText, OpBinary:
		if p.fragmented {
			p.violate(decode.CauseDataInsideFragmented, 1002, "new data frame before the fragmented message finished")
		}
	}
	p.trackFragments()
}

func (p *frameParser) trackFragments() {
	switch p.cur.Opcode {
	case OpText, OpBinary:
		p.compressed = p.cur.RSV&0x4 != 0
		p.fragmented = !p.cur.FIN
	case OpContinuation:
		p.fragmented = !p.cur.FIN
	}
}

func hexDigit(b byte) string { return string("0123456789ABCDEF"[b&0xf]) }

func (p *frameParser) feedPayload(b []byte) []byte {
	n := int64(len(b))
	if n > p.remain {
		n = p.remain
	}
	if p.cur.Opcode.IsControl() && len(p.ctl) < maxControlPayload {
		keep := b[:min(int(n), maxControlPayload-len(p.ctl))]
		start := len(p.ctl)
		p.ctl = append(p.ctl, keep...)
		if p.cur.Masked {
			for i := start; i < len(p.ctl); i++ {
				p.ctl[i] ^= p.cur.MaskKey[p.maskPos&3]
				p.maskPos++
			}
		}
	}
	if p.standInClose && p.cur.Opcode == OpClose {
		standInClosePayload(b[:n], p.cur.Length-p.remain)
	}
	p.remain -= n
	b = b[n:]
	if p.remain == 0 {
		p.finishFrame()
	}
	return b
}

// standInClosePayload overwrites the part of a close frame's payload that
// starts at offset at with code 1000 and a reason of 'x's.
//
// gorilla judges close frames by its own table, which rejects 1014, a legal
// code, and answers every close it dislikes with a 1002 of its own. The tap
// is the judge instead: gorilla is handed a close it always accepts, of the
// same length, and the session reads the real code and reason from the
// tap's copy of the frame (Frame.payload), decides whether they are legal
// and answers itself. The bytes are rewritten as they pass through Read,
// before gorilla sees them, so a payload split across reads is handled
// byte by byte.
func standInClosePayload(b []byte, at int64) {
	for i := range b {
		switch at + int64(i) {
		case 0:
			b[i] = 1000 >> 8
		case 1:
			b[i] = 1000 & 0xff
		default:
			b[i] = 'x'
		}
	}
}

func (p *frameParser) finishFrame() {
	f := p.cur
	if f.Opcode.IsControl() {
		f.payload = append([]byte(nil), p.ctl...)
	}
	p.cur = f
	if f.Opcode == OpClose {
		if p.from != unjudged {
			p.checkClose(f.payload)
		}
		p.closeSeen = true
	}
	p.state = stateHeader
	// The fatal frame, if any, is the first to finish after it was judged.
	p.fatalQueued = p.fatal != nil
	if p.onFrame != nil {
		p.onFrame(f)
	}
}

func (p *frameParser) checkClose(payload []byte) {
	if len(payload) == 1 {
		p.warn(decode.CauseOneByteClose, 1002, "close frame with a 1-byte payload")
		return
	}
	if f, bad := closeViolation(payload); bad {
		p.violate(f.Cause, f.Code, f.Message)
	}
}

// closeViolation judges a close frame's payload by RFC 6455 §7.4 and the
// IANA registry: 1000–1003, 1007–1014 and 3000–4999 may be sent, other
// codes may not, and the reason must be UTF-8.
func closeViolation(payload []byte) (decode.Failure, bool) {
	if len(payload) < 2 {
		return decode.Failure{}, false
	}
	f := decode.Failure{Kind: decode.KindProtocol, Opcode: int(OpClose), Length: int64(len(payload))}
	code := int(binary.BigEndian.Uint16(payload))
	switch {
	case !decode.ValidOnWire(code):
		f.Cause, f.Code, f.Message = decode.CauseInvalidCloseCode, 1002, "close code "+strconv.Itoa(code)+" is not allowed on the wire"
	case !utf8.Valid(payload[2:]):
		f.Cause, f.Code, f.Message = decode.CauseInvalidUTF8Reason, 1007, "close reason is not valid UTF-8"
	default:
		return decode.Failure{}, false
	}
	return f, true
}

// violate records a violation that ends the connection: gorilla fails it,
// or the session does. Only the first counts.
func (p *frameParser) violate(cause string, code int, msg string) {
	if p.fatal == nil {
		v := p.violation(cause, code, msg)
		p.fatal = &v
	}
}

// warn reports a violation the connection survives.
func (p *frameParser) warn(cause string, code int, msg string) {
	p.warnings++
	if p.warnings > maxWarnings || p.onViolation == nil {
		return
	}
	p.onViolation(p.violation(cause, code, msg))
}

func (p *frameParser) violation(cause string, code int, msg string) protocolViolation {
	return protocolViolation{
		Frame: p.cur,
		Failure: decode.Failure{
			Kind:    decode.KindProtocol,
			Cause:   cause,
			Code:    code,
			Message: msg,
			Opcode:  int(p.cur.Opcode),
			Length:  p.cur.Length,
		},
	}
}

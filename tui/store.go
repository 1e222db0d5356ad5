package tui

import (
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// The log keeps every event of a session. It is append-only and sized for
// millions of rows: a row is a small fixed-size struct, payload bytes live
// once in large pointer-free chunks, and nothing per row is a Go pointer the
// garbage collector must chase. Rare details (close reasons, failures, open
// handshakes, error envelopes) go to a side table.

const (
	blockBits    = 12 // rows and frame facts are stored in blocks of 4096
	blockSize    = 1 << blockBits
	arenaChunk   = 1 << 20  // payload bytes are packed into 1 MiB chunks
	ownChunkSize = 64 << 10 // payloads at least this big get a chunk of their own
	pageChunk    = 16 << 10 // payload chunks of a store for a few hundred rows
)

// chunked is an append-only sequence stored in fixed-size blocks, so growing
// it never copies what is already there.
type chunked[T any] struct {
	blocks [][]T
	n      int
	small  bool // the first block starts small and grows
}

func (c *chunked[T]) push(v T) int {
	if c.n&(blockSize-1) == 0 {
		size := blockSize
		if c.small && c.n == 0 {
			size = lazyPageSize
		}
		c.blocks = append(c.blocks, make([]T, 0, size))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
	return c.n - 1
}

func (c *chunked[T]) at(i int) *T { return &c.blocks[i>>blockBits][i&(blockSize-1)] }

func (c *chunked[T]) len() int { return c.n }

// payloadRef locates a payload in the arena.
type payloadRef struct {
	chunk, off, n uint32
}

// arena stores payload bytes back to back in large chunks.
type arena struct {
	chunks    [][]byte
	cur       int // the chunk small payloads are appended to, -1 before the first
	chunkSize int // of the chunks small payloads share; 0 is arenaChunk
}

func (a *arena) add(p []byte) payloadRef {
	if len(p) == 0 {
		return payloadRef{}
	}
	if len(p) >= ownChunkSize {
		a.chunks = append(a.chunks, append([]byte(nil), p...))
		return payloadRef{chunk: uint32(len(a.chunks) - 1), n: uint32(len(p))}
	}
	size := a.chunkSize
	if size == 0 {
		size = arenaChunk
	}
	if len(a.chunks) == 0 || a.cur < 0 || len(a.chunks[a.cur])+len(p) > size {
		a.chunks = append(a.chunks, make([]byte, 0, size))
		a.cur = len(a.chunks) - 1
	}
	off := len(a.chunks[a.cur])
	a.chunks[a.cur] = append(a.chunks[a.cur], p...)
	return payloadRef{chunk: uint32(a.cur), off: uint32(off), n: uint32(len(p))}
}

func (a *arena) get(r payloadRef) []byte {
	if r.n == 0 {
		return nil
	}
	c := a.chunks[r.chunk]
	return c[r.off : r.off+r.n : r.off+r.n]
}

// rowFlags mark what a row is and what it is linked to.
type rowFlags uint8

const (
	flagEnvelope  rowFlags = 1 << iota // an application error envelope
	flagViolation                      // a protocol violation
	flagFinal                          // close or error that ended the session
	flagHasCode                        // close frame carried a code
	flagReply                          // answers an earlier request (link points at it)
	flagRequest                        // was answered (link points at the first reply)
	flagDiff                           // a reply that differs from the recording being replayed
)

// row is one line of the frame log.
type row struct {
	at      int64 // wall clock, Unix nanoseconds
	payload payloadRef
	frame   uint32 // first frame fact in store.frames
	nframes uint32
	extra   int32 // index into store.extras, -1 when none
	link    int32 // the linked request or reply, -1 when none
	code    int32 // close code, or the numeric code of an error envelope
	typ     conn.EventType
	dir     conn.Direction
	op      conn.Opcode
	flags   rowFlags
	leg     conn.Leg // a proxied connection's side the event is about
	// injected marks what the user made happen on a proxied connection:
	// a close or drop wsdbg sent, a message it swallowed, a pause.
	injected bool
}

func (r *row) has(f rowFlags) bool { return r.flags&f != 0 }

func (r *row) time() time.Time { return time.Unix(0, r.at) }

// isMessage reports whether the row is a data message or control frame, as
// opposed to a connection event.
func (r *row) isMessage() bool { return r.typ == conn.EventMessage || r.typ == conn.EventFrame }

// isError reports whether the row belongs in the "errors only" view, which
// also gathers the replies that differ from a replayed recording.
func (r *row) isError() bool {
	switch {
	case r.typ == conn.EventError, r.has(flagEnvelope), r.has(flagViolation), r.has(flagDiff):
		return true
	case r.typ == conn.EventClose:
		return r.code != 1000 && r.code != 1001 && r.code != 1005
	}
	return r.typ == conn.EventWarning
}

// rowExtra holds what only some rows have.
type rowExtra struct {
	event    *conn.Event // connection events, closes, failures; Payload and Frames dropped
	envelope *decode.Envelope
	note     string           // wsdbg's own word, sanitised, on a row no connection reported
	packet   string           // sanitised: the protocol packet a message carried, its protocol and summary
	fields   []protocol.Field // the packet's decoded fields, as the annotation has them (not yet sanitised)
}

// packedFrame is a conn.Frame as the log stores it: packed into a few
// dozen bytes, since a log holds a million of them; store.event turns it
// back into the conn.Frame.
type packedFrame struct {
	length   int64
	offset   int32 // microseconds from the row's time (frames precede their message)
	mask     [4]byte
	op       conn.Opcode
	bits     uint8 // FIN<<7 | masked<<6 | RSV1<<2 | RSV2<<1 | RSV3
	lenBytes uint8
	header   uint8
}

func packFrame(f conn.Frame, rowTime time.Time) packedFrame {
	bits := f.RSV & 0x7
	if f.FIN {
		bits |= 0x80
	}
	if f.Masked {
		bits |= 0x40
	}
	off := int64(0)
	if !f.Time.IsZero() {
		off = f.Time.Sub(rowTime).Microseconds()
	}
	off = max(min(off, 1<<31-1), -1<<31)
	return packedFrame{length: f.Length, offset: int32(off), mask: f.MaskKey, op: f.Opcode,
		bits: bits, lenBytes: f.LenBytes, header: f.HeaderLen}
}

func (f packedFrame) fin() bool    { return f.bits&0x80 != 0 }
func (f packedFrame) masked() bool { return f.bits&0x40 != 0 }
func (f packedFrame) rsv() uint8   { return f.bits & 0x7 }

// store is the session's log. A recording being browsed has a lazy store:
// its rows are the recording's, decoded on demand (see lazyRows), and
// nothing is appended to it.
type store struct {
	rows   chunked[row]
	frames chunked[packedFrame]
	extras []rowExtra
	bytes  arena
	lazy   *lazyRows
}

func newStore() *store { return &store{bytes: arena{cur: -1}} }

// newPageStore is a store for a few hundred rows: it allocates for that
// many, and grows if it must.
func newPageStore() *store {
	return &store{rows: chunked[row]{small: true}, frames: chunked[packedFrame]{small: true},
		bytes: arena{cur: -1, chunkSize: pageChunk}}
}

func (s *store) len() int {
	if s.lazy != nil {
		return s.lazy.n
	}
	return s.rows.len()
}

func (s *store) row(i int) *row {
	if s.lazy != nil {
		pg, k := s.lazy.page(i)
		return pg.row(k)
	}
	return s.rows.at(i)
}

func (s *store) payload(i int) []byte {
	if s.lazy != nil {
		pg, k := s.lazy.page(i)
		return pg.payload(k)
	}
	return s.bytes.get(s.rows.at(i).payload)
}

func (s *store) extra(i int) rowExtra {
	if s.lazy != nil {
		pg, k := s.lazy.page(i)
		return pg.extra(k)
	}
	r := s.rows.at(i)
	if r.extra < 0 {
		return rowExtra{}
	}
	return s.extras[r.extra]
}

func (s *store) addExtra(x rowExtra) int32 {
	s.extras = append(s.extras, x)
	return int32(len(s.extras) - 1)
}

func (s *store) framesOf(i int) []packedFrame {
	if s.lazy != nil {
		pg, k := s.lazy.page(i)
		return pg.framesOf(k)
	}
	r := s.rows.at(i)
	out := make([]packedFrame, 0, r.nframes)
	for k := uint32(0); k < r.nframes; k++ {
		out = append(out, *s.frames.at(int(r.frame + k)))
	}
	return out
}

// event rebuilds the conn.Event a row was made from, for copying and bug
// reports.
func (s *store) event(i int) conn.Event {
	if s.lazy != nil {
		pg, k := s.lazy.page(i)
		return pg.event(k)
	}
	r := s.rows.at(i)
	var ev conn.Event
	if x := s.extra(i); x.event != nil {
		ev = *x.event
	} else if x.envelope != nil {
		ev.Note = &conn.Note{Envelope: x.envelope}
	}
	ev.Type, ev.Time, ev.Dir, ev.Opcode = r.typ, r.time(), r.dir, r.op
	ev.Leg, ev.Injected = r.leg, r.injected
	if r.injected && r.isMessage() {
		ev.Action = "swallow" // the only fault that leaves a message
	}
	ev.Payload = append([]byte(nil), s.payload(i)...)
	for _, f := range s.framesOf(i) {
		ev.Frames = append(ev.Frames, conn.Frame{
			Time: r.time().Add(time.Duration(f.offset) * time.Microsecond), Dir: r.dir,
			FIN: f.fin(), RSV: f.rsv(), Opcode: f.op, Masked: f.masked(), MaskKey: f.mask,
			Length: f.length, LenBytes: f.lenBytes, HeaderLen: f.header,
		})
	}
	return ev
}

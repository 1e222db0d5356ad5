package conn

import (
	"compress/flate"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

func (s *session) readLoop(warnings <-chan protocolViolation) {
	defer close(s.readerDone)
	flushWarnings := func() {
		for {
			select {
			case v := <-warnings:
				f := v.Failure
				s.c.emit(Event{Type: EventWarning, Dir: In, Opcode: v.Frame.Opcode, Frames: []Frame{v.Frame}, Failure: &f})
			default:
				return
			}
		}
	}
	for {
		op, data, tooBig, err := s.nextMessage()
		flushWarnings()
		if tooBig {
			s.messageTooBig()
			return
		}
		if err != nil {
			s.readFailed(err)
			return
		}
		frames, count := s.tap.takeMessage(In)
		ev := Event{Type: EventMessage, Dir: In, Opcode: Opcode(op), Payload: data, Frames: frames, FrameCount: count}
		if n := len(ev.Frames); n > 0 {
			s.awaitWriter(ev.Frames[n-1].Time)
		}
		s.c.emit(ev)
		if op == websocket.TextMessage && !utf8.Valid(data) {
			s.c.emit(Event{Type: EventWarning, Dir: In, Opcode: OpText, Failure: &decode.Failure{
				Kind: decode.KindProtocol, Cause: decode.CauseInvalidUTF8Text, Code: 1007,
				Message: "text message is not valid UTF-8", Opcode: int(OpText), Length: int64(len(data)),
			}})
		}
	}
}

// nextMessage reads the next data message, reporting tooBig rather than
// reading past MaxMessage bytes of it. gorilla's own read limit counts the
// bytes on the wire, which for a compressed message can be a thousandth of
// what they inflate to, so the limit is applied to what the reader yields:
// the decompressed bytes of every fragment together.
func (s *session) nextMessage() (op int, data []byte, tooBig bool, err error) {
	op, r, err := s.ws.NextReader()
	if err != nil {
		return op, nil, false, err
	}
	if s.readBuf == nil {
		s.readBuf = make([]byte, 0, readBufSize)
	}
	data, tooBig, err = readAtMost(r, s.c.opts.MaxMessage, s.readBuf)
	if &data[:1][0] == &s.readBuf[:1][0] {
		// Read into the buffer: the message gets an array of its own
		// size, and the buffer serves the next one.
		data = append(make([]byte, 0, len(data)), data...)
	}
	return op, data, tooBig, err
}

// readBufSize is the reader's buffer. Messages that fit (most) are read
// into it and copied out at their size, which costs less than growing an
// array for each; larger ones are read into arrays of their own.
const readBufSize = 16 << 10

// readAtMost reads r to its end into buf's array, or stops once it has
// read more than limit bytes and reports tooBig. When the array is full,
// a new one twice its size takes over, but never one past limit+1 bytes,
// so reading costs at most about twice the message, or twice the limit,
// in allocations.
func readAtMost(r io.Reader, limit int64, buf []byte) (data []byte, tooBig bool, err error) {
	b := buf[:0:min(int64(cap(buf)), limit+1)]
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > limit {
				return b, true, nil
			}
			grown := make([]byte, len(b), min(2*int64(cap(b)), limit+1))
			copy(grown, b)
			b = grown
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, false, nil
		}
		if err != nil {
			return b, false, err
		}
	}
}

// messageTooBig fails the connection with 1009 for a message that passed
// MaxMessage while it was read.
func (s *session) messageTooBig() {
	limit := strconv.FormatInt(s.c.opts.MaxMessage, 10)
	f := decode.Failure{Kind: decode.KindLimit, Cause: decode.CauseMessageTooBig, Code: websocket.CloseMessageTooBig,
		Limit: s.c.opts.MaxMessage, URL: s.c.opts.URL, Message: "the message passed the " + limit + "-byte limit"}
	if s.tap.readingCompressed() {
		f.Cause, f.Message = decode.CauseInflateTooBig, "the compressed message inflated past the "+limit+"-byte limit"
	}
	frames := s.tap.drain(In)
	if fr, ok := s.tap.partialFrame(); ok {
		frames = append(frames, fr)
	}
	s.failRead(f, frames)
}

// failRead ends the connection for a failure found while reading: it sends
// a close frame with the failure's code and message, unless one went out
// already, and reports the failure with the frames it concerns and the
// close sent.
func (s *session) failRead(f decode.Failure, frames []Frame) {
	s.failed.Store(true)
	if !s.localClose.Swap(true) {
		// The messages are ASCII, so cutting them keeps them UTF-8.
		payload := websocket.FormatCloseMessage(f.Code, f.Message[:min(len(f.Message), maxControlPayload-2)])
		if s.ws.WriteControl(websocket.CloseMessage, payload, time.Now().Add(writeWait)) == nil {
			s.lastOut.Store(time.Now().UnixNano())
			if cf, ok := s.tap.takeControl(Out, OpClose); ok {
				frames = append(frames, cf)
			}
		}
	}
	idle := s.idle()
	f.IdleSeconds, f.PingsOn = idle.Seconds(), s.c.opts.PingInterval > 0
	s.c.emit(Event{Type: EventError, Dir: In, Failure: &f, Frames: frames, Code: f.Code, Idle: idle, PingsOn: f.PingsOn,
		Final: s.ending(true)})
}

// awaitWriter keeps the log in wire order: a reply can arrive before the
// writer has reported the message it answers. When a write began before
// the reply arrived and is not reported yet, give the writer a moment,
// once per write.
func (s *session) awaitWriter(arrived time.Time) {
	started := s.writeStarted.Load()
	if started == 0 || started > arrived.UnixNano() || started == s.writeAwaited {
		return
	}
	deadline := time.Now().Add(maxWriterWait)
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Microsecond)
		if s.writeStarted.Load() != started {
			return
		}
	}
	s.writeAwaited = started
}

// httpAfterUpgradeWait is how long a failed reader waits for the rest of an
// HTTP response the server wrote after its 101.
const httpAfterUpgradeWait = 250 * time.Millisecond

// readFailed reports why reading failed. The tap's view of the bytes
// decides: gorilla's error only tells what gorilla stumbled on.
func (s *session) readFailed(err error) {
	select {
	case <-s.ended:
		return // we are tearing down; the error is our own doing
	default:
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && s.remoteClose.Load() {
		return // a close, already reported by onClose
	}
	idle := s.idle()
	f := decode.Failure{Message: err.Error(), URL: s.c.opts.URL, IdleSeconds: idle.Seconds(), PingsOn: s.c.opts.PingInterval > 0}
	var frames []Frame
	if raw, ok := s.tap.httpAfterUpgrade(httpAfterUpgradeWait); ok {
		classifyHTTPAfterUpgrade(&f, raw)
	} else if fatal, queued := s.tap.fatalViolation(); fatal != nil && !errors.Is(err, websocket.ErrReadLimit) {
		vf := fatal.Failure
		vf.URL, vf.IdleSeconds, vf.PingsOn = f.URL, f.IdleSeconds, f.PingsOn
		f = vf
		if !queued {
			frames = []Frame{fatal.Frame}
		}
	} else {
		classifyReadError(&f, err, s.localClose.Load(), s.c.opts)
	}
	s.failed.Store(true)
	frames = append(frames, s.tap.drain(In)...)
	s.c.emit(Event{Type: EventError, Dir: In, Failure: &f, Frames: frames, Code: f.Code, Idle: idle, PingsOn: f.PingsOn,
		Final: s.ending(true)})
}

// classifyReadError names a read error the tap saw no cause for in the
// bytes; closeSent tells whether the client was waiting for the answer to
// its close frame.
func classifyReadError(f *decode.Failure, err error, closeSent bool, o Options) {
	var (
		corrupt  flate.CorruptInputError
		internal flate.InternalError
	)
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		f.Kind, f.Cause, f.Code, f.Limit = decode.KindLimit, decode.CauseMessageTooBig, 1009, o.MaxMessage
	case errors.As(err, &corrupt), errors.As(err, &internal):
		f.Kind, f.Cause, f.Code = decode.KindProtocol, decode.CauseBadDeflate, 1007
	case isTimeout(err):
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseIdleTimeout, 1006
		if o.PingInterval > 0 {
			f.Cause = decode.CausePongTimeout
		}
	case closeSent:
		classifyTransport(f, unwrapClose(err))
		f.Message = "the server did not answer the close frame within " + decode.HumanDuration(closeWait) + ": " + err.Error()
	case !isTransportError(err):
		// gorilla refused something the tap found legal: say no more
		// than that.
		f.Kind, f.Code = decode.KindProtocol, 1002
	default:
		classifyTransport(f, unwrapClose(err))
	}
}

// isTransportError reports whether err came from the connection rather than
// from gorilla's judgement of the bytes.
func isTransportError(err error) bool {
	var (
		ce *websocket.CloseError
		ne net.Error
		en syscall.Errno
	)
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.As(err, &en) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isTLSError(err)
}

// unwrapClose maps gorilla's synthetic 1006 CloseError (for an EOF) back to
// the EOF it stands for.
func unwrapClose(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure {
		return io.ErrUnexpectedEOF
	}
	return err
}

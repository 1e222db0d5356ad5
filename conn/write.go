package conn

import (
	"strconv"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

func (s *session) writeLoop() {
	var tick <-chan time.Time
	p := s.c.opts.PingInterval
	if p > 0 {
		ticker := time.NewTicker(p)
		defer ticker.Stop()
		tick = ticker.C
	}
	if !s.halves.awaitGate(s.write) {
		return
	}
	for {
		for {
			o, ok := s.c.nextToSend()
			if !ok {
				break
			}
			ok = s.write(o)
			s.c.sendDone(o)
			if !ok {
				return
			}
		}
		if req, ok := s.c.takeCloseWhenSent(); ok {
			s.sendClose(req.code, req.reason)
		}
		select {
		case <-s.ended:
			return
		case <-s.readerDone:
			return
		case <-s.c.wake:
		case <-tick:
			if !s.write(outgoing{op: OpPing, payload: []byte(s.pings.newPayload())}) {
				return
			}
		}
	}
}

// write sends one item; false means the connection is unusable.
func (s *session) write(o outgoing) bool {
	now := time.Now()
	s.progressAt.Store(now.UnixNano())
	s.sentOfCurrent.Store(0)
	s.writeStarted.Store(now.UnixNano())
	defer s.writeStarted.Store(0)
	if s.localClose.Load() {
		return true // nothing may follow a close frame; drop silently
	}
	if o.op == OpPing {
		s.pings.sent(string(o.payload), now, s.pingMemory())
	}
	var err error
	if o.op.IsControl() {
		err = s.ws.WriteControl(int(o.op), o.payload, now.Add(s.c.timing.writeTimeout))
	} else {
		err = s.writeData(o)
	}
	if err != nil {
		s.writeFailed(o, err)
		s.tap.drain(Out)
		return false
	}
	s.lastOut.Store(time.Now().UnixNano())
	var frames []Frame
	count := 1
	if o.op.IsControl() {
		if f, ok := s.tap.takeControl(Out, o.op); ok {
			frames = []Frame{f}
		}
	} else {
		frames, count = s.tap.takeMessage(Out)
	}
	s.c.emit(Event{Type: EventMessage, Dir: Out, Opcode: o.op, Payload: o.payload, Frames: frames, FrameCount: count, Auto: o.auto})
	return true
}

// writeData writes a data message a chunk at a time, noting progress, so
// that only a write that moves nothing for writeTimeout fails, however
// large the message.
func (s *session) writeData(o outgoing) error {
	w, err := s.ws.NextWriter(int(o.op))
	if err != nil {
		return err
	}
	for rest := o.payload; ; {
		n := min(len(rest), writeChunk)
		s.ws.SetWriteDeadline(time.Now().Add(s.c.timing.writeTimeout))
		if _, err := w.Write(rest[:n]); err != nil {
			return err
		}
		if rest = rest[n:]; len(rest) == 0 {
			break
		}
		s.sentOfCurrent.Add(int64(n))
		s.progressAt.Store(time.Now().UnixNano())
	}
	return w.Close()
}

// writeFailed reports a write that failed, unless the connection is being
// torn down anyway, and ends the connection.
func (s *session) writeFailed(o outgoing, err error) {
	select {
	case <-s.ended:
		return
	default:
	}
	if s.localClose.Load() {
		// Our close frame went out before all of this message had.
		sent := s.sentOfCurrent.Load()
		s.c.emit(Event{Type: EventWarning, Dir: Out, Failure: &decode.Failure{
			Kind: decode.KindTransport, Cause: decode.CauseUnsentDropped, URL: s.c.opts.URL,
			Waiting: 1, WaitingBytes: int64(len(o.payload)) - sent,
			Message: "the close went out before all of a " + o.op.String() + " message had: " +
				strconv.FormatInt(sent, 10) + " of its " + strconv.Itoa(len(o.payload)) + " bytes had gone",
		}})
		return
	}
	f := decode.Failure{Message: err.Error(), URL: s.c.opts.URL}
	if isTimeout(err) {
		n, bytes := s.c.waiting(s.sentOfCurrent.Load())
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseWriteTimeout, 1006
		f.Waiting, f.WaitingBytes = n, bytes
		f.StalledSeconds = time.Since(time.Unix(0, s.progressAt.Load())).Seconds()
		f.Message = "the server stopped reading; " + strconv.FormatInt(bytes, 10) + " bytes were waiting (" + err.Error() + ")"
	} else {
		classifyTransport(&f, err)
	}
	if !s.failed.Swap(true) {
		s.c.emit(Event{Type: EventError, Dir: Out, Failure: &f, Code: f.Code, Idle: s.idle(), Final: s.ending(true)})
	}
	// Stop first, so that the read this breaks is not reported as well.
	s.stop()
	s.ws.NetConn().Close()
}

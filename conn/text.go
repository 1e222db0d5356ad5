package conn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wsdbg/wsdbg/internal/timefmt"
)

// Event types, directions and opcodes are written as words in recordings
// and `tail --json` lines: "message", "in", "text". Reserved opcodes are
// written in hex ("0xb") so that the number survives a round trip.

var eventTypes = [...]EventType{EventOpen, EventMessage, EventFrame, EventClose, EventError, EventWarning, EventReconnect, EventInject}

// AppendText appends the event type's name; an unknown type is an error.
func (t EventType) AppendText(b []byte) ([]byte, error) {
	s := t.String()
	if s == "unknown" {
		return b, fmt.Errorf("unknown event type %d", uint8(t))
	}
	return append(b, s...), nil
}

// MarshalText writes the event type's name.
func (t EventType) MarshalText() ([]byte, error) { return t.AppendText(nil) }

// UnmarshalText reads an event type's name.
func (t *EventType) UnmarshalText(text []byte) error {
	for _, known := range eventTypes {
		if string(text) == known.String() {
			*t = known
			return nil
		}
	}
	if len(text) == 0 {
		return fmt.Errorf(`no event type`)
	}
	return fmt.Errorf("unknown event type %q (written by a newer wsdbg?)", text)
}

// MarshalText writes "client" or "server"; LegNone writes nothing.
func (l Leg) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads "client", "server" or nothing.
func (l *Leg) UnmarshalText(text []byte) error {
	switch string(text) {
	case "client":
		*l = LegClient
	case "server":
		*l = LegServer
	case "":
		*l = LegNone
	default:
		return fmt.Errorf(`"leg" must be "client" or "server", not %q`, text)
	}
	return nil
}

// AppendText appends "in" or "out"; a direction that is neither is an error.
func (d Direction) AppendText(b []byte) ([]byte, error) {
	if d != In && d != Out {
		return b, fmt.Errorf("no direction")
	}
	return append(b, d.String()...), nil
}

// MarshalText writes "in" or "out".
func (d Direction) MarshalText() ([]byte, error) { return d.AppendText(nil) }

// UnmarshalText reads "in" or "out".
func (d *Direction) UnmarshalText(text []byte) error {
	switch string(text) {
	case "in":
		*d = In
	case "out":
		*d = Out
	default:
		return fmt.Errorf(`"dir" must be "in" or "out", not %q`, text)
	}
	return nil
}

// AppendText appends the opcode's name, or a reserved opcode in hex ("0xb").
func (o Opcode) AppendText(b []byte) ([]byte, error) {
	if o > 0xF {
		return b, fmt.Errorf("opcode %d is more than 4 bits", uint8(o))
	}
	if s := o.String(); s != "reserved" {
		return append(b, s...), nil
	}
	return append(b, '0', 'x', "0123456789abcdef"[o]), nil
}

// MarshalText writes the opcode's name, or a reserved opcode in hex.
func (o Opcode) MarshalText() ([]byte, error) { return o.AppendText(nil) }

// UnmarshalText reads an opcode's name or a hex number such as "0xb".
func (o *Opcode) UnmarshalText(text []byte) error {
	for op := OpContinuation; op <= 0xF; op++ {
		if s := op.String(); s != "reserved" && string(text) == s {
			*o = op
			return nil
		}
	}
	if hex, ok := strings.CutPrefix(strings.ToLower(string(text)), "0x"); ok {
		if n, err := strconv.ParseUint(hex, 16, 4); err == nil {
			*o = Opcode(n)
			return nil
		}
	}
	return fmt.Errorf("unknown opcode %q", text)
}

// AppendJSON appends the frame as recordings write it: fin, rsv, opcode,
// masked, len, len_bytes and time, in that order. It does not allocate.
func (f Frame) AppendJSON(b []byte) []byte {
	b = append(b, `{"fin":`...)
	b = strconv.AppendBool(b, f.FIN)
	b = append(b, `,"rsv":`...)
	b = strconv.AppendUint(b, uint64(f.RSV), 10)
	b = append(b, `,"opcode":"`...)
	b, _ = f.Opcode.AppendText(b)
	b = append(b, `","masked":`...)
	b = strconv.AppendBool(b, f.Masked)
	b = append(b, `,"len":`...)
	b = strconv.AppendInt(b, f.Length, 10)
	b = append(b, `,"len_bytes":`...)
	b = strconv.AppendUint(b, uint64(f.LenBytes), 10)
	b = append(b, `,"time":"`...)
	b = timefmt.AppendRFC3339Nano(b, f.Time)
	return append(b, '"', '}')
}

// MarshalJSON writes the frame as AppendJSON does.
func (f Frame) MarshalJSON() ([]byte, error) { return f.AppendJSON(nil), nil }

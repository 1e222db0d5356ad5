package conn

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEventWordsRoundTrip(t *testing.T) {
	words := map[string]EventType{"open": EventOpen, "message": EventMessage, "frame": EventFrame, "close": EventClose,
		"error": EventError, "warning": EventWarning, "reconnect": EventReconnect}
	for word, typ := range words {
		got, err := typ.MarshalText()
		if err != nil || string(got) != word {
			t.Errorf("%v.MarshalText() = %q, %v; want %q", typ, got, err, word)
		}
		var back EventType
		if err := back.UnmarshalText([]byte(word)); err != nil || back != typ {
			t.Errorf("UnmarshalText(%q) = %v, %v", word, back, err)
		}
	}
	for _, op := range []struct {
		op   Opcode
		word string
	}{{OpContinuation, "continuation"}, {OpText, "text"}, {OpBinary, "binary"}, {OpClose, "close"},
		{OpPing, "ping"}, {OpPong, "pong"}, {0x3, "0x3"}, {0xB, "0xb"}, {0xF, "0xf"}} {
		got, err := op.op.MarshalText()
		if err != nil || string(got) != op.word {
			t.Errorf("opcode %d: MarshalText() = %q, %v; want %q", op.op, got, err, op.word)
		}
		var back Opcode
		if err := back.UnmarshalText([]byte(op.word)); err != nil || back != op.op {
			t.Errorf("opcode UnmarshalText(%q) = %v, %v", op.word, back, err)
		}
	}
	var op Opcode
	if err := op.UnmarshalText([]byte("0XB")); err != nil || op != 0xB {
		t.Errorf(`"0XB" = %v, %v`, op, err)
	}
	for _, d := range []Direction{In, Out} {
		text, _ := d.MarshalText()
		var back Direction
		if err := back.UnmarshalText(text); err != nil || back != d {
			t.Errorf("direction %q: %v, %v", text, back, err)
		}
	}
}

func TestEventWordsRejectWhatTheyDoNotKnow(t *testing.T) {
	var typ EventType
	var dir Direction
	var op Opcode
	for _, err := range []error{
		typ.UnmarshalText([]byte("hologram")), typ.UnmarshalText(nil), typ.UnmarshalText([]byte("unknown")),
		dir.UnmarshalText([]byte("sideways")), dir.UnmarshalText(nil),
		op.UnmarshalText([]byte("shout")), op.UnmarshalText([]byte("reserved")), op.UnmarshalText([]byte("0x10")),
	} {
		if err == nil {
			t.Error("accepted a word it does not know")
		}
	}
	if _, err := EventType(0).MarshalText(); err == nil {
		t.Error("event type 0 has a name")
	}
	if _, err := Direction(0).MarshalText(); err == nil {
		t.Error("direction 0 has a name")
	}
}

func TestFrameJSON(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 10, 0, 123456789, time.UTC)
	f := Frame{Time: at, Dir: Out, FIN: true, RSV: 4, Opcode: 0xB, Masked: true, MaskKey: [4]byte{1, 2, 3, 4},
		Length: 300, LenBytes: 2, HeaderLen: 8, payload: []byte("x")}
	const want = `{"fin":true,"rsv":4,"opcode":"0xb","masked":true,"len":300,"len_bytes":2,"time":"2026-11-22T02:10:00.123456789Z"}`
	got, err := json.Marshal(f)
	if err != nil || string(got) != want {
		t.Fatalf("json.Marshal = %s, %v\nwant %s", got, err, want)
	}
	buf := make([]byte, 0, 256)
	if allocs := testing.AllocsPerRun(100, func() { f.AppendJSON(buf[:0]) }); allocs != 0 {
		t.Errorf("AppendJSON allocates %v times", allocs)
	}
	var back Frame
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	f.Dir, f.MaskKey, f.HeaderLen, f.payload = 0, [4]byte{}, 0, nil
	if !back.Time.Equal(f.Time) {
		t.Errorf("time %v, want %v", back.Time, f.Time)
	}
	back.Time = f.Time
	if back.FIN != f.FIN || back.RSV != f.RSV || back.Opcode != f.Opcode || back.Masked != f.Masked ||
		back.Length != f.Length || back.LenBytes != f.LenBytes {
		t.Errorf("read back %+v, want %+v", back, f)
	}
}

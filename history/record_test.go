package history

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

func TestRecordRoundTripEveryKind(t *testing.T) {
	ctx := conn.NewAnnotator(conn.Options{})
	for i, ev := range sampleEvents() {
		line := annotated(ctx, ev).AppendJSON(nil)
		if !json.Valid(line) {
			t.Fatalf("event %d: invalid JSON: %s", i, line)
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		got, err := rec.event()
		if err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, line)
		}
		assertSameEvent(t, i, ev, got)
	}
}

// keysOf decodes one record line into its top-level keys.
func keysOf(t *testing.T, line []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	return m
}

func TestRecordKeysScriptsRelyOn(t *testing.T) {
	evs := sampleEvents()
	ctx := conn.NewAnnotator(conn.Options{})
	cases := []struct {
		ev   conn.Event
		keys []string
		not  []string
	}{
		{evs[0], []string{"type", "time", "url", "status", "subprotocol", "extensions", "headers", "request_headers", "hops"}, nil},
		{evs[1], []string{"dir", "opcode", "len", "text", "frame_info"}, []string{"base64", "frames", "rtt_ms"}},
		{evs[2], []string{"frames", "frame_info", "text"}, []string{"base64"}},
		{evs[3], []string{"base64", "len"}, []string{"text"}},
		{evs[4], []string{"base64"}, []string{"text"}}, // text opcode, invalid UTF-8
		{evs[6], []string{"rtt_ms"}, nil},
		{evs[7], []string{"len", "text"}, nil}, // empty payload still has both
		{evs[9], []string{"kind", "code", "status", "message", "name", "explanation", "hint", "cause"}, []string{"location"}},
		{evs[10], []string{"dir", "code", "reason", "name", "explanation", "hint", "reconnect"}, nil},
		{evs[11], []string{"attempt", "delay_ms"}, nil},
		{evs[12], []string{"kind", "retry_after", "detail"}, nil},
	}
	for _, c := range cases {
		rec := annotated(ctx, c.ev)
		keys := keysOf(t, rec.AppendJSON(nil))
		for _, k := range c.keys {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s record lacks %q: %s", rec.Type, k, rec.AppendJSON(nil))
			}
		}
		for _, k := range c.not {
			if _, ok := keys[k]; ok {
				t.Errorf("%s record has %q: %s", rec.Type, k, rec.AppendJSON(nil))
			}
		}
	}
	rec := annotated(ctx, evs[2])
	if rec.Frames != 3 || len(rec.FrameInfo) != 3 || rec.FrameInfo[1].Opcode != conn.OpContinuation {
		t.Errorf("frames = %d, frame_info = %+v", rec.Frames, rec.FrameInfo)
	}
	if stamp := string(keysOf(t, rec.AppendJSON(nil))["time"]); stamp != `"2026-11-22T02:10:00.153456789Z"` {
		t.Errorf("time = %s, want RFC 3339 with nanoseconds", stamp)
	}
}

func TestRecordExplainsCloseAndFailure(t *testing.T) {
	evs := sampleEvents()
	ctx := conn.NewAnnotator(conn.Options{})
	closeRec := annotated(ctx, evs[10])
	if closeRec.Name == "" || closeRec.Explanation == "" || closeRec.Hint == "" {
		t.Errorf("close 1008 is not explained: %+v", closeRec)
	}
	abnormal := annotated(ctx, conn.Event{Type: conn.EventClose, Dir: conn.In, Code: 1006})
	if !abnormal.Reconnect {
		t.Errorf("close 1006 should suggest reconnecting: %+v", abnormal)
	}
	failure := annotated(ctx, evs[12])
	if failure.Name == "" || failure.Explanation == "" || failure.Hint == "" {
		t.Errorf("401 is not explained: %+v", failure)
	}
	if f := failure.Failure; f == nil || f.Kind != "handshake" || f.Status != 401 || f.RetryAfter != "30" {
		t.Errorf("failure fields: %+v", failure)
	}
}

func TestRecordDetectsErrorEnvelope(t *testing.T) {
	ev := conn.Event{Type: conn.EventMessage, Time: t0, Dir: conn.In, Opcode: conn.OpText,
		Payload: []byte(`{"type":"error","data":{"code":4003,"message":"Forbidden: missing scope"}}`)}
	rec := annotated(nil, ev)
	if rec.Envelope == nil {
		t.Fatalf("no envelope found in %s", ev.Payload)
	}
	if string(rec.Envelope.Code) != "4003" || rec.Envelope.Message != "Forbidden: missing scope" || rec.Envelope.Format == "" {
		t.Errorf("envelope = %+v", rec.Envelope)
	}
	keys := keysOf(t, rec.AppendJSON(nil))
	var env map[string]json.RawMessage
	if err := json.Unmarshal(keys["error"], &env); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"code", "message", "format"} {
		if _, ok := env[k]; !ok {
			t.Errorf("error envelope lacks %q: %s", k, keys["error"])
		}
	}
	plain := annotated(nil, conn.Event{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Payload: []byte(`{"type":"data"}`)})
	if plain.Envelope != nil {
		t.Errorf("ordinary message taken for an error: %+v", plain.Envelope)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " back \ slash`, "ctl \x00\x01\x1b\x7f\n\r\t", "héllo ✓ 🎉",
		"bad \xff utf8 \xc3", "\u2028 line sep", "<html>&amp;"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q → %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q decodes to %q, encoding/json gives %q", s, back, wantBack)
		}
	}
}

func TestRecordEventRejectsBadRecords(t *testing.T) {
	for _, line := range []string{
		`{"time":"2026-11-22T02:10:00Z"}`,
		`{"type":"teleport","time":"2026-11-22T02:10:00Z"}`,
		`{"type":"message","dir":"sideways","opcode":"text"}`,
		`{"type":"message","dir":"in","opcode":"shout"}`,
		`{"type":"message","dir":"in","opcode":"binary","base64":"!!!"}`,
		`{"type":"message","dir":"in","opcode":"text","frame_info":[{"opcode":"nope"}]}`,
		`{"type":"message","dir":"in","time":"2026-11-22T02:10:00Z"}`,
		`{"type":"close","time":"2026-11-22T02:10:00Z"}`,
	} {
		// Words conn does not know fail decoding; the rest fail Event.
		var rec Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			continue
		}
		if _, err := rec.event(); err == nil {
			t.Errorf("%s: accepted", line)
		}
	}
}

func TestMarshalJSONIsAppendJSON(t *testing.T) {
	rec := annotated(nil, sampleEvents()[1])
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(rec.AppendJSON(nil)) {
		t.Errorf("json.Marshal = %s\nAppendJSON   = %s", data, rec.AppendJSON(nil))
	}
	if !strings.HasPrefix(string(data), `{"type":"message","time":`) {
		t.Errorf("type and time must lead: %s", data)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "12345678\"12345678", "abcdefgh\\ijklmnop", "0123456\x1f89", "ünïcödé text here", "\xff\xfe12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q → invalid JSON %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q decodes to %q, encoding/json gives %q", s, back, wantBack)
		}
	})
}

// Runes a terminal acts on are escaped in the JSON line, and the JSON still
// decodes to the very same text.
func TestRecordJSONEscapesTerminalControls(t *testing.T) {
	hostile := "csi \u009b31m red \u202eevil\u202c del\x7f zw\u200b tag\U000E0041 esc\x1b[2J ok é 日本"
	rec := annotated(nil, conn.Event{Type: conn.EventMessage, Time: t0, Dir: conn.In, Opcode: conn.OpText, Payload: []byte(hostile)})
	line := rec.AppendJSON(nil)
	for _, raw := range []string{"\u009b", "\u202e", "\u202c", "\x7f", "\u200b", "\U000E0041", "\x1b"} {
		if strings.Contains(string(line), raw) {
			t.Errorf("%+q reaches the JSON line raw: %s", raw, line)
		}
	}
	for _, esc := range []string{`\u009b`, `\u202e`, `\u007f`, `\u200b`, `\udb40\udc41`, `\u001b`} {
		if !strings.Contains(string(line), esc) {
			t.Errorf("JSON line lacks %s: %s", esc, line)
		}
	}
	var back Record
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatal(err)
	}
	if back.Text != hostile {
		t.Errorf("text changed on the way: %+q", back.Text)
	}
}

// Every field of a failure survives a round trip through a record line:
// kind, cause, code, status, message, location and retry_after at the top,
// the rest under "detail".
func TestRecordKeepsTheWholeFailure(t *testing.T) {
	f := &decode.Failure{Kind: decode.KindTransport, Cause: "c", Code: 1006, Status: 502, Message: "m",
		URL: "wss://h/", Location: "wss://h/next", RetryAfter: "30", Header: map[string]string{"Server": "x"},
		Body: "b", Origin: "https://o", SentAuth: true, Offered: []string{"a", "b"}, Chosen: "c",
		CertSubject: "s", CertIssuer: "i", CertNotAfter: "2026-01-01T00:00:00Z", CertNotBefore: "2025-01-01T00:00:00Z",
		CertDNSNames: []string{"h"}, Opcode: 3, Length: 5, Limit: 4, Raw: "HTTP/1.1 200", TimeoutSeconds: 2.5,
		Waiting: 3, WaitingBytes: 300, StalledSeconds: 4.5, IdleSeconds: 61, PingsOn: true, Proxy: "nginx",
		EarlierDrops: []float64{60, 60.5}}
	if v := reflect.ValueOf(*f); v.NumField() != 31 {
		t.Fatalf("decode.Failure has %d fields; set the new ones above", v.NumField())
	}
	for i := range reflect.ValueOf(*f).NumField() {
		if reflect.ValueOf(*f).Field(i).IsZero() {
			t.Fatalf("field %s is not set", reflect.TypeOf(*f).Field(i).Name)
		}
	}
	line := FromEvent(conn.Event{Type: conn.EventError, Time: t0, Failure: f}).AppendJSON(nil)
	keys := keysOf(t, line)
	for _, k := range []string{"kind", "cause", "code", "status", "message", "location", "retry_after", "detail"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %q: %s", k, line)
		}
	}
	var detail map[string]json.RawMessage
	json.Unmarshal(keys["detail"], &detail)
	for _, k := range []string{"kind", "cause", "code", "status", "message", "location", "retry_after"} {
		if _, ok := detail[k]; ok {
			t.Errorf("%q is in the detail too: %s", k, keys["detail"])
		}
	}
	var rec Record
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatal(err)
	}
	ev, err := rec.event()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ev.Failure, f) {
		t.Errorf("failure changed on the way:\n got  %+v\n want %+v", ev.Failure, f)
	}
}

func TestRecordKeepsTheErrorEnvelope(t *testing.T) {
	env := &decode.Envelope{Code: json.RawMessage(`"E42"`), Message: "nope", Format: "envelope",
		Explanation: decode.Explanation{Name: "N", Category: "cat", Dialect: "d", Explanation: "e", Hint: "h",
			Reconnect: true, Source: decode.SourceServer}}
	rec := FromEvent(conn.Event{Type: conn.EventMessage, Time: t0, Dir: conn.In, Opcode: conn.OpText,
		Payload: []byte("x"), Note: &conn.Note{Envelope: env}})
	line := rec.AppendJSON(nil)
	const want = `"error":{"code":"E42","message":"nope","format":"envelope","name":"N","category":"cat","dialect":"d","explanation":"e","hint":"h","reconnect":true}`
	if !strings.Contains(string(line), want) {
		t.Errorf("line = %s\nwant it to hold %s", line, want)
	}
	var back Record
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatal(err)
	}
	got := *back.Envelope
	env.Explanation.Source = "" // not recorded: an envelope always comes from the server
	if !reflect.DeepEqual(got, *env) {
		t.Errorf("envelope changed on the way:\n got  %+v\n want %+v", got, *env)
	}
}

// seq, the event's position in its session, comes right after the time
// and survives the round trip; a record without one writes none.
func TestRecordWritesItsPositionInTheSession(t *testing.T) {
	ev := conn.Event{Type: conn.EventMessage, Time: t0, Seq: 42, Dir: conn.In, Opcode: conn.OpText, Payload: []byte("x")}
	line := FromEvent(ev).AppendJSON(nil)
	if !strings.HasPrefix(string(line), `{"type":"message","time":"2026-11-22T02:10:00.123456789Z","seq":42,"dir":"in"`) {
		t.Fatalf("line: %s", line)
	}
	var back Record
	if err := json.Unmarshal(line, &back); err != nil || back.Seq != 42 {
		t.Fatalf("seq read back as %d (%v)", back.Seq, err)
	}
	if got, err := back.event(); err != nil || got.Seq != 42 {
		t.Fatalf("event seq %d (%v)", got.Seq, err)
	}
	ev.Seq = 0
	if line := FromEvent(ev).AppendJSON(nil); strings.Contains(string(line), `"seq"`) {
		t.Errorf("a record without a position writes one: %s", line)
	}
}

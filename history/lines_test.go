package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
)

// slowJSONLines is what `tail --json FILE` printed before WriteJSONLines:
// every event decoded, redacted and encoded again.
func slowJSONLines(t *testing.T, path string, red Redactor) []byte {
	t.Helper()
	rec := openT(t, path)
	rec.Wait()
	var out []byte
	for i := 0; i < rec.Len(); i++ {
		r, err := rec.Record(i)
		if err != nil {
			continue
		}
		out = append(red.Record(r).AppendJSON(out), '\n')
	}
	return out
}

func fastJSONLines(t *testing.T, path string, red Redactor) ([]byte, int) {
	t.Helper()
	rec := openT(t, path)
	var out bytes.Buffer
	n, err := rec.WriteJSONLines(&out, red)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), n
}

// hostileTexts are payloads whose encoding is easy to get wrong.
var hostileTexts = []string{
	"plain ascii", "", `quote " back \ slash`, "nl\n cr\r tab\t bs\b ff\f nul\x00 del\x7f",
	"csi \u009b31m red \u202eevil\u202c zw\u200b tag\U000E0041 esc\x1b[2J é 日本 😀",
	"bad \xff\xfe utf8", "\ufffd replacement", "line\u2028sep\u2029",
	`{"token":"abc123","user":"ann"}`, `{"password": "hunter2"}`, `{"note":"no secrets here"}`,
	`{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}`,
}

// everyKindRecording records sampleEvents and messages with hostile and
// secret-bearing text, redaction off so the secrets reach the file.
func everyKindRecording(t testing.TB) string {
	events := sampleEvents()
	for i, text := range hostileTexts {
		for _, op := range []conn.Opcode{conn.OpText, conn.OpBinary, conn.OpPing} {
			events = append(events, conn.Event{Type: conn.EventMessage, Time: at(200 + i), Dir: conn.In,
				Opcode: op, Payload: []byte(text), RTT: time.Duration(i) * time.Microsecond,
				Frames: []conn.Frame{frame(200+i, conn.In, true, op, int64(len(text)))}, FrameCount: 1})
		}
	}
	return record(t, events)
}

func TestWriteJSONLinesMatchesDecodingEveryLine(t *testing.T) {
	path := everyKindRecording(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s canonScratch
	fast := 0
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if canonicalLine(line, Redactor{}, &s) {
			fast++
		}
	}
	if fast < 2*len(hostileTexts) {
		t.Errorf("only %d lines took the fast path", fast)
	}
	for _, red := range []Redactor{{}, {Disabled: true}, {ExtraHeaders: []string{"Upgrade"}}} {
		want := slowJSONLines(t, path, red)
		got, n := fastJSONLines(t, path, red)
		if !bytes.Equal(got, want) {
			t.Fatalf("redactor %+v: lines differ\n got: %s\nwant: %s", red, got, want)
		}
		if lines := bytes.Count(want, []byte{'\n'}); n != lines {
			t.Errorf("printed %d, want %d", n, lines)
		}
		if !red.Disabled && (bytes.Contains(got, []byte("abc123")) || bytes.Contains(got, []byte("hunter2"))) {
			t.Errorf("a secret was printed:\n%s", got)
		}
	}
}

// Lines written by hand or by other tools: every one must come out as the
// slow way prints it, whichever way the fast path takes.
func TestWriteJSONLinesMatchesOnForeignLines(t *testing.T) {
	base := `{"type":"message","time":"2026-11-22T02:10:00.123456789Z","dir":"in","opcode":"text","len":3,"text":"abc"}`
	lines := []string{
		base,
		strings.Replace(base, `Z","dir"`, `Z","seq":7,"dir"`, 1),
		strings.Replace(base, `Z","dir"`, `Z","seq":1,"dir"`, 1),
		strings.Replace(base, `Z","dir"`, `Z","seq":0,"dir"`, 1),
		strings.Replace(base, `Z","dir"`, `Z","seq":-3,"dir"`, 1),
		strings.Replace(base, `Z","dir"`, `Z","seq":07,"dir"`, 1),
		strings.Replace(base, `Z","dir"`, `Z","seq":1.5,"dir"`, 1),
		strings.Replace(base, "00.123456789Z", "59.5Z", 1),
		strings.Replace(base, "00.123456789Z", "60Z", 1),
		strings.Replace(base, "00.123456789Z", "00.1230Z", 1),
		strings.Replace(base, "00.123456789Z", "00.1234567891Z", 1),
		strings.Replace(base, "00.123456789Z", "00.Z", 1),
		strings.Replace(base, "00.123456789Z", "00.123z", 1),
		`{"type":"message","time":"2026-11-22T02:10:00.120Z","dir":"in","opcode":"text","len":3,"text":"abc"}`,
		`{"type":"message","time":"2026-11-22T04:10:00.12+02:00","dir":"in","opcode":"text","len":3,"text":"abc"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":03,"text":"abc"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":3,"text":"a\/b\u0041\u00e9\ufffd\ud83d\ude00\u009b"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":3,"text":"\ud83d lone"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":3,"text":"x","text":"y"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"TEXT","len":3,"text":"abc"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"binary","len":3,"text":"abc"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":3,"base64":""}`,
		`{"type":"frame","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"0xB","len":3,"base64":"AQI="}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"pong","len":2,"text":"hb","frames":1,"rtt_ms":1.50}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"pong","len":2,"text":"hb","rtt_ms":1e3}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb","frame_info":[]}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb","frame_info":[{"fin":true,"rsv":0,"opcode":"text","masked":false,"len":2,"len_bytes":0,"time":"2026-11-22T02:10:00Z","extra":1}]}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb","frame_info":[{"fin":true,"rsv":300,"opcode":"text","masked":false,"len":2,"len_bytes":0,"time":"2026-11-22T02:10:00Z"}]}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"{\"token\":\"s3cret\"}"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb"} `,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb"}trailing`,
		` {"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb"}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb","future_key":1}`,
		`{"type":"message","time":"2026-11-22T02:10:00Z","Dir":"out","opcode":"text","len":2,"text":"hb"}`,
		strings.Replace(base, "abc", "raw\x7fdel", 1),
		strings.Replace(base, "abc", "raw\xffbad", 1),
		strings.Replace(base, "abc", "raw\u202ebidi", 1),
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb"}` + "\r",
	}
	if !canonicalLine([]byte(base), Redactor{}, &canonScratch{}) {
		t.Fatal("the base line does not take the fast path")
	}
	path := writeFile(t, "foreign"+FileSuffix, []byte(strings.Join(lines, "\n")+"\n"+base))
	for _, red := range []Redactor{{}, {Disabled: true}} {
		want := slowJSONLines(t, path, red)
		got, _ := fastJSONLines(t, path, red)
		if !bytes.Equal(got, want) {
			t.Fatalf("lines differ\n got: %s\nwant: %s", got, want)
		}
	}
}

// foreignLines are message and frame lines as other writers may write
// them: other key orders and forms, escapes and time zones.
var foreignLines = []string{
	`{"type":"message","time":"2026-11-22T02:10:00.123456789Z","seq":7,"dir":"in","opcode":"text","len":3,"text":"abc"}`,
	`{"type":"message","time":"2026-11-22T02:10:59.5Z","dir":"out","opcode":"text","len":3,"text":"a\nb"}`,
	`{"type":"message","time":"2026-11-22T02:10:00.000000001Z","dir":"in","opcode":"text","len":3,"text":"abc"}`,
	`{"type":"message","time":"2026-11-22T04:10:00.12+02:00","dir":"in","opcode":"text","len":3,"text":"abc"}`,
	`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":3,"text":"a\/b\u0041\u00e9"}`,
	`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"{\"token\":\"s3cret\"}"}`,
	`{"type":"frame","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"0xB","len":3,"base64":"AQI="}`,
	`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"pong","len":2,"text":"hb","frames":2,"rtt_ms":1.5}`,
	`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb","frame_info":[{"fin":false,"rsv":4,"opcode":"text","masked":true,"len":1,"len_bytes":0,"time":"2026-11-22T02:10:00.25Z"},{"fin":true,"rsv":0,"opcode":"continuation","masked":false,"len":1,"len_bytes":2,"time":"2026-11-22T02:11:00Z"}]}`,
	`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hb","future_key":1}`,
}

// EachRecord gives exactly the records that reading every event with
// Record and redacting it gives, on the encoder's own lines and on lines
// written by hand or by other tools.
func TestEachRecordMatchesDecodingEveryLine(t *testing.T) {
	paths := []string{everyKindRecording(t), writeFile(t, "foreign"+FileSuffix, []byte(strings.Join(foreignLines, "\n")+"\n"))}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, red := range []Redactor{{}, {Disabled: true}} {
			var s canonScratch
			var fast Record
			decodedByHand := 0
			for _, line := range bytes.Split(data, []byte{'\n'}) {
				if !decodeCanonical(line, red, &s, &fast) {
					continue
				}
				decodedByHand++
				var slow Record
				if err := json.Unmarshal(line, &slow); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				if want := red.Record(slow); !reflect.DeepEqual(fast, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", line, fast, want)
				}
			}
			if decodedByHand < 5 {
				t.Errorf("only %d lines were decoded by hand", decodedByHand)
			}

			rec := openT(t, path)
			rec.Wait()
			var want []Record
			for i := 0; i < rec.Len(); i++ {
				if r, err := rec.Record(i); err == nil {
					want = append(want, red.Record(r))
				}
			}
			var got []Record
			n, err := openT(t, path).EachRecord(red, func(r Record) error {
				got = append(got, r)
				return nil
			})
			if err != nil || n != len(want) {
				t.Fatalf("EachRecord: %d records, %v; want %d", n, err, len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		}
	}
}

// Random text: canonicalLine accepts exactly what appendString writes
// for it, and whatever it accepts decodes and encodes back to itself.
func TestCanonicalLineOnRandomText(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", " ", `"`, `\`, "/", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\xff", "\xc3",
		"é", "日", "😀", "\u009b", "\u202e", "\u200b", "\u2028", "\ufffd", "\U000E0041", "{", ":", "u", "\\u00e9", "\\ud83d"}
	var s canonScratch
	accepted := 0
	for range 20000 {
		var text strings.Builder
		for range rng.IntN(12) {
			text.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		enc := appendString(nil, text.String())
		for _, lit := range []string{text.String(), string(enc[1 : len(enc)-1])} {
			line := `{"type":"frame","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":1,"text":"` + lit + `"}`
			if !canonicalLine([]byte(line), Redactor{}, &s) {
				continue
			}
			accepted++
			var r Record
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("accepted a line that does not decode: %q: %v", line, err)
			}
			if again := r.AppendJSON(nil); string(again) != line {
				t.Fatalf("accepted %q, which encodes back as %q", line, again)
			}
		}
		if utf8.Valid(enc) && !bytes.Contains(enc, []byte(`\ufffd`)) {
			line := fmt.Sprintf(`{"type":"frame","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":1,"text":%s}`, enc)
			if !canonicalLine([]byte(line), Redactor{}, &s) {
				t.Fatalf("refused the encoder's own line %q", line)
			}
		}
	}
	if accepted < 10000 {
		t.Errorf("only %d random lines took the fast path", accepted)
	}
}

func BenchmarkWriteJSONLines(b *testing.B) {
	rec := openT(b, millionEventFile(b))
	rec.Wait()
	b.ResetTimer()
	events := 0
	for range b.N {
		n, err := rec.WriteJSONLines(io.Discard, Redactor{})
		if err != nil {
			b.Fatal(err)
		}
		events += n
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// For any line, the hand decoder declines it or gives exactly what
// decoding it with encoding/json and redacting it gives; a line it calls
// canonical is exactly what encoding that record writes.
func FuzzDecodeCanonical(f *testing.F) {
	data, err := os.ReadFile(everyKindRecording(f))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		f.Add(line)
	}
	for _, line := range foreignLines {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, red := range []Redactor{{}, {Disabled: true}} {
			var s canonScratch
			var fast Record
			decoded := decodeCanonical(line, red, &s, &fast)
			if canonical := canonicalLine(line, red, &s); canonical && !decoded {
				t.Fatalf("%s: canonical but not decoded", line)
			}
			if !decoded {
				continue
			}
			var slow Record
			if err := json.Unmarshal(line, &slow); err != nil {
				t.Fatalf("%s: decoded by hand, but encoding/json says %v", line, err)
			}
			want := red.Record(slow)
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("%s (redactor %+v):\n got %+v\nwant %+v", line, red, fast, want)
			}
			if canonicalLine(line, red, &s) {
				if again := want.AppendJSON(nil); !bytes.Equal(again, line) {
					t.Fatalf("canonical line\n%s\nis written\n%s", line, again)
				}
			}
		}
	})
}

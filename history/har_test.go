package history

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

func TestOpenHARFromDevTools(t *testing.T) {
	for _, open := range []func(string) (*Recording, error){openHARFile, Open} {
		rec, err := open(filepath.Join("testdata", "devtools.har"))
		if err != nil {
			t.Fatal(err)
		}
		if p := rec.Problems(); len(p) != 0 {
			t.Fatalf("problems: %v", p)
		}
		if rec.Len() != 5 {
			t.Fatalf("Len = %d, want open + 4 messages", rec.Len())
		}
		h := rec.Header()
		if h.URL != "wss://chat.example.com/socket?token=abc123" || h.Subprotocol != "chat.v2" ||
			len(h.Extensions) != 1 || h.ToolVersion != "WebInspector 537.36" {
			t.Errorf("header = %+v", h)
		}
		openEv, _ := rec.Event(0)
		if openEv.Type != conn.EventOpen || openEv.Status != 101 || openEv.RequestHeader.Get("Origin") != "https://chat.example.com" ||
			!openEv.Time.Equal(time.Date(2026, 11, 22, 2, 10, 0, 123e6, time.UTC)) {
			t.Errorf("open = %+v", openEv)
		}
		sent, _ := rec.Event(1)
		if sent.Dir != conn.Out || sent.Opcode != conn.OpText || string(sent.Payload) != `{"op":"join","room":"general"}` ||
			!sent.Time.Equal(time.Date(2026, 11, 22, 2, 10, 0, 250123e3, time.UTC)) {
			t.Errorf("sent = %+v (time %v)", sent, sent.Time.UTC())
		}
		bin, _ := rec.Event(3)
		if bin.Dir != conn.In || bin.Opcode != conn.OpBinary || !bytes.Equal(bin.Payload, []byte{0x82, 0xa3, 'o', 'p', 1}) {
			t.Errorf("binary = %+v", bin)
		}
		if r, _ := rec.Record(4); r.Envelope == nil || string(r.Envelope.Code) != "4003" {
			t.Errorf("error envelope not found in HAR message: %+v", r)
		}
		rec.Close()
	}
}

func TestOpenHARProblems(t *testing.T) {
	cases := []struct{ data, want string }{
		{"{\n  \"log\": {\n    \"entries\": [\n      {,}\n    ]\n  }\n}", "line 4: not a HAR file"},
		{`{"log": {"entries": [{"_resourceType": "fetch"}]}}`, "no WebSocket entries"},
		{`{"log": {"entries": [{"_resourceType": "websocket", "_webSocketMessages": [{"type": "send", "opcode": 2, "data": "%%%"}, {"type": "nope", "opcode": 1}]}]}}`,
			"entry 1, message 1: binary data is not base64"},
	}
	for _, c := range cases {
		rec, err := openHARFile(writeFile(t, "x.har", []byte(c.data)))
		if err != nil {
			t.Fatal(err)
		}
		p := rec.Problems()
		if len(p) == 0 || !strings.Contains(p[0].Error(), c.want) {
			t.Errorf("%s: problems = %v, want %q", c.data, p, c.want)
		}
	}
}

func FuzzOpenHAR(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join("testdata", "devtools.har"))
	f.Add(seed)
	f.Add([]byte(`{"log":{"entries":[{"_webSocketMessages":[{"type":"receive","time":1e300,"opcode":9,"data":""}]}]}}`))
	f.Add([]byte(`{"log":null}`))
	path := filepath.Join(f.TempDir(), "f.har") // inputs run one at a time per process
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rec, err := openHARFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rec.Len() {
			rec.Event(i)
		}
	})
}

// openHARFile reads path as HAR whatever it starts with.
func openHARFile(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return openHAR(path, f)
}

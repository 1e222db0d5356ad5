package history

import (
	"bytes"
	"encoding/json"
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

// harDoc is the structure a HAR 1.2 reader expects, loosely typed so that
// missing required fields show up.
type harDoc struct {
	Log struct {
		Version string         `json:"version"`
		Creator map[string]any `json:"creator"`
		Entries []struct {
			StartedDateTime string           `json:"startedDateTime"`
			Time            *float64         `json:"time"`
			Request         map[string]any   `json:"request"`
			Response        map[string]any   `json:"response"`
			Cache           map[string]any   `json:"cache"`
			Timings         map[string]any   `json:"timings"`
			ResourceType    string           `json:"_resourceType"`
			Messages        []map[string]any `json:"_webSocketMessages"`
		} `json:"entries"`
	} `json:"log"`
}

func TestExportHARIsValidAndReimports(t *testing.T) {
	events := sampleEvents()
	events[0].URL = "wss://api.example.com/ws?token=SECRET1&room=1"
	events[0].RequestHeader.Set("Authorization", "Bearer SECRET2")
	rec := openT(t, record(t, events))
	var buf bytes.Buffer
	if err := Export(&buf, rec, "har", Redactor{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("SECRET")) {
		t.Errorf("secret in HAR export:\n%s", buf.Bytes())
	}
	var doc harDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if doc.Log.Version != "1.2" || doc.Log.Creator["name"] != "wsdbg" || doc.Log.Creator["version"] != "test" {
		t.Errorf("log = %+v", doc.Log)
	}
	if len(doc.Log.Entries) != 2 {
		t.Fatalf("%d entries, want 2 (the recording has one open and one refused upgrade)", len(doc.Log.Entries))
	}
	refused := doc.Log.Entries[1]
	if refused.Response["status"] != 401.0 || refused.Request["url"] != "wss://api.example.com/ws?room=1" ||
		len(refused.Messages) != 0 || refused.ResourceType != "websocket" {
		t.Errorf("refused upgrade entry: %+v", refused)
	}
	if hs, _ := refused.Response["headers"].([]any); len(hs) != 1 || hs[0].(map[string]any)["value"] != "Bearer" {
		t.Errorf("refused upgrade response headers: %v", refused.Response["headers"])
	}
	if c, _ := refused.Response["content"].(map[string]any); c["text"] != "token expired" || c["size"] != 13.0 {
		t.Errorf("refused upgrade body: %v", refused.Response["content"])
	}
	e := doc.Log.Entries[0]
	if _, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err != nil || e.Time == nil || e.Cache == nil {
		t.Errorf("entry basics: %+v", e)
	}
	for _, k := range []string{"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"} {
		if _, ok := e.Request[k]; !ok {
			t.Errorf("request lacks %q", k)
		}
	}
	for _, k := range []string{"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize"} {
		if _, ok := e.Response[k]; !ok {
			t.Errorf("response lacks %q", k)
		}
	}
	for _, k := range []string{"send", "wait", "receive"} {
		if v, ok := e.Timings[k].(float64); !ok || v < 0 {
			t.Errorf("timings.%s = %v, must be a non-negative number", k, e.Timings[k])
		}
	}
	if e.ResourceType != "websocket" || e.Request["url"] != "wss://api.example.com/ws?token=[redacted:7]&room=1" {
		t.Errorf("entry: %s %v", e.ResourceType, e.Request["url"])
	}
	// text and binary data messages only: 3 text, 1 binary, 1 empty text
	if len(e.Messages) != 5 {
		t.Errorf("%d messages, want 5: %v", len(e.Messages), e.Messages)
	}

	path := filepath.Join(t.TempDir(), "export.har")
	os.WriteFile(path, buf.Bytes(), 0o600)
	back, err := openHARFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Problems()) != 0 || back.Len() != 7 {
		t.Fatalf("re-import: %d events, problems %v", back.Len(), back.Problems())
	}
	if ev, err := back.Event(6); err != nil || ev.Type != conn.EventError || ev.Failure.Status != 401 ||
		ev.Failure.Body != "token expired" || ev.Failure.Header["Www-Authenticate"] != "Bearer" {
		t.Errorf("re-imported refused upgrade: %+v %v", ev, err)
	}
	var want []conn.Event
	for _, ev := range events {
		if ev.Type == conn.EventMessage && (ev.Opcode == conn.OpText || ev.Opcode == conn.OpBinary) {
			want = append(want, ev)
		}
	}
	for i, w := range want {
		got, err := back.Event(i + 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Dir != w.Dir || !bytes.Equal(got.Payload, w.Payload) || got.Time.Sub(w.Time).Abs() > time.Microsecond {
			t.Errorf("message %d: got %v %q at %v, want %v %q at %v", i, got.Dir, got.Payload, got.Time, w.Dir, w.Payload, w.Time)
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
		var out bytes.Buffer
		if err := Export(&out, rec, "har", Redactor{}); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("export of a HAR import is not JSON: %s", out.Bytes())
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

package export

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

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
	if err := Write(&buf, rec, "har", history.Redactor{}); err != nil {
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
	back, err := history.Open(path)
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

func FuzzWriteHARAfterImport(f *testing.F) {
	f.Add([]byte(`{"log":{"entries":[{"_webSocketMessages":[{"type":"receive","time":1e300,"opcode":9,"data":""}]}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"_resourceType":"websocket","response":{"status":401,"content":{"text":"no"}}}]}}`))
	f.Add([]byte(`{"log":null}`))
	path := filepath.Join(f.TempDir(), "f.har") // inputs run one at a time per process
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rec, err := history.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Close()
		var out bytes.Buffer
		if err := Write(&out, rec, "har", history.Redactor{}); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("export of a HAR import is not JSON: %s", out.Bytes())
		}
	})
}

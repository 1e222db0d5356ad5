package history

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// The credentials the protocols' opening packets carry are redacted where
// every payload is: in Redactor.Record, which the recording, tail's text
// and JSON lines and the exports all go through.
func TestRedactOpeningPackets(t *testing.T) {
	mqtt := protocol.MQTTConnect(protocol.MQTTConnectOptions{ClientID: "c", User: "wsdbg", Password: "hunter22", KeepAlive: 60})
	for _, tc := range []struct {
		name   string
		ev     conn.Event
		secret string
		kept   string // what must survive
	}{
		{"socket.io namespace", conn.Event{Opcode: conn.OpText, Payload: protocol.SocketIOConnect("/admin", []byte(`{"token":"hunter22"}`))},
			"hunter22", `40/admin,{"token":"[redacted:8]"}`},
		{"socket.io main", conn.Event{Opcode: conn.OpText, Payload: protocol.SocketIOConnect("", []byte(`{"token":"hunter22"}`))},
			"hunter22", `40{"token":"[redacted:8]"}`},
		{"socket.io event", conn.Event{Opcode: conn.OpText, Payload: []byte(`42/admin,7["login",{"password":"hunter22"}]`)},
			"hunter22", `42/admin,7["login",{"password":"[redacted:8]"}]`},
		{"connection_init", conn.Event{Opcode: conn.OpText, Payload: protocol.GraphQLConnectionInit([]byte(`{"Authorization":"Bearer hunter22"}`))},
			"hunter22", `{"type":"connection_init","payload":{"Authorization":"Bearer [redacted:8]"}}`},
		{"stomp", conn.Event{Opcode: conn.OpText, Payload: protocol.STOMPConnect(protocol.STOMPConnectOptions{Host: "/", Login: "guest", Passcode: "hunter22"})},
			"hunter22", "login:guest\npasscode:[redacted:8]\n"},
		{"mqtt", conn.Event{Opcode: conn.OpBinary, Payload: mqtt}, "hunter22", "wsdbg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ev.Type, tc.ev.Dir, tc.ev.Auto = conn.EventMessage, conn.Out, true
			var red Redactor
			rec := red.Record(FromEvent(tc.ev))
			shown := rec.Text
			if rec.Base64 != "" {
				raw, err := base64.StdEncoding.DecodeString(rec.Base64)
				if err != nil {
					t.Fatal(err)
				}
				shown = string(raw)
				if pk, ok := protocol.NewSession(protocol.MQTT).Decode(false, true, raw); !ok || pk.Type != "CONNECT" {
					t.Errorf("the redacted CONNECT no longer reads as one: %+v", pk)
				}
			}
			if strings.Contains(shown, tc.secret) || !strings.Contains(shown, tc.kept) {
				t.Errorf("redacted to %q, want %q kept and %q gone", shown, tc.kept, tc.secret)
			}
			if again := red.Record(rec); again.Text != rec.Text || again.Base64 != rec.Base64 {
				t.Errorf("redacting twice changed %q to %q", shown, again.Text+again.Base64)
			}
			kept := (Redactor{Disabled: true}).Record(FromEvent(tc.ev))
			if kept.Text+kept.Base64 != string(tc.ev.Payload) && kept.Base64 != base64.StdEncoding.EncodeToString(tc.ev.Payload) {
				t.Errorf("--no-redact changed the payload to %q", kept.Text+kept.Base64)
			}
		})
	}
}

// The recording on disk carries no MQTT password or STOMP passcode.
func TestRecordingRedactsOpeningPackets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	w, err := Create(path, Header{URL: "ws://h/mqtt"}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []conn.Event{
		{Type: conn.EventMessage, Dir: conn.Out, Opcode: conn.OpBinary, Auto: true,
			Payload: protocol.MQTTConnect(protocol.MQTTConnectOptions{ClientID: "c", User: "u", Password: "hunter22"})},
		{Type: conn.EventMessage, Dir: conn.Out, Opcode: conn.OpText, Auto: true,
			Payload: protocol.STOMPConnect(protocol.STOMPConnectOptions{Host: "/", Passcode: "hunter22"})},
	} {
		if err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	messages := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec struct{ Text, Base64 string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(rec.Base64)
		if strings.Contains(rec.Text+string(raw), "hunter22") {
			t.Fatalf("a secret reached the recording: %s", line)
		}
		if rec.Text+rec.Base64 != "" {
			messages++
		}
	}
	if messages != 2 {
		t.Fatalf("%d messages recorded, want 2:\n%s", messages, data)
	}
}

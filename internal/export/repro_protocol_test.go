package export

import (
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode/protocol"
	"github.com/wsdbg/wsdbg/history"
)

// The repro script lists the opening packets sent, their credentials
// redacted: the MQTT password in the hex of a binary message too.
func TestReproScriptRedactsOpeningPackets(t *testing.T) {
	sent := []SentMessage{
		{Binary: true, Payload: protocol.MQTTConnect(protocol.MQTTConnectOptions{ClientID: "c", User: "u", Password: "hunter22"})},
		{Payload: protocol.STOMPConnect(protocol.STOMPConnectOptions{Host: "/", Passcode: "hunter22"})},
	}
	opts := conn.Options{URL: "ws://h/ws"}
	script := ReproScript(opts, sent, history.Redactor{})
	if strings.Contains(script, "hunter22") || strings.Contains(script, hexWords([]byte("hunter22"))) {
		t.Fatalf("a secret in the repro script:\n%s", script)
	}
	if !strings.Contains(script, hexWords([]byte("[redacted:8]"))) || !strings.Contains(script, "passcode:[redacted:8]") {
		t.Fatalf("the redacted packets are missing:\n%s", script)
	}
	if kept := ReproScript(opts, sent, history.Redactor{Disabled: true}); !strings.Contains(kept, hexWords([]byte("hunter22"))) {
		t.Fatalf("--no-redact lost the password:\n%s", kept)
	}
}

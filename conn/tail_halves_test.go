package conn_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/internal/cli"
)

// tailLine is what a test reads of one line of tail --json.
type tailLine struct {
	Type     string `json:"type"`
	Dir      string `json:"dir"`
	Text     string `json:"text"`
	Base64   string `json:"base64"`
	Auto     bool   `json:"auto"`
	Protocol *struct {
		Type    string `json:"type"`
		Summary string `json:"summary"`
	} `json:"protocol"`
}

// tailJSON runs wsdbg tail --json with args, stdin open for stay, and
// returns its lines.
func tailJSON(t *testing.T, stay time.Duration, args ...string) []tailLine {
	t.Helper()
	stdin, feed := io.Pipe()
	time.AfterFunc(stay, func() { feed.Close() })
	var out, stderr bytes.Buffer
	code := cli.Main("test", append([]string{"tail", "--json", "--no-record"}, args...), stdin, &out, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr.String(), out.String())
	}
	var lines []tailLine
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var tl tailLine
		if err := json.Unmarshal([]byte(l), &tl); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		lines = append(lines, tl)
	}
	return lines
}

func sentAuto(lines []tailLine, typ string) []tailLine {
	var found []tailLine
	for _, l := range lines {
		if l.Dir == "out" && l.Protocol != nil && l.Protocol.Type == typ {
			found = append(found, l)
		}
	}
	return found
}

// tail --connect sends MQTT's CONNECT from the flags and keeps the
// connection alive with PINGREQ; both are sent rows marked auto, and the
// password never reaches the output.
func TestTailMQTTConnectAndKeepAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a keep-alive")
	}
	lines := tailJSON(t, 2500*time.Millisecond, "--connect", "--user", "wsdbg", "--password", "secret",
		"--client-id", "wsdbg-tail", "--keep-alive", "1s", "--subprotocol", "mqtt", peers.MQTT(t))
	connects := sentAuto(lines, "CONNECT")
	if len(connects) != 1 || !connects[0].Auto || connects[0].Protocol.Summary != "CONNECT v3.1.1 client wsdbg-tail (automatic)" {
		t.Fatalf("CONNECT rows %+v", connects)
	}
	raw, _ := base64.StdEncoding.DecodeString(connects[0].Base64)
	if bytes.Contains(raw, []byte("secret")) || !bytes.Contains(raw, []byte("[redacted:6]")) {
		t.Fatalf("CONNECT in the output: %q", raw)
	}
	var accepted bool
	for _, l := range lines {
		accepted = accepted || l.Protocol != nil && l.Protocol.Summary == "CONNACK accepted"
	}
	if !accepted {
		t.Fatalf("no CONNACK accepted in %+v", lines)
	}
	pings := sentAuto(lines, "PINGREQ")
	if len(pings) < 1 || !pings[0].Auto {
		t.Fatalf("PINGREQ rows %+v, want at least one marked auto", pings)
	}
}

// The Socket.IO auth token is redacted in tail's output, and the server
// accepted it.
func TestTailSocketIOConnectRedactsAuth(t *testing.T) {
	lines := tailJSON(t, 500*time.Millisecond, "--connect", "--namespace", "/auth", "--connect-payload", `{"token":"secret"}`,
		peers.SocketIO(t)+"/socket.io/?EIO=4&transport=websocket")
	connects := sentAuto(lines, "CONNECT")
	if len(connects) != 1 || connects[0].Text != `40/auth,{"token":"[redacted:6]"}` {
		t.Fatalf("CONNECT rows %+v", connects)
	}
	var answer string
	for _, l := range lines {
		if l.Dir == "in" && l.Protocol != nil && strings.HasPrefix(l.Protocol.Type, "CONNECT") {
			answer = l.Protocol.Summary
		}
	}
	if answer != "CONNECT /auth" {
		t.Fatalf("server answered %q, want CONNECT /auth", answer)
	}
}

package tui

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/render"
)

// The secrets of a session with a credential in every place the screen
// shows one.
const (
	secretQuery    = "QUERYSECRET1"
	secretBearer   = "s3cr3tBEARER"
	secretCookie   = "COOKIESECRET3"
	secretSetCook  = "SETCOOKIESECRET4"
	secretSubproto = "SUBPROTOSECRET5"
	secretPassword = "hunter2"
	secretSocketIO = "SIOSECRET7"
	secretMQTT     = "MQTTSECRET8"
	secretSTOMP    = "STOMPSECRET9"
)

var screenSecrets = []string{secretQuery, secretBearer, secretCookie, secretSetCook, secretSubproto,
	secretPassword, secretSocketIO, secretMQTT, secretSTOMP}

const secretURL = "ws://127.0.0.1:8080/ws?token=" + secretQuery + "&room=1"

var mqttConnect = protocol.MQTTConnect(protocol.MQTTConnectOptions{ClientID: "c1", User: "ann", Password: secretMQTT, KeepAlive: 60})

// secretSession is a session that sends every kind of credential: in
// the URL, the request and response headers, the subprotocol and the
// payloads of JSON, Socket.IO, MQTT and STOMP messages.
func secretSession() []conn.Event {
	open := conn.Event{
		Type: conn.EventOpen, Time: t0, URL: secretURL, Status: 101,
		Subprotocol: "base64url.bearer.authorization.k8s.io." + secretSubproto,
		RequestHeader: http.Header{
			"Authorization": {"Bearer " + secretBearer},
			"Cookie":        {"session=" + secretCookie + "; theme=dark"},
		},
		ResponseHeader: http.Header{"Set-Cookie": {"sid=" + secretSetCook + "; Path=/; HttpOnly"}},
	}
	return []conn.Event{
		open,
		textOut(time.Second, `{"op":"login","user":"ann","password":"`+secretPassword+`"}`),
		textOut(2*time.Second, string(protocol.SocketIOConnect("/admin", []byte(`{"token":"`+secretSocketIO+`"}`)))),
		msgEvent(3*time.Second, conn.Out, conn.OpBinary, string(mqttConnect)),
		textOut(4*time.Second, string(protocol.STOMPConnect(protocol.STOMPConnectOptions{Host: "/", Login: "guest", Passcode: secretSTOMP}))),
		textIn(5*time.Second, `{"ok":true}`),
		{Type: conn.EventError, Time: t0.Add(6 * time.Second), Final: true, Failure: &decode.Failure{
			Kind: decode.KindHandshake, Status: 401, URL: secretURL, Message: `GET "` + secretURL + `": 401 Unauthorized`,
			Header: map[string]string{"Set-Cookie": "sid=" + secretSetCook}}},
	}
}

// everythingShown is all the text the debugger shows of session: the log
// and the header, the window title, the inspector's whole content for
// every row and what y copies of it.
func everythingShown(t *testing.T, red history.Redactor) map[string]string {
	t.Helper()
	copier := &recordingCopier{}
	m, _ := newTestModel(t, 160, 50, Options{URL: secretURL, Redact: red, Copier: copier})
	events := secretSession()
	feed(m, events...)
	shown := map[string]string{"log": plainScreen(m), "window title": m.View().WindowTitle}
	press(m, "g")
	for i := range events {
		if i > 0 {
			press(m, "j")
		}
		press(m, "enter")
		shown[fmt.Sprintf("screen of row %d", i+1)] = plainScreen(m)
		shown[fmt.Sprintf("inspector of row %d", i+1)] = plainLines(m.inspectorLines(i, 200))
		press(m, "esc", "y")
		shown[fmt.Sprintf("copy of row %d", i+1)] = copier.text
	}
	return shown
}

// The screen and the clipboard hide what the recording hides; with
// --no-redact they show it.
func TestScreenRedactsSecrets(t *testing.T) {
	for name, text := range everythingShown(t, history.Redactor{}) {
		for _, secret := range screenSecrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows %s:\n%s", name, secret, text)
			}
		}
	}
	shown := everythingShown(t, history.Redactor{})
	for name, want := range map[string]string{
		"log":                `"password":"[redacted:`,
		"window title":       "token=[redacted:12]&room=1",
		"inspector of row 1": "Authorization: Bearer [redacted:12]",
		"copy of row 2":      `"password": "[redacted:7]"`,
		"inspector of row 3": `40/admin,{"token":"[redacted:10]"}`,
		"inspector of row 5": "passcode:[redacted:12]",
		"inspector of row 7": "URL: ws://127.0.0.1:8080/ws?token=[redacted:12]&room=1",
	} {
		if !strings.Contains(shown[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, shown[name])
		}
	}
	if !strings.Contains(shown["inspector of row 2"], "Secrets are hidden") {
		t.Errorf("the inspector does not say that the payload's secrets are hidden:\n%s", shown["inspector of row 2"])
	}
	if strings.Contains(shown["inspector of row 6"], "Secrets are hidden") {
		t.Errorf("the inspector says secrets are hidden in a payload without any:\n%s", shown["inspector of row 6"])
	}
	masked := history.Redactor{}.BinaryPayload(mqttConnect)
	if got, want := shown["copy of row 4"], render.HexPairs(masked, 16); got != want {
		t.Errorf("copying the MQTT CONNECT gave\n%s\nwant the redacted one\n%s", got, want)
	}

	kept := everythingShown(t, history.Redactor{Disabled: true})
	all := ""
	for _, text := range kept {
		all += text
	}
	for _, secret := range screenSecrets {
		if secret == secretMQTT { // binary: copied and shown as hex
			continue
		}
		if !strings.Contains(all, secret) {
			t.Errorf("--no-redact: %s is shown nowhere", secret)
		}
	}
	if got, want := kept["copy of row 4"], render.HexPairs(mqttConnect, 16); got != want {
		t.Errorf("--no-redact: copying the MQTT CONNECT gave\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(kept["log"], "token="+secretQuery) || !strings.Contains(kept["window title"], secretQuery) {
		t.Errorf("--no-redact: the header or title hides the URL's token:\n%s\n%s", kept["log"], kept["window title"])
	}
}

// What the composer sends is what was typed, secrets and all: redaction
// is for what is shown, never for what goes to the server.
func TestComposerSendsSecretsAsTyped(t *testing.T) {
	m, src := newTestModel(t, 100, 30, Options{})
	feed(m, openEvent(0))
	press(m, "i")
	typeText(m, `{"password":"`+secretPassword+`"}`)
	press(m, "enter")
	sent := src.frames()
	if len(sent) != 1 || sent[0].payload != `{"password":"`+secretPassword+`"}` {
		t.Fatalf("sent %+v", sent)
	}
}

// Regenerate with: go test ./tui -run TestGoldenRedacted -update
func TestGoldenRedacted(t *testing.T) {
	for _, sc := range []struct {
		name string
		keys []string
	}{
		{"handshake", []string{"g", "enter"}},
		{"password", []string{"g", "j", "enter"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			m, _ := newTestModel(t, 100, 30, Options{URL: secretURL})
			feed(m, secretSession()...)
			press(m, sc.keys...)
			golden.RequireEqual(t, screen(m))
		})
	}
}

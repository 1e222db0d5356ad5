package history

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

func TestRedactHeaders(t *testing.T) {
	red := Redactor{ExtraHeaders: []string{"x-tenant-secret"}}
	cases := []struct{ name, value, want string }{
		{"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Bearer [redacted:28]"},
		{"authorization", "Basic dXNlcjpwYXNz", "Basic [redacted:12]"},
		{"Authorization", "s3cr3t-no-scheme", "[redacted:16]"},
		{"Authorization", "Mystery s3cr3t", "[redacted:14]"}, // an unknown first word may be secret too
		{"Proxy-Authorization", "Digest username=\"u\", response=\"abc\"", "Digest [redacted:28]"},
		{"Cookie", "session=abc123; theme=dark", "session=[redacted:6]; theme=[redacted:4]"},
		{"Set-Cookie", "sid=xyz789; Path=/; HttpOnly; Secure", "sid=[redacted:6]; Path=/; HttpOnly; Secure"},
		{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "[redacted:24]"},
		{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "[redacted:28]"},
		{"X-Api-Key", "k-123", "[redacted:5]"},
		{"X-Tenant-Secret", "t-1", "[redacted:3]"},
		{"Origin", "https://app.example.com", "https://app.example.com"},
	}
	for _, c := range cases {
		if got := red.headerValue(c.name, c.value); got != c.want {
			t.Errorf("%s: %q → %q, want %q", c.name, c.value, got, c.want)
		}
		if again := red.headerValue(c.name, c.want); again != c.want {
			t.Errorf("%s: redacting twice gives %q", c.name, again)
		}
	}
	h := http.Header{"Authorization": {"Bearer abc"}, "Origin": {"o"}}
	out := red.Header(h)
	if out.Get("Authorization") != "Bearer [redacted:3]" || out.Get("Origin") != "o" {
		t.Errorf("Header = %v", out)
	}
	if h.Get("Authorization") != "Bearer abc" {
		t.Error("Header changed its argument")
	}
	if got := (Redactor{Disabled: true}).headerValue("Authorization", "Bearer abc"); got != "Bearer abc" {
		t.Errorf("disabled redactor changed %q", got)
	}
}

func TestRedactURL(t *testing.T) {
	var red Redactor
	cases := []struct{ in, want string }{
		{"wss://api.example.com/ws?token=abc123&room=7", "wss://api.example.com/ws?token=[redacted:6]&room=7"},
		{"wss://h/?ACCESS_TOKEN=a&Api_Key=bb&apikey=ccc&key=d&auth=e", "wss://h/?ACCESS_TOKEN=[redacted:1]&Api_Key=[redacted:2]&apikey=[redacted:3]&key=[redacted:1]&auth=[redacted:1]"},
		{"wss://h/?password=p&secret=s&signature=sg&sig=x&jwt=j&session=ss", "wss://h/?password=[redacted:1]&secret=[redacted:1]&signature=[redacted:2]&sig=[redacted:1]&jwt=[redacted:1]&session=[redacted:2]"},
		{"wss://h/?X-Amz-Signature=abcd&X-Amz-Security-Token=zz&sessionid=1", "wss://h/?X-Amz-Signature=[redacted:4]&X-Amz-Security-Token=[redacted:2]&sessionid=[redacted:1]"},
		{"wss://h/?token=a%20b", "wss://h/?token=[redacted:3]"},
		{"wss://alice:hunter2@h.example.com/ws", "wss://alice:[redacted:7]@h.example.com/ws"},
		{"wss://alice@h.example.com/ws", "wss://alice@h.example.com/ws"},
		{"https://h/cb#access_token=tok&state=1", "https://h/cb#access_token=[redacted:3]&state=1"},
		{"wss://h/ws?room=1&monkey=banana", "wss://h/ws?room=1&monkey=banana"},
		{"not a url ?token=zz", "not a url ?token=[redacted:2]"},
		{"", ""},
	}
	for _, c := range cases {
		got := red.URL(c.in)
		if got != c.want {
			t.Errorf("URL(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
		if again := red.URL(got); again != got {
			t.Errorf("redacting %q twice gives %q", got, again)
		}
	}
}

func TestRedactText(t *testing.T) {
	var red Redactor
	in := `dial "wss://h.example.com/ws?token=abc" failed; retry https://u:pw@h/x?key=1 later`
	want := `dial "wss://h.example.com/ws?token=[redacted:3]" failed; retry https://u:[redacted:2]@h/x?key=[redacted:1] later`
	if got := red.text(in); got != want {
		t.Errorf("Text\n = %q\nwant %q", got, want)
	}
	if got := red.text("no urls here"); got != "no urls here" {
		t.Errorf("Text changed plain text: %q", got)
	}
}

func TestRedactPayloadKeepsFormatting(t *testing.T) {
	var red Redactor
	in := "{\n  \"type\": \"connection_init\",\n  \"payload\": {\"Authorization\": \"Bearer abc.def\", \"token\" : \"xyz\", \"n\": 1},\n  \"list\": [\"token\", {\"password\": \"pw\"}]\n}"
	want := "{\n  \"type\": \"connection_init\",\n  \"payload\": {\"Authorization\": \"Bearer [redacted:7]\", \"token\" : \"[redacted:3]\", \"n\": 1},\n  \"list\": [\"token\", {\"password\": \"[redacted:2]\"}]\n}"
	if got := red.Payload(in); got != want {
		t.Errorf("Payload\n = %s\nwant %s", got, want)
	}
	for _, s := range []string{`{"type":"ping"}`, "not json {", `["token","x"]`, ""} {
		if got := red.Payload(s); got != s {
			t.Errorf("Payload(%q) = %q", s, got)
		}
	}
}

func TestRedactRecord(t *testing.T) {
	var red Redactor
	open := Record{Type: conn.EventOpen, URL: "wss://h/?token=t1", Hops: []string{"wss://h/old?token=t2"},
		RequestHeaders: http.Header{"Authorization": {"Bearer t3"}, "Sec-Websocket-Key": {"t4"}},
		Headers:        http.Header{"Set-Cookie": {"a=t5"}, "Sec-Websocket-Accept": {"t6"}}}
	fail := Record{Type: conn.EventError, Failure: &decode.Failure{Message: `GET "wss://h/?token=t7": 401`, Location: "wss://h/next?sig=t8",
		URL: "wss://u:t9@h/", Header: map[string]string{"Set-Cookie": "s=t10"}, Body: "see https://h/?token=t11"}}
	for _, rec := range []Record{open, fail} {
		line := string(red.Record(rec).AppendJSON(nil))
		for _, secret := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11"} {
			if strings.Contains(line, `"`+secret) || strings.Contains(line, "="+secret) || strings.Contains(line, " "+secret) || strings.Contains(line, ":"+secret) {
				t.Errorf("secret %s survived: %s", secret, line)
			}
		}
	}
	if open.RequestHeaders.Get("Authorization") != "Bearer t3" || fail.Failure.URL != "wss://u:t9@h/" {
		t.Error("Record changed its argument")
	}
	msg := Record{Type: conn.EventMessage, Text: `{"op":"auth", "Token" : "s3cret-value", "nested":{"api_key":"k3y-value"},"keys":["a"]}`}
	got := red.Record(msg).Text
	if strings.Contains(got, "s3cret-value") || strings.Contains(got, "k3y-value") || !strings.Contains(got, `"op":"auth"`) {
		t.Errorf("credential keys in a payload: %s", got)
	}
	if kept := (Redactor{Disabled: true}).Record(msg).Text; kept != msg.Text {
		t.Errorf("--no-redact changed a payload: %s", kept)
	}
	plain := Record{Type: conn.EventMessage, Text: `{"type":"tick","price":"1.5","keyboard":"x"}`}
	if redactionMayChange(plain) {
		t.Errorf("an ordinary message is taken for one with a credential: %s", plain.Text)
	}
}

func TestRedactEventFailureDetail(t *testing.T) {
	ev := sampleEvents()[12]
	ev.Failure = &decode.Failure{Kind: "handshake", URL: "wss://h/?token=zzz"}
	rec := Redactor{}.Record(annotated(nil, ev))
	if rec.Failure == nil || rec.Failure.URL != "wss://h/?token=[redacted:3]" {
		t.Errorf("failure = %+v", rec.Failure)
	}
}

// Event hides what Record hides: what the debugger shows of an event is
// what the recording stores of it.
func TestRedactEventAgreesWithRecord(t *testing.T) {
	var red Redactor
	events := append(sampleEvents(),
		conn.Event{Type: conn.EventOpen, URL: "wss://h/?token=t1", Hops: []string{"wss://h/old?token=t2"},
			Subprotocol:   "base64url.bearer.authorization.k8s.io.t3",
			RequestHeader: http.Header{"Authorization": {"Bearer t4"}}, ResponseHeader: http.Header{"Set-Cookie": {"a=t5"}}},
		conn.Event{Type: conn.EventError, Failure: &decode.Failure{Kind: "handshake", Message: `GET "wss://h/?token=t6": 401`,
			URL: "wss://u:t7@h/", Header: map[string]string{"Set-Cookie": "s=t8"}, Offered: []string{"access_token", "t9"}}},
		conn.Event{Type: conn.EventMessage, Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(`40/admin,{"token":"t10"}`)},
		conn.Event{Type: conn.EventMessage, Dir: conn.Out, Opcode: conn.OpBinary,
			Payload: protocol.MQTTConnect(protocol.MQTTConnectOptions{ClientID: "c", User: "u", Password: "t11"})},
	)
	notes := conn.NewAnnotator(conn.Options{})
	for _, ev := range events {
		notes.Annotate(&ev)
		rec := FromEvent(red.Event(ev))
		rec.Len = len(ev.Payload) // the length on the wire, which a record keeps
		shown := string(rec.AppendJSON(nil))
		stored := string(red.Record(FromEvent(ev)).AppendJSON(nil))
		if shown != stored {
			t.Errorf("Event and Record disagree:\nEvent:  %s\nRecord: %s", shown, stored)
		}
	}
	if got := red.Event(events[len(events)-4]); got.RequestHeader.Get("Authorization") != "Bearer [redacted:2]" ||
		events[len(events)-4].RequestHeader.Get("Authorization") != "Bearer t4" {
		t.Errorf("Event: %v, from %v", got.RequestHeader, events[len(events)-4].RequestHeader)
	}
}

// MessagePayload hands back the payload itself when it hides nothing, so
// that a screen of ordinary messages costs no copies.
func TestMessagePayloadKeepsOrdinaryPayloads(t *testing.T) {
	var red Redactor
	for _, p := range [][]byte{[]byte(`{"type":"tick","price":1}`), []byte("hello"), {0x82, 0x00, 0xff}} {
		op := conn.OpText
		if p[0] == 0x82 {
			op = conn.OpBinary
		}
		if got := red.MessagePayload(op, p); &got[0] != &p[0] {
			t.Errorf("%q was copied", p)
		}
	}
	secret := []byte(`{"password":"hunter2"}`)
	if got := string(red.MessagePayload(conn.OpText, secret)); got != `{"password":"[redacted:7]"}` || string(secret) != `{"password":"hunter2"}` {
		t.Errorf("redacted to %q, the payload is now %q", got, secret)
	}
	if got := (Redactor{Disabled: true}).MessagePayload(conn.OpText, secret); &got[0] != &secret[0] {
		t.Error("--no-redact copied the payload")
	}
}

func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"wss://a:b@h/?token=x#k=v", "?&=&token=", "wss://@/?%zz=%zz", "x://a:b@", "::::@@@???###"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var red Redactor
		once := red.URL(s)
		if twice := red.URL(once); twice != once {
			t.Errorf("not idempotent: %q → %q → %q", s, once, twice)
		}
		red.text(s)
		red.Payload(s)
	})
}

func TestRedactHeaderNamesLikeCredentials(t *testing.T) {
	var red Redactor
	h := http.Header{
		"X-Custom-Token":                   {"ct-1"},
		"X-Session-Id":                     {"s-2"},
		"X-Csrf-Token":                     {"c-3"},
		"Access-Control-Allow-Credentials": {"true"},
		"Www-Authenticate":                 {`Bearer realm="api"`},
		"X-Request-Id":                     {"r-4"},
	}
	out := red.Header(h)
	for name, want := range map[string]string{
		"X-Custom-Token": "[redacted:4]", "X-Session-Id": "[redacted:3]", "X-Csrf-Token": "[redacted:3]",
		"Access-Control-Allow-Credentials": "true", "Www-Authenticate": `Bearer realm="api"`, "X-Request-Id": "r-4",
	} {
		if got := out.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestRedactSubprotocols(t *testing.T) {
	var red Redactor
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	cases := []struct{ in, want string }{
		{"base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNklpSjk", "base64url.bearer.authorization.k8s.io.[redacted:43]"},
		{"base64url.bearer.authorization.k8s.io.abc123", "base64url.bearer.authorization.k8s.io.[redacted:6]"},
		{"bearer.sEcReT-Token_1", "bearer.[redacted:14]"},
		{jwt, "[redacted:41]"},
		{"graphql-transport-ws", "graphql-transport-ws"},
		{"v12.stomp", "v12.stomp"},
		{"channel.k8s.io", "channel.k8s.io"},
	}
	for _, c := range cases {
		got := red.Subprotocol(c.in)
		if got != c.want {
			t.Errorf("Subprotocol(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := red.Subprotocol(got); again != got {
			t.Errorf("redacting %q twice gives %q", got, again)
		}
	}
	list := red.Subprotocols([]string{"graphql-ws", "access_token", "opaque-token-value", "channel.k8s.io"})
	if strings.Join(list, ",") != "graphql-ws,access_token,[redacted:18],channel.k8s.io" {
		t.Errorf("Subprotocols = %q", list)
	}
	h := red.Header(http.Header{"Sec-Websocket-Protocol": {"channel.k8s.io, base64url.bearer.authorization.k8s.io.dG9rZW4"}})
	if got := h.Get("Sec-Websocket-Protocol"); got != "channel.k8s.io, base64url.bearer.authorization.k8s.io.[redacted:7]" {
		t.Errorf("Sec-WebSocket-Protocol = %q", got)
	}
	text := `The server chose "x"; the client offered "base64url.bearer.authorization.k8s.io.dG9rZW4". Token ` + jwt + "."
	want := `The server chose "x"; the client offered "base64url.bearer.authorization.k8s.io.[redacted:7]". Token [redacted:41].`
	if got := red.text(text); got != want {
		t.Errorf("Text\n = %s\nwant %s", got, want)
	}
	if got := red.text("lookup auth.example.com: no such host"); got != "lookup auth.example.com: no such host" {
		t.Errorf("host names must stay: %q", got)
	}
	if got := (Redactor{Disabled: true}).Subprotocol(cases[0].in); got != cases[0].in {
		t.Errorf("disabled redactor changed %q", got)
	}
}

func TestRedactRecordSubprotocolsEverywhere(t *testing.T) {
	const token = "base64url.bearer.authorization.k8s.io.S3CRETTOKEN"
	var red Redactor
	open := red.Record(Record{Type: conn.EventOpen, Subprotocol: token,
		RequestHeaders: http.Header{"Sec-Websocket-Protocol": {token}, "X-Custom-Token": {"S3CRETHEADER"}},
		Headers:        http.Header{"Sec-Websocket-Protocol": {token}}})
	fail := red.Record(annotated(nil, conn.Event{Type: conn.EventError, Failure: &decode.Failure{
		Kind: decode.KindHandshake, Cause: decode.CauseUnofferedSubproto, Offered: []string{"chat", token}, Chosen: token}}))
	for _, rec := range []Record{open, fail} {
		if line := string(rec.AppendJSON(nil)); strings.Contains(line, "S3CRET") {
			t.Errorf("secret survived: %s", line)
		}
	}
	hdr := red.recordingHeader(Header{Subprotocol: token, RequestHeaders: http.Header{"X-Custom-Token": {"S3CRET"}}})
	if strings.Contains(hdr.Subprotocol+hdr.RequestHeaders.Get("X-Custom-Token"), "S3CRET") {
		t.Errorf("recording header: %+v", hdr)
	}
}

// The quick test agrees with the full one on every name it is given.
func TestMayHoldSecretKeyAgreesWithIsSecretKey(t *testing.T) {
	for _, name := range []string{"type", "seq", "Token", "authToken", "AUTH", "key", "keyboard", "api_key", "x-api-key",
		"Set-Cookie", "cookie", "sessionId", "monkey", "secretary", "code_verifier", "sig", "signal", "my-key", "pass", "passenger",
		"a_very_long_key_name_that_does_not_fit_the_buffer_at_all", "a_very_long_name_that_does_not_fit_and_holds_a_token"} {
		text := `{"` + name + `": "v"}`
		if got, want := mayHoldSecretKey(text), isSecretKey(name); got != want {
			t.Errorf("%q: quick test says %v, isSecretKey %v", name, got, want)
		}
	}
}

func BenchmarkMayHoldSecretKey(b *testing.B) {
	msg := `{"type":"tick","seq":12345,"symbol":"BTC-USD","price":"64123.55","ts":"2026-11-22T02:10:00Z"}`
	b.ReportAllocs()
	for b.Loop() {
		if mayHoldSecretKey(msg) {
			b.Fatal("an ordinary message holds a secret")
		}
	}
}

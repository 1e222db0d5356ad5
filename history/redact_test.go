package history

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/decode"
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
	if got := red.Text(in); got != want {
		t.Errorf("Text\n = %q\nwant %q", got, want)
	}
	if got := red.Text("no urls here"); got != "no urls here" {
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
	open := Record{Type: "open", URL: "wss://h/?token=t1", Hops: []string{"wss://h/old?token=t2"},
		RequestHeaders: http.Header{"Authorization": {"Bearer t3"}, "Sec-Websocket-Key": {"t4"}},
		Headers:        http.Header{"Set-Cookie": {"a=t5"}, "Sec-Websocket-Accept": {"t6"}}}
	fail := Record{Type: "error", Message: `GET "wss://h/?token=t7": 401`, Location: "wss://h/next?sig=t8",
		Detail: &FailureDetail{URL: "wss://u:t9@h/", Header: map[string]string{"Set-Cookie": "s=t10"}, Body: "see https://h/?token=t11"}}
	for _, rec := range []Record{open, fail} {
		line := string(red.Record(rec).AppendJSON(nil))
		for _, secret := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11"} {
			if strings.Contains(line, `"`+secret) || strings.Contains(line, "="+secret) || strings.Contains(line, " "+secret) || strings.Contains(line, ":"+secret) {
				t.Errorf("secret %s survived: %s", secret, line)
			}
		}
	}
	if open.RequestHeaders.Get("Authorization") != "Bearer t3" || fail.Detail.URL != "wss://u:t9@h/" {
		t.Error("Record changed its argument")
	}
	msg := Record{Type: "message", Text: `{"token":"keep in recordings"}`}
	if got := red.Record(msg); got.Text != msg.Text {
		t.Error("payloads stay intact in records (replay needs them)")
	}
}

func TestRedactEventFailureDetail(t *testing.T) {
	ev := sampleEvents()[12]
	ev.Failure = &decode.Failure{Kind: "handshake", URL: "wss://h/?token=zzz"}
	rec := Redactor{}.Record(annotated(nil, ev))
	if rec.Detail == nil || rec.Detail.URL != "wss://h/?token=[redacted:3]" {
		t.Errorf("detail = %+v", rec.Detail)
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
		red.Text(s)
		red.Payload(s)
	})
}

package protocol

import (
	"strings"
	"testing"
)

// The failures STOMP, Phoenix and ActionCable packets report. The STOMP
// frames are RabbitMQ 3.10.8's (Web-STOMP, and its STOMP listener for the
// not_found frames Web-STOMP 3.10 drops), the ActionCable messages
// actioncable 6.1's, byte for byte; the Phoenix arrays are what Phoenix's
// V2 serializer writes.
func TestPeerErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		msgs     []msg // the last one reports the failure (or none)
		summary  string
		code     string
		message  string // a part of the message
		errName  string
		meaning  string // a part of the explanation
		reconn   bool
	}{
		{"stomp login refused", STOMP, []msg{in("ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:32\n\nAccess refused for user 'guest'\n\x00\n")},
			"ERROR: Bad CONNECT", "", "Bad CONNECT: Access refused for user 'guest'", "Login refused", "password is wrong", false},
		{"stomp virtual host refused", STOMP, []msg{in("ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:40\n\nVirtual host 'nosuchvhost' access denied\x00\n")},
			"ERROR: Bad CONNECT", "", "Virtual host 'nosuchvhost' access denied", "Virtual host refused", "host header", false},
		{"stomp queue not found", STOMP, []msg{in("ERROR\nmessage:not_found\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:42\n\nNOT_FOUND - no queue 'nosuch' in vhost '/'\x00\n")},
			"ERROR: not_found", "not_found", "not_found: NOT_FOUND - no queue 'nosuch' in vhost '/'", "Not found", "does not exist", false},
		{"stomp unknown destination", STOMP, []msg{in("ERROR\nmessage:Unknown destination\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:135\n\n'/bogus/x' is not a valid destination.\nValid destination types are: /temp-queue, /exchange, /topic, /queue, /amq/queue, /reply-queue/.\n\x00\n")},
			"ERROR: Unknown destination", "", `'/bogus/x' is not a valid destination.\nValid destination types`, "Unknown destination", "prefix", false},
		{"stomp version mismatch", STOMP, []msg{in("ERROR\nmessage:Version mismatch\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:35\n\nSupported versions are 1.0,1.1,1.2\n\x00\n")},
			"ERROR: Version mismatch", "", "Supported versions are 1.0,1.1,1.2", "No common STOMP version", "accept-version", false},
		{"stomp frame before CONNECT", STOMP, []msg{in("ERROR\nmessage:Illegal command\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:35\n\nYou must log in using CONNECT first\x00\n")},
			"ERROR: Illegal command", "", "You must log in", "Not logged in", "before a successful CONNECT", false},
		{"stomp missing destination", STOMP, []msg{in("ERROR\nmessage:Missing destination\ncontent-type:text/plain\nversion:1.0,1.1,1.2\ncontent-length:43\n\n\"SEND\" must include a 'destination' header\n\x00\n")},
			"ERROR: Missing destination", "", `"SEND" must include`, "Missing destination", "destination header", false},
		{"stomp unknown error, with the receipt it answers", STOMP, []msg{in("ERROR\nreceipt-id:77\nmessage:quota\\cexceeded\n\nslow down\x00")},
			"ERROR #77: quota:exceeded", "", "quota:exceeded: slow down", "", "receipt 77", false},
		{"stomp error body read to its content-length", STOMP, []msg{in("ERROR\nmessage:bad\ncontent-length:5\n\na\x00b\x00c\x00\n")},
			"ERROR: bad", "", `bad: a\x00b\x00c`, "", "ERROR frame", false},
		{"stomp error without words", STOMP, []msg{in("ERROR\n\n\x00")},
			"ERROR", "", "ERROR frame without a message", "", "ERROR frame", false},
		{"stomp error sent by the client is none", STOMP, []msg{out("ERROR\nmessage:x\n\n\x00")},
			"ERROR: x", "", "", "", "", false},
		{"stomp message is no error", STOMP, []msg{in("MESSAGE\nsubscription:sub-0\ndestination:/topic/x\nmessage-id:T_sub-0@@session-XR1tlgGmbOWZ8c3Oz48Gbg@@1\nredelivered:false\ncontent-type:text/plain\ncontent-length:5\n\nhello\x00\n")},
			"MESSAGE /topic/x", "", "", "", "", false},

		{"phoenix join refused", Phoenix, []msg{in(`["3","3","room:secret","phx_reply",{"response":{"reason":"unauthorized"},"status":"error"}]`)},
			"phx_reply room:secret error", "unauthorized", "error reply on room:secret: unauthorized", "Join refused", `join/3 for room:secret returned an error with reason "unauthorized"`, false},
		{"phoenix join to no channel", Phoenix, []msg{in(`["5","5","nowhere","phx_reply",{"response":{"reason":"unmatched topic"},"status":"error"}]`)},
			"phx_reply nowhere error", "unmatched topic", "unmatched topic", "Unmatched topic", "No channel route", false},
		{"phoenix push to an unjoined topic", Phoenix, []msg{in(`[null,"6","room:lobby","phx_reply",{"response":{"reason":"unmatched topic"},"status":"error"}]`)},
			"phx_reply room:lobby error", "unmatched topic", "unmatched topic", "Unmatched topic", "without being joined", false},
		{"phoenix error reply to a push", Phoenix, []msg{in(`["3","7","room:lobby","phx_reply",{"response":{"reason":"too long"},"status":"error"}]`)},
			"phx_reply room:lobby error", "too long", "too long", "Error reply", "handle_in", false},
		{"phoenix v1 error reply", Phoenix, []msg{in(`{"topic":"room:lobby","event":"phx_reply","payload":{"status":"error","response":{}},"ref":"9"}`)},
			"phx_reply room:lobby error", "", "error reply on room:lobby", "", "message #9", false},
		{"phoenix channel crashed", Phoenix, []msg{in(`["3","3","room:lobby","phx_error",{}]`)},
			"phx_error room:lobby", "", "phx_error on room:lobby", "Channel crashed", "exited abnormally", true},
		{"phoenix ok reply is no error", Phoenix, []msg{in(`[null,"4","phoenix","phx_reply",{"response":{},"status":"ok"}]`)},
			"phx_reply phoenix ok", "", "", "", "", false},

		{"actioncable subscription rejected", ActionCable, []msg{in(`{"identifier":"{\"channel\":\"SecretChannel\"}","type":"reject_subscription"}`)},
			"reject_subscription SecretChannel", "", "subscription to SecretChannel rejected", "Subscription rejected", "SecretChannel refused", false},
		{"actioncable unauthorized", ActionCable, []msg{in(`{"type":"disconnect","reason":"unauthorized","reconnect":false}`)},
			"disconnect: unauthorized, do not reconnect", "unauthorized", "disconnect: unauthorized", "Unauthorized", "reject_unauthorized_connection", false},
		{"actioncable origin refused", ActionCable, []msg{in(`{"type":"disconnect","reason":"invalid_request","reconnect":true}`)},
			"disconnect: invalid_request, may reconnect", "invalid_request", "invalid_request", "Invalid request", "Origin", true},
		{"actioncable server restart", ActionCable, []msg{in(`{"type":"disconnect","reason":"server_restart","reconnect":true}`)},
			"disconnect: server_restart, may reconnect", "server_restart", "server_restart", "Server restart", "restarting", true},
		{"actioncable disconnect without a reason", ActionCable, []msg{in(`{"type":"disconnect","reason":null,"reconnect":true}`)},
			"disconnect, may reconnect", "", "disconnect without a reason", "", "allows the client to reconnect", true},
		{"actioncable disconnect without a flag", ActionCable, []msg{in(`{"type":"disconnect"}`)},
			"disconnect", "", "disconnect without a reason", "", "no reconnect flag", false},
		{"actioncable confirmation is no error", ActionCable, []msg{in(`{"identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}","type":"confirm_subscription"}`)},
			"confirm_subscription ChatChannel", "", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.protocol)
			var p Packet
			for _, m := range tc.msgs {
				var ok bool
				if p, ok = s.Decode(m.in, m.binary, []byte(m.payload)); !ok {
					t.Fatalf("%q decoded to no packet", m.payload)
				}
			}
			if p.Summary != tc.summary {
				t.Errorf("summary %q, want %q", p.Summary, tc.summary)
			}
			e := p.Error
			if tc.message == "" {
				if e != nil {
					t.Fatalf("reports %+v, want no failure", *e)
				}
				return
			}
			if e == nil {
				t.Fatal("reports no failure")
			}
			if e.Code != tc.code || e.Name != tc.errName || e.Reconnect != tc.reconn {
				t.Errorf("code %q name %q reconnect %v, want %q %q %v", e.Code, e.Name, e.Reconnect, tc.code, tc.errName, tc.reconn)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message %q, want it to contain %q", e.Message, tc.message)
			}
			if !strings.Contains(e.Explanation, tc.meaning) {
				t.Errorf("explanation %q, want it to contain %q", e.Explanation, tc.meaning)
			}
			if tc.errName != "" && e.Hint == "" {
				t.Error("a named failure without a hint")
			}
		})
	}
}

// Header values of frames other than CONNECT and CONNECTED carry STOMP
// 1.2's escapes; a summary shows them undone (and escaped for the
// terminal).
func TestSTOMPHeaderEscapes(t *testing.T) {
	s := NewSession(STOMP)
	for _, tc := range []struct{ payload, want string }{
		{"SEND\ndestination:/queue/a\\cb\nreceipt:r\\\\1\n\nx\x00", `SEND /queue/a:b #r\1`},
		{"RECEIPT\nreceipt-id:r\\n1\n\n\x00\n", `RECEIPT #r\n1`},
		{"CONNECTED\nversion:1.2\\c\n\n\x00", `CONNECTED version 1.2\c`},
	} {
		p, ok := s.Decode(true, false, []byte(tc.payload))
		if !ok || p.Summary != tc.want {
			t.Errorf("%q: %q, want %q", tc.payload, p.Summary, tc.want)
		}
	}
}

// The failures STOMP, Phoenix and ActionCable report quote the server's
// words escaped, whatever the server sent.
func FuzzPeerErrors(f *testing.F) {
	for _, s := range []string{"ERROR\nreceipt-id:\x1b[2J\nmessage:not_found\n\nNOT_FOUND\x07\x00\n",
		`["1","1","room:\u001b","phx_reply",{"status":"error","response":{"reason":"\u0007x"}}]`, `["1","1","t","phx_error",{}]`,
		`{"identifier":"{\"channel\":\"\\u001b[31m\"}","type":"reject_subscription"}`, `{"type":"disconnect","reason":"\u009b","reconnect":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		for _, name := range []string{STOMP, Phoenix, ActionCable} {
			p, ok := NewSession(name).Decode(true, false, []byte(payload))
			if !ok || p.Error == nil {
				continue
			}
			e := p.Error
			for _, field := range []string{e.Code, e.Message, e.Name, e.Explanation, e.Hint} {
				for _, r := range field {
					if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
						t.Fatalf("%s: control character in %q", name, field)
					}
				}
			}
		}
	})
}

package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// --connect names the protocol whose opening packet it sends, or says
// what to give; its detail flags need it.
func TestConnectFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tail", "--connect", "ws://h/ws"},
			"wsdbg: --connect needs a protocol: give --protocol NAME (socket.io, graphql-transport-ws, graphql-ws, mqtt or stomp)\n"},
		{[]string{"tail", "--connect", "--protocol", "none", "--subprotocol", "mqtt", "ws://h/mqtt"},
			"wsdbg: --connect sends a protocol's opening packet, which --protocol none turns off\n"},
		{[]string{"tail", "--connect", "ws://h/socket/websocket?vsn=2.0.0"},
			"wsdbg: --connect: a Phoenix socket has no opening packet; join a channel by sending phx_join\n"},
		{[]string{"tail", "--user", "u", "--subprotocol", "mqtt", "ws://h/mqtt"},
			"wsdbg: --user shapes the opening packet: add --connect to send it\n"},
		{[]string{"tail", "--connect", "--connect-payload", `["token"]`, "ws://h/socket.io/?EIO=4"},
			"wsdbg: --connect-payload must be a JSON object, such as '{\"token\":\"...\"}'\n"},
		{[]string{"tail", "--connect", "--mqtt-version", "3", "--subprotocol", "mqtt", "ws://h/mqtt"},
			"wsdbg: --mqtt-version 3: wsdbg sends 3.1.1 or 5\n"},
		{[]string{"tail", "--connect", "--protocol", "stomp", "--password", "a\nb", "ws://h/ws"},
			"wsdbg: --user, --password and --vhost must not hold a line break or NUL: a STOMP header cannot carry them\n"},
		{[]string{"tail", "--connect", "--protocol", "mqtt", "--client-id", strings.Repeat("x", 65536), "ws://h/mqtt"},
			"wsdbg: --client-id, --user and --password carry at most 65535 bytes: an MQTT string's length is two bytes\n"},
	} {
		code, out, stderr := runMain(t, tc.args...)
		if code != exitUsage || out != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, stderr, tc.want)
		}
	}
}

func TestConnectFlagsMakeTheOpening(t *testing.T) {
	var cf connFlags
	cf.timeout, cf.maxMessage = time.Second, 1
	cf.subprotocols = []string{"mqtt"}
	cf.opening = openingFlags{connect: true, user: "u", password: "p", keepAlive: 5 * time.Second, mqttVersion: "5", vhost: "/"}
	o, err := cf.options("ws://h/mqtt")
	if err != nil {
		t.Fatal(err)
	}
	want := conn.Opening{User: "u", Password: "p", KeepAlive: 5 * time.Second, MQTTVersion: 5, Host: "/"}
	if o.Opening == nil || o.Opening.User != want.User || o.Opening.Password != want.Password ||
		o.Opening.KeepAlive != want.KeepAlive || o.Opening.MQTTVersion != want.MQTTVersion || o.Opening.Host != want.Host {
		t.Fatalf("opening %+v, want %+v", o.Opening, want)
	}
}

package conn_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/internal/cli"
)

// One real session per protocol, through the command line: wsdbg tail
// --json against the protocol's real server, recording it. Each session
// shows its packets typed, a request linked to its reply, one of the
// protocol's failures explained and its heartbeats kept; the recording,
// read back with wsdbg tail --json FILE, says the same of every event.
//
// With -update-sessions the recordings are also written to
// tui/testdata/sessions, where the interface's tests check that every view
// shows them the same way (the interface's tests cannot start these
// servers, and the recording format is what carries a session to them).

var updateSessions = flag.Bool("update-sessions", false, "write the recorded protocol sessions to tui/testdata/sessions")

// sessionLine is one line of tail --json, with what the protocol's
// annotation adds to it.
type sessionLine struct {
	Seq      int       `json:"seq"`
	Time     time.Time `json:"time"`
	Type     string    `json:"type"`
	Dir      string    `json:"dir"`
	Text     string    `json:"text"`
	Auto     bool      `json:"auto"`
	Code     int       `json:"code"`
	Protocol *struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"protocol"`
	ReplyTo   int     `json:"reply_to"`
	LatencyMS float64 `json:"latency_ms"`
	Error     *struct {
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
		Name        string          `json:"name"`
		Explanation string          `json:"explanation"`
		Hint        string          `json:"hint"`
	} `json:"error"`
}

func (l sessionLine) packet() string {
	if l.Protocol == nil {
		return ""
	}
	return l.Protocol.Type
}

// input is a line for tail's stdin, written after a pause.
type input struct {
	after time.Duration
	line  string
}

// protocolSession is what one session asserts.
type protocolSession struct {
	name   string // the protocol, as the JSON's protocol.name has it
	layer  string // the transport's packets' protocol, when they show: engine.io under socket.io
	args   []string
	inputs []input
	// stay is how long stdin stays open after the last input: the
	// session must be open, its heartbeats kept, until then.
	stay time.Duration
	// request and reply are the packet types of one exchange that must be
	// linked; failure the packet type that reports errName.
	request, reply   string
	id               string // the linked request's id
	failure, errName string
	errCode          string // the failure's code as the JSON has it: null when the protocol gives none
	failureAnswers   string // the request the failure answers; "" when it answers none
	heartbeat        string // the automatic packet the client sends; "" when the server alone beats
	heartbeats       int    // at least this many heartbeats, of either side
	serverHeartbeat  string // the server's heartbeat packet, when it sends one
}

// runSession runs wsdbg tail --json --record path with args, writing the
// inputs to its stdin, and returns the lines it printed.
func runSession(t *testing.T, path string, s protocolSession) []sessionLine {
	t.Helper()
	stdin, feed := io.Pipe()
	go func() {
		for _, in := range s.inputs {
			time.Sleep(in.after)
			if _, err := io.WriteString(feed, in.line+"\n"); err != nil {
				return
			}
		}
		time.Sleep(s.stay)
		feed.Close()
	}()
	var out, stderr bytes.Buffer
	args := append([]string{"tail", "--json", "--record", path}, s.args...)
	code := cli.Main("test", args, stdin, &out, &stderr)
	stdin.Close()
	lines := parseSessionLines(t, out.String())
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr.String(), out.String())
	}
	return lines
}

func parseSessionLines(t *testing.T, out string) []sessionLine {
	t.Helper()
	var lines []sessionLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var sl sessionLine
		if err := json.Unmarshal([]byte(l), &sl); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		lines = append(lines, sl)
	}
	return lines
}

// readBack is wsdbg tail --json FILE.
func readBack(t *testing.T, path string) []sessionLine {
	t.Helper()
	var out, stderr bytes.Buffer
	if code := cli.Main("test", []string{"tail", "--json", path}, strings.NewReader(""), &out, &stderr); code != 0 {
		t.Fatalf("tail --json %s: exit %d: %s", path, code, stderr.String())
	}
	return parseSessionLines(t, out.String())
}

func (s protocolSession) check(t *testing.T, lines []sessionLine) {
	t.Helper()
	bySeq := map[int]sessionLine{}
	var linked, explained bool
	heartbeats, autoHeartbeats := 0, 0
	for _, l := range lines {
		if l.Seq == 0 {
			t.Fatalf("a line without its seq: %+v", l)
		}
		bySeq[l.Seq] = l
		if l.Type != "message" {
			continue
		}
		p := l.Protocol
		if p == nil {
			t.Errorf("seq %d %s %q: no protocol", l.Seq, l.Dir, l.Text)
			continue
		}
		if p.Name != s.name && p.Name != s.layer || p.Type == "" || p.Summary == "" {
			t.Errorf("seq %d %q: protocol %+v, want %s with a type and a summary", l.Seq, l.Text, *p, s.name)
		}
		if l.Auto && l.Dir != "out" {
			t.Errorf("seq %d: a received message marked auto", l.Seq)
		}
		if l.ReplyTo > 0 {
			req, ok := bySeq[l.ReplyTo]
			if !ok || req.Dir == l.Dir || req.Protocol == nil || l.LatencyMS < 0 {
				t.Errorf("seq %d (%s) replies to seq %d %+v after %vms", l.Seq, p.Type, l.ReplyTo, req, l.LatencyMS)
			}
			// The latency is the difference of the two times shown, to
			// the nanosecond latency_ms keeps.
			if between := float64(l.Time.Sub(req.Time)) / float64(time.Millisecond); math.Abs(between-l.LatencyMS) > 1e-6 {
				t.Errorf("seq %d: latency_ms %v, but %vms between the times of seq %d and %d", l.Seq, l.LatencyMS, between, req.Seq, l.Seq)
			}
			if p.Type == s.reply && req.packet() == s.request && req.Protocol.ID == s.id {
				linked = true
			}
		}
		if l.Error != nil {
			e := l.Error
			if p.Type != s.failure || e.Name != s.errName || e.Message == "" || e.Explanation == "" || e.Hint == "" ||
				string(e.Code) != s.errCode {
				t.Errorf("seq %d (%s %q) reports %s %+v, want %s's failure %q with code, message, explanation and hint",
					l.Seq, p.Type, l.Text, e.Code, *e, s.failure, s.errName)
			} else {
				explained = true
			}
			if req := bySeq[l.ReplyTo]; req.packet() != s.failureAnswers {
				t.Errorf("seq %d (%s) answers seq %d %q, want the %s it refuses", l.Seq, p.Type, l.ReplyTo, req.Text, s.failureAnswers)
			}
		}
		if s.heartbeat != "" && p.Type == s.heartbeat && l.Dir == "out" {
			heartbeats++
			if l.Auto {
				autoHeartbeats++
			}
		}
		if s.serverHeartbeat != "" && p.Type == s.serverHeartbeat && l.Dir == "in" {
			heartbeats++
		}
	}
	if !linked {
		t.Errorf("no %s linked to its %s #%s", s.reply, s.request, s.id)
	}
	if !explained {
		t.Errorf("no %s explained as %q", s.failure, s.errName)
	}
	if heartbeats < s.heartbeats || s.heartbeat != "" && autoHeartbeats == 0 {
		t.Errorf("%d heartbeats (%d sent on the client's own), want at least %d", heartbeats, autoHeartbeats, s.heartbeats)
	}
	// The session was open until stdin ended: the first close is the
	// client's.
	for _, l := range lines {
		if l.Type == "close" || l.Type == "error" {
			if l.Dir != "out" {
				t.Errorf("the session ended by seq %d, %s %s %d, before stdin did", l.Seq, l.Dir, l.Type, l.Code)
			}
			break
		}
	}
}

// sameAnnotations compares, seq by seq, what the live session and its
// recording say of each event.
func sameAnnotations(t *testing.T, live, recorded []sessionLine) {
	t.Helper()
	rec := map[int]sessionLine{}
	for _, l := range recorded {
		rec[l.Seq] = l
	}
	for _, l := range live {
		r, ok := rec[l.Seq]
		if !ok {
			t.Errorf("seq %d (%s %s) is not in the recording", l.Seq, l.Dir, l.Type)
			continue
		}
		a, _ := json.Marshal([]any{l.Type, l.Dir, l.Auto, l.Protocol, l.ReplyTo, l.LatencyMS, l.Error})
		b, _ := json.Marshal([]any{r.Type, r.Dir, r.Auto, r.Protocol, r.ReplyTo, r.LatencyMS, r.Error})
		if !bytes.Equal(a, b) {
			t.Errorf("seq %d: live %s\nrecorded %s", l.Seq, a, b)
		}
	}
	if len(recorded) != len(live) {
		t.Errorf("%d events recorded, %d shown live", len(recorded), len(live))
	}
}

func hexLine(s string) string { return hex.EncodeToString([]byte(s)) }

func TestProtocolSessionsThroughTail(t *testing.T) {
	sessions := []protocolSession{{
		// Ten ping intervals: the spec's "3 s pings, open for 30 s" at a
		// third of the time, so that the suite stays quick; the server
		// drops a client whose pong is 1 s late.
		name: "socket.io", layer: "engine.io",
		args: []string{"--connect", peers.SocketIOHeartbeat(t, time.Second, time.Second) + "/socket.io/?EIO=4&transport=websocket"},
		inputs: []input{
			{300 * time.Millisecond, `421["echo","hi"]`},
			{200 * time.Millisecond, `40/admin,`},
		},
		stay:    10 * time.Second,
		request: "EVENT", reply: "ACK", id: "1",
		failure: "CONNECT_ERROR", errName: "Connection to namespace refused", errCode: "null", failureAnswers: "CONNECT",
		heartbeat: "pong", heartbeats: 8,
	}, {
		name: "graphql-transport-ws",
		args: []string{"--connect", "--subprotocol", "graphql-transport-ws", peers.GraphQLWSPinging(t)},
		inputs: []input{
			{300 * time.Millisecond, `{"id":"1","type":"subscribe","payload":{"query":"{ hello }"}}`},
			{200 * time.Millisecond, `{"id":"2","type":"subscribe","payload":{"query":"{ nope }"}}`},
		},
		stay:    time.Second,
		request: "subscribe", reply: "next", id: "1",
		failure: "error", errName: "Operation failed", errCode: "null", failureAnswers: "subscribe",
		heartbeat: "pong", heartbeats: 4,
	}, {
		name: "mqtt",
		args: []string{"--connect", "--subprotocol", "mqtt", "--client-id", "wsdbg-session", "--keep-alive", "1s",
			"--send", "hex", peers.MQTT(t)},
		inputs: []input{
			// SUBSCRIBE #1 a/b QoS 0; PUBLISH a/b QoS 1 #2 "hi";
			// SUBSCRIBE #3 forbidden/x, which the broker refuses.
			{300 * time.Millisecond, "82 08 00 01 00 03 61 2f 62 00"},
			{200 * time.Millisecond, "32 09 00 03 61 2f 62 00 02 68 69"},
			{200 * time.Millisecond, "82 10 00 03 00 0b 66 6f 72 62 69 64 64 65 6e 2f 78 00"},
		},
		stay:    3500 * time.Millisecond,
		request: "SUBSCRIBE", reply: "SUBACK", id: "1",
		failure: "SUBACK", errName: "Failure", errCode: "128", failureAnswers: "SUBSCRIBE",
		heartbeat: "PINGREQ", heartbeats: 2,
	}, {
		// Web-STOMP takes binary frames as it takes text ones; hex lines
		// carry the frames' line breaks and NUL.
		name: "stomp",
		args: []string{"--connect", "--user", "guest", "--password", "guest", "--keep-alive", "1s",
			"--subprotocol", "v12.stomp", "--send", "hex", peers.RabbitMQStomp(t)},
		inputs: []input{
			{500 * time.Millisecond, hexLine("SUBSCRIBE\nid:sub-0\ndestination:/topic/x\nreceipt:r1\n\n\x00")},
			{3500 * time.Millisecond, hexLine("SEND\ndestination:/bogus/x\n\nhi\x00")},
		},
		stay:    time.Second,
		request: "SUBSCRIBE", reply: "RECEIPT", id: "sub-0",
		failure: "ERROR", errName: "Unknown destination", errCode: "null",
		heartbeat: "heartbeat", heartbeats: 2,
	}, {
		// Phoenix's own heartbeat is every 30 s, longer than this test;
		// the client's automatic one is in TestPhoenixHeartbeatKeepsTheSession.
		name: "phoenix",
		args: []string{peers.Phoenix(t) + peers.PhoenixPath},
		inputs: []input{
			{200 * time.Millisecond, `[null,"1","phoenix","heartbeat",{}]`},
			{100 * time.Millisecond, `["2","2","room:lobby","phx_join",{}]`},
			{100 * time.Millisecond, `["4","4","room:secret","phx_join",{}]`},
		},
		stay:    500 * time.Millisecond,
		request: "phx_join", reply: "phx_reply", id: "2",
		failure: "phx_reply", errName: "Join refused", errCode: `"unauthorized"`, failureAnswers: "phx_join",
	}, {
		// ActionCable's server pings every 3 s; the client answers nothing.
		name: "actioncable",
		args: []string{"--origin", "http://localhost", "--subprotocol", "actioncable-v1-json", peers.ActionCable(t) + "?token=alice"},
		inputs: []input{
			{300 * time.Millisecond, `{"command":"subscribe","identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}"}`},
			{200 * time.Millisecond, `{"command":"subscribe","identifier":"{\"channel\":\"SecretChannel\"}"}`},
		},
		stay:    6500 * time.Millisecond,
		request: "subscribe", reply: "confirm_subscription",
		failure: "reject_subscription", errName: "Subscription rejected", errCode: "null", failureAnswers: "subscribe",
		serverHeartbeat: "ping", heartbeats: 2,
	}}
	dir := t.TempDir()
	for _, s := range sessions {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, s.name+".jsonl")
			live := runSession(t, path, s)
			s.check(t, live)
			sameAnnotations(t, live, readBack(t, path))
			if *updateSessions {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join("..", "tui", "testdata", "sessions", s.name+".jsonl"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/wsdbg/wsdbg/conn"
)

// proxyFeeder numbers and annotates a proxy's events per connection, as
// the relay does.
type proxyFeeder struct {
	notes map[int]*conn.Annotator
	seq   map[int]int
}

func newProxyFeeder() *proxyFeeder {
	return &proxyFeeder{notes: map[int]*conn.Annotator{}, seq: map[int]int{}}
}

// feed delivers events as one batch.
func (f *proxyFeeder) feed(m *model, events ...conn.Event) {
	for i := range events {
		n := events[i].Conn
		if f.notes[n] == nil {
			f.notes[n] = conn.NewAnnotator(conn.Options{URL: "ws://upstream.test/v2"})
		}
		f.seq[n]++
		events[i].Seq = f.seq[n]
		f.notes[n].Annotate(&events[i])
	}
	_, cmd := m.Update(eventBatchMsg{events: events})
	runFilterSteps(m, cmd)
}

// onLeg puts ev on connection n's leg.
func onLeg(n int, leg conn.Leg, ev conn.Event) conn.Event {
	ev.Conn, ev.Leg = n, leg
	for k := range ev.Frames {
		ev.Frames[k].Masked = leg == conn.LegClient && ev.Dir == conn.In
	}
	return ev
}

func proxyOpen(n int, at time.Duration, path, peer string) conn.Event {
	return conn.Event{Type: conn.EventOpen, Time: t0.Add(at), Conn: n, Leg: conn.LegServer,
		URL: "ws://upstream.test/v2" + path, Status: 101, Subprotocol: "chat.v1", Peer: peer}
}

// injectedClose is a close wsdbg sent to a side, as /close does.
func injectedClose(n int, leg conn.Leg, at time.Duration, code int, reason string) conn.Event {
	ev := closeIn(at, code, reason)
	ev.Dir = conn.Out
	ev.Frames[0].Dir = conn.Out
	ev.Injected, ev.Action = true, "close"
	return onLeg(n, leg, ev)
}

// twoConnections is a proxy session: connection 1 talks and is closed by
// an injected close; connection 2 opens and is paused.
func twoConnections() [][]conn.Event {
	client, server := conn.LegClient, conn.LegServer
	echoClose := closeIn(5100*time.Millisecond, 4001, "token expired")
	return [][]conn.Event{{
		proxyOpen(1, 0, "/chat?room=7", "127.0.0.1:50312"),
		onLeg(1, client, textIn(200*time.Millisecond, `{"id":1,"op":"join","room":7}`)),
		onLeg(1, server, textIn(250*time.Millisecond, `{"id":1,"ok":true,"users":3}`)),
		onLeg(1, server, textIn(1*time.Second, `{"type":"error","data":{"code":4003,"message":"slow down"}}`)),
	}, {
		proxyOpen(2, 2*time.Second, "/feed", "127.0.0.1:50320"),
		onLeg(2, client, textIn(2100*time.Millisecond, "hello from two")),
		{Type: conn.EventInject, Time: t0.Add(3 * time.Second), Conn: 2, Injected: true, Action: "pause"},
	}, {
		injectedClose(1, client, 5*time.Second, 4001, "token expired"),
		onLeg(1, client, echoClose),
	}}
}

func newProxyModel(t *testing.T, w, h int) (*model, *proxyFeeder) {
	t.Helper()
	relay, err := conn.NewRelay(conn.Options{URL: "ws://upstream.test/v2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(relay.Shutdown)
	m, _ := newTestModel(t, w, h, Options{URL: "ws://upstream.test/v2", Source: replaySource{events: make(chan conn.Event)},
		Proxy: &Proxy{Relay: relay, Listen: "ws://127.0.0.1:8089", Recording: func(n int) (string, bool) {
			return "proxy-" + string(rune('0'+n)) + ".jsonl", false
		}}})
	f := newProxyFeeder()
	for _, batch := range twoConnections() {
		f.feed(m, batch...)
	}
	m.Update(ProxyConnEndedMsg{Conn: 1})
	return m, f
}

// The log shows the first connection's rows with who sent each, the list
// has both connections, and switching shows the second's own rows.
func TestProxyConnectionsAndLegs(t *testing.T) {
	m, _ := newProxyModel(t, 100, 30)
	out := plainScreen(m)
	for _, want := range []string{
		"wsdbg proxy  ws://127.0.0.1:8089 → ws://upstream.test/v2 ", "#1 closed 4001", " REC ",
		"conn 1 of 2", "C→ 1 msg", "←S 2 msg", "from 127.0.0.1:50312",
		`C→ text`, `{"id":1,"op":"join","room":7}`, `←S text`, "reply",
		"C← close", "wsdbg → client: token expired", "INJECTED",
		"C→ close", "client: token expired", "ERROR 4003",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q on the screen:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hello from two") {
		t.Errorf("connection 2's message is in connection 1's log:\n%s", out)
	}

	press(m, "C")
	out = plainScreen(m)
	for _, want := range []string{"CONNECTIONS · 2", "closed 4001", "127.0.0.1:50312", " /chat?room=7", "paused", "127.0.0.1:50320", "/feed", "[chat.v1]", "REC"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the list:\n%s", want, out)
		}
	}
	press(m, "j", "enter")
	out = plainScreen(m)
	for _, want := range []string{"#2 open", "paused", "conn 2 of 2", "hello from two", "inject", "paused: frames are held both ways", "INJECTED"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q once connection 2 is shown:\n%s", want, out)
		}
	}
	if strings.Contains(out, "token expired") {
		t.Errorf("connection 1's rows in connection 2's log:\n%s", out)
	}
	// < and > step between connections; the first keeps its rows and its
	// selection.
	press(m, "<")
	if out := plainScreen(m); !strings.Contains(out, "conn 1 of 2") || !strings.Contains(out, `{"id":1,"op":"join","room":7}`) {
		t.Errorf("< did not show connection 1 again:\n%s", out)
	}
}

// The inspector names who sent a frame and where it went.
func TestProxyInspectorNamesTheSender(t *testing.T) {
	m, _ := newProxyModel(t, 100, 40)
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"g", "j", "enter"}, "Sent by the client, relayed to the server."},
		{[]string{"g", "j", "j", "enter"}, "Sent by the server, relayed to the client."},
		{[]string{"G", "k", "enter"}, "Sent by wsdbg to the client, in the server's place (injected)."},
	} {
		press(m, "esc", "esc")
		press(m, tc.keys...)
		if out := plainScreen(m); !strings.Contains(out, tc.want) {
			t.Errorf("%v: no %q:\n%s", tc.keys, tc.want, out)
		}
	}
}

// A fault command typed in the composer goes to the relay for the
// connection shown; its error is the status line, and free text is
// refused with what to type instead.
func TestProxyComposerCommands(t *testing.T) {
	m, _ := newProxyModel(t, 100, 30)
	press(m, "i")
	typeText(m, "/close client 4001 bye")
	press(m, "enter")
	if out := plainScreen(m); !strings.Contains(out, "connection #1 is not open") {
		t.Errorf("the command did not go to the relay for connection 1:\n%s", out)
	}
	if m.comp.Value() == "" {
		t.Error("a command that failed was cleared from the composer")
	}
	m.comp.SetValue("")
	typeText(m, "hello")
	press(m, "enter")
	if out := plainScreen(m); !strings.Contains(out, "a proxy relays what the two sides send") {
		t.Errorf("free text was not refused:\n%s", out)
	}
	m.comp.SetValue("")
	typeText(m, "/swallow many")
	press(m, "enter")
	if out := plainScreen(m); !strings.Contains(out, `/swallow: "many" is not a number of messages`) {
		t.Errorf("a bad command's error is not shown:\n%s", out)
	}
	m.comp.SetValue("")
	typeText(m, "/conn 2")
	press(m, "enter")
	if out := plainScreen(m); !strings.Contains(out, "conn 2 of 2") {
		t.Errorf("/conn 2 did not show connection 2:\n%s", out)
	}
}

// Quitting shuts the relay down and ends once it has.
func TestProxyQuitShutsTheRelayDown(t *testing.T) {
	m, _ := newProxyModel(t, 100, 30)
	press(m, "q")
	if !m.closing {
		t.Fatal("q did not start closing the connections")
	}
	relay := m.px.opts.Relay
	if _, finished := relay.TakeEvents(nil); !finished {
		t.Error("the relay was not shut down")
	}
	_, cmd := m.Update(eventBatchMsg{done: true})
	if !m.exiting || cmd == nil {
		t.Error("the program did not end once the relay had")
	}
}

func TestGoldenProxy(t *testing.T) {
	for _, sc := range []struct {
		name string
		keys []string
	}{
		{"log", nil},
		{"list", []string{"C"}},
		{"second", []string{"C", "j", "enter"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			m, _ := newProxyModel(t, 80, 24)
			press(m, sc.keys...)
			golden.RequireEqual(t, screen(m))
		})
	}
}

// On a proxied connection `d` keeps what the server sent (in) or what the
// client sent (out), whichever leg the frame was on.
func TestProxyDirectionFilterFollowsTheSender(t *testing.T) {
	m, _ := newProxyModel(t, 100, 30)
	press(m, "d") // in: the server's
	out := plainScreen(m)
	if !strings.Contains(out, `{"id":1,"ok":true,"users":3}`) || strings.Contains(out, `{"id":1,"op":"join","room":7}`) ||
		!strings.Contains(out, "wsdbg → client: token expired") {
		t.Errorf("in only should keep the server's frames and wsdbg's in its place:\n%s", out)
	}
	press(m, "d") // out: the client's
	out = plainScreen(m)
	if strings.Contains(out, `{"id":1,"ok":true,"users":3}`) || !strings.Contains(out, `{"id":1,"op":"join","room":7}`) ||
		!strings.Contains(out, "client: token expired") {
		t.Errorf("out only should keep the client's frames:\n%s", out)
	}
}

// Repro commands for a proxied connection dial the upstream at the path
// the application asked for and send what the application sent, not what
// wsdbg injected.
func TestProxyReproSendsWhatTheClientSent(t *testing.T) {
	m, _ := newProxyModel(t, 100, 30)
	copier := &recordingCopier{}
	m.opts.Copier = copier
	press(m, "c")
	for _, want := range []string{"ws://upstream.test/v2/chat?room=7", `{"id":1,"op":"join","room":7}`} {
		if !strings.Contains(copier.text, want) {
			t.Errorf("the repro lacks %q:\n%s", want, copier.text)
		}
	}
	if strings.Contains(copier.text, "token expired") || strings.Contains(copier.text, `"ok":true`) {
		t.Errorf("the repro sends what the client did not:\n%s", copier.text)
	}
}

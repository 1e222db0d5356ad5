package conn

import (
	"fmt"
	"time"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// heartbeatWatch keeps what shows that a connection ended because a
// protocol's heartbeat was missed: the heartbeat its packets set, and
// when the packets that keep it went each way.
type heartbeatWatch struct {
	opened time.Time
	// Engine.IO: the server's last ping, and whether a pong followed it.
	serverPing     time.Time
	serverPingSeen bool
	pongSent       bool
	// graphql-transport-ws: a ping from the server no pong answered yet.
	graphQLPing        time.Time
	graphQLPingPending bool
	// The last message the client sent: MQTT's keep-alive and Phoenix's
	// timeout count from it.
	lastOut time.Time
}

// heartbeat tolerances: timers on both sides and the network make an
// ending arrive a little before or after the deadline.
const (
	heartbeatEarly = 250 * time.Millisecond
	heartbeatLate  = 2 * time.Second
)

// phoenixTimeout is how long a Phoenix server keeps a socket that
// receives nothing, by default (Phoenix.Socket's :timeout).
const phoenixTimeout = 60 * time.Second

func (w *heartbeatWatch) open(at time.Time) { *w = heartbeatWatch{opened: at, lastOut: at} }

// observe notes a data message and the packet it carried (nil when none).
func (w *heartbeatWatch) observe(ev *Event, p *protocol.Packet) {
	if !ev.FromServer() {
		w.lastOut = ev.Time
	}
	if p == nil {
		return
	}
	switch {
	case p.Name == protocol.EngineIO && p.Type == "ping" && ev.FromServer():
		w.serverPing, w.serverPingSeen, w.pongSent = ev.Time, true, false
	case p.Name == protocol.EngineIO && p.Type == "pong" && !ev.FromServer():
		w.pongSent = true
	case p.Name == protocol.GraphQLTransportWS && p.Type == "ping" && ev.FromServer():
		w.graphQLPing, w.graphQLPingPending = ev.Time, true
	case p.Name == protocol.GraphQLTransportWS && p.Type == "pong" && !ev.FromServer():
		w.graphQLPingPending = false
	}
}

// ending explains a connection the server closed (or that dropped) at end
// by the heartbeat its protocol missed; ok is false when the heartbeat
// does not account for it. answering says whether wsdbg keeps the protocol's
// heartbeat on its own.
func (w *heartbeatWatch) ending(end time.Time, proto string, hb protocol.Heartbeat, drop, answering bool) (decode.Explanation, bool) {
	secs := func(d time.Duration) string { return decode.HumanDuration(d.Round(100 * time.Millisecond)) }
	within := func(d, deadline, late time.Duration) bool { return d >= deadline-heartbeatEarly && d <= deadline+late }
	ex := decode.Explanation{Category: "heartbeat", Source: decode.SourceServer, Dialect: proto}
	switch proto {
	case protocol.EngineIO, protocol.SocketIO:
		if hb.PingTimeout <= 0 {
			return ex, false
		}
		if w.serverPingSeen && !w.pongSent && within(end.Sub(w.serverPing), hb.PingTimeout, max(hb.PingInterval, heartbeatLate)) {
			ex.Name = "Missed heartbeat: ping timeout"
			ex.Explanation = fmt.Sprintf("The server sent its Engine.IO ping (2) %s before this and no pong (3) went back; "+
				"it drops a client that does not answer within pingTimeout (%s, from the open packet). "+
				"Socket.IO calls this reason \"ping timeout\".", secs(end.Sub(w.serverPing)), secs(hb.PingTimeout))
			ex.Hint = "Answer every 2 with 3 within pingTimeout."
			if !answering {
				ex.Explanation += " wsdbg answered no pings because protocol decoding was off (--protocol none)."
				ex.Hint = "Let wsdbg answer the pings (drop --protocol none), or send 3 after every 2 yourself within pingTimeout."
			}
			ex.Reconnect = true
			return ex, true
		}
		last := w.opened
		if w.serverPingSeen {
			last = w.serverPing
		}
		// Only a server whose last ping was answered owed the next one.
		owed := (!w.serverPingSeen || w.pongSent) && !last.IsZero()
		if silent := end.Sub(last); drop && owed && hb.PingInterval > 0 && silent > hb.PingInterval+hb.PingTimeout+heartbeatEarly {
			ex.Name = "Missed heartbeat: the server stopped pinging"
			ex.Explanation = fmt.Sprintf("The server sent no Engine.IO ping for %s, longer than pingInterval plus pingTimeout (%s): "+
				"a Socket.IO client gives the connection up by then (\"ping timeout\" on the client's side), and this one then ended without a close frame. "+
				"The server, or the path to it, stopped working.",
				secs(silent), secs(hb.PingInterval+hb.PingTimeout))
			ex.Hint = "Check that the server process is alive and its event loop not blocked; a proxy or a network change can also cut a connection silently."
			ex.Reconnect = true
			return ex, true
		}
	case protocol.MQTT:
		if hb.KeepAlive <= 0 {
			return ex, false
		}
		limit := hb.KeepAlive * 3 / 2
		if silent := end.Sub(w.lastOut); within(silent, limit, max(hb.KeepAlive/2, heartbeatLate)) {
			ex.Name = "Missed heartbeat: keep-alive timeout"
			ex.Explanation = fmt.Sprintf("The client sent nothing for %s. Its keep-alive is %s, and a broker drops a client "+
				"that sends no packet for one and a half times the keep-alive (%s).", secs(silent), secs(hb.KeepAlive), secs(limit))
			ex.Hint = "Send PINGREQ (c0 00) within every keep-alive period, as MQTT client libraries do."
			ex.Reconnect = true
			return heartbeatsOff(ex, answering, "send PINGREQ (c0 00) within every keep-alive period"), true
		}
	case protocol.GraphQLTransportWS:
		if w.graphQLPingPending {
			ex.Name = "Missed heartbeat: ping not answered"
			ex.Explanation = fmt.Sprintf("The server sent a graphql-transport-ws ping %s before this and no pong went back. "+
				"A server that uses ping as a heartbeat ends connections that stop answering, which fits this ending.",
				secs(end.Sub(w.graphQLPing)))
			ex.Hint = `Answer every {"type":"ping"} with {"type":"pong"}.`
			ex.Reconnect = true
			return heartbeatsOff(ex, answering, `answer every {"type":"ping"} with {"type":"pong"}`), true
		}
	case protocol.Phoenix:
		if silent := end.Sub(w.lastOut); within(silent, phoenixTimeout, 15*time.Second) {
			ex.Name = "Missed heartbeat: no heartbeat from the client"
			ex.Explanation = fmt.Sprintf("The client sent nothing for %s. A Phoenix server closes a socket that received nothing "+
				"for 60 s (its default timeout); Phoenix clients send a heartbeat on the topic \"phoenix\" every 30 s to stay connected.", secs(silent))
			ex.Hint = `Send a heartbeat every 30 s: event "heartbeat" on topic "phoenix" with an empty payload.`
			ex.Reconnect = true
			return heartbeatsOff(ex, answering, `send a heartbeat every 30 s (event "heartbeat" on topic "phoenix")`), true
		}
	}
	return ex, false
}

// heartbeatsOff says, when protocol decoding was off, that wsdbg's own
// heartbeats were off with it: the missed heartbeat is the flag's doing.
func heartbeatsOff(ex decode.Explanation, answering bool, yourself string) decode.Explanation {
	if answering {
		return ex
	}
	ex.Explanation += " wsdbg kept no heartbeat of its own because protocol decoding was off (--protocol none)."
	ex.Hint = "Let wsdbg keep the heartbeat (drop --protocol none), or " + yourself + " yourself."
	return ex
}

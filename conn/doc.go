// Package conn is wsdbg's WebSocket client: it dials, keeps a connection
// (and its reconnects) alive, and reports everything that happens on it as
// a stream of annotated events, including what a well-behaved client would
// hide.
//
// # Using a Client
//
// Dial returns at once; dialing, serving and redialing happen in the
// background, and every outcome, a bad URL included, arrives as an Event:
//
//	c := conn.Dial(ctx, conn.Options{URL: "wss://example.com/ws"})
//	defer c.Shutdown()
//	for ev := range c.Events() { // closed when the client is finished for good
//		...
//	}
//
// Send queues a message and never blocks; Close, CloseWhenSent, Ping and
// Reconnect only ask. All of Client's methods are safe for concurrent use.
// Shutdown stops everything at once, without a closing handshake.
//
// # Goroutines
//
// A Client runs one goroutine for its life, which dials, serves the
// connection and waits before redialing. Each connection adds exactly one
// reader and one writer, the concurrency gorilla/websocket allows. The
// reader reads messages, answers pings (control frames may be written
// beside the writer) and handles the peer's close; the writer drains the
// send queue, sends pings every Options.PingInterval and sends the close
// frame that follows the queue. A close asked for by the user is written
// from a short-lived goroutine, so that a socket that does not take it
// cannot hold up Shutdown.
//
// Events go out through one bounded queue in the order they happened. A
// consumer takes everything queued at once with TakeEvents (waking on
// EventsReady), or reads Events, a channel fed from the queue. When the
// consumer falls behind and the queue fills, the reader stops reading the
// socket until there is room: nothing is dropped, and the server sees the
// backpressure as TCP flow control.
//
// # The tap: the wire is the source of truth
//
// gorilla/websocket parses frames for the client, but it hides frame-level
// facts and judges some of them wrongly for a debugger. So the connection
// gorilla reads and writes is a tap: a net.Conn wrapper that parses both
// directions, the HTTP upgrade first, into frames as the bytes pass. It sits
// under gorilla's framing and above TLS (conn dials TCP, any proxy and TLS
// itself and hands gorilla the tap), so it sees plaintext frames for wss
// too. Every message event carries the frames the tap saw for it.
//
// The tap, and the session reading from it, catch what gorilla lets
// through or gets wrong:
//
//   - close code 1014 (Bad Gateway), which is legal but which gorilla
//     rejects: the tap hands gorilla a stand-in close frame of the same
//     length, and the session judges the real code and reason itself and
//     echoes the code, as RFC 6455 asks;
//   - invalid UTF-8 in a close reason, and in a text message, which
//     gorilla delivers unchecked (1007);
//   - non-minimal payload lengths, reserved bits without a negotiated
//     extension, reserved opcodes, masked server frames, fragmented or
//     oversized control frames, data after the close;
//   - a subprotocol or extension in the upgrade response that was never
//     offered;
//   - an HTTP response written where frames belong after the 101, whose
//     status line and body say why the server changed its mind;
//   - a response head that never ends, which gorilla would buffer without
//     limit.
//
// A violation that ends the connection becomes its error event; the others
// are warnings, and the connection goes on.
//
// # Annotation
//
// An Annotator explains each event once, where it leaves the connection
// (or a recording, which uses its own Annotator): it sets Event.Note to the
// close code's or failure's explanation and to the application error a
// message carries, using the dialect that the negotiated subprotocol and
// host select and what earlier events showed (the proxy in front, the quiet
// periods before earlier drops, whether pings were on). It also names the
// packet a message carries in the protocol spoken over the connection
// (decode/protocol: Socket.IO, GraphQL, MQTT, STOMP, Phoenix, ActionCable).
// Every view reads the note instead of explaining the event again.
// Failures are classified into decode.Failure values before they leave the
// package.
//
// # The client half of the protocol
//
// The client keeps the heartbeat a protocol cannot live without, as the
// protocol's own client library would: it answers Engine.IO's and
// graphql-transport-ws's pings, sends Phoenix's heartbeat, MQTT's PINGREQ at
// the keep-alive a CONNECT asked for and STOMP's negotiated heart-beat. With
// Options.Opening it also sends the protocol's opening packet once connected,
// ahead of anything queued (over Socket.IO, once Engine.IO's open arrives).
// These go through the send queue, their events marked Event.Auto; they
// follow the packets the annotation names, so a connection that does not
// speak the protocol gets none, and Options.Protocol ProtocolNone turns them
// off.
//
// # Sending and backpressure
//
// Messages wait in a bounded queue (Options.MaxQueueBytes and
// MaxQueueMessages). When it is full, Send fails with ErrQueueFull and
// SendWait waits for room, so a fast producer goes at the pace the server
// reads. The writer hands a large message to the socket in chunks, so a
// write that makes no progress shows: after a few seconds a warning says
// the server is not reading and how much is waiting, and a write that moves
// nothing for the write timeout fails the connection.
//
// # Closing and reconnecting
//
// Close sends a close frame ahead of the queue and drops what waits (the
// drop is reported); CloseWhenSent sends it after the queue. The peer has a
// few seconds to answer before the connection is dropped. A close the peer
// sends is answered with the same code.
//
// With Options.Reconnect, a connection that ends abnormally or with a
// retryable close code is dialed again after an exponential backoff with
// jitter (from half a second up to 30 seconds), which starts over once a
// connection has stayed up for a while. A server that says it is
// overloaded (1013, a rate-limit close code, 429 or 503) gets a longer
// pause, and its Retry-After is honoured. Each scheduled attempt is an
// EventReconnect. With Options.RedialOnRequest the client waits for
// Reconnect after a connection ends for good, for interactive use.
//
// # Relaying
//
// Relay, the engine of wsdbg proxy, is the other way to watch a
// connection: an http.Handler that accepts an application's upgrade, dials
// the upstream for it (with the same dial path, proxy and TLS as a Client)
// and relays every frame unchanged. The same frame parser judges both
// sides, each by its role, and the same Annotator explains the events, which
// carry the connection's number (Event.Conn) and the side they are about
// (Event.Leg); Event.FromServer tells who spoke. Faults can be injected on a
// connection: a close or a TCP reset on either side, a pause, a delay on
// every frame, swallowed messages.
//
// # Limits
//
// Options.MaxMessage bounds a message as it is read, after inflation:
// gorilla's own limit counts compressed bytes, which can be a thousandth
// of what they inflate to, so a compressed message that inflates past the
// limit fails with 1009 like any other. Control frames are kept up to 125
// bytes, the frames kept for one message are bounded however finely a
// peer fragments, and with pings on, a connection on which nothing at all
// arrives for two ping intervals and a margin is given up as dead.
package conn

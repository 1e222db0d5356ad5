'use strict';

// A server shaped like a Phoenix endpoint's socket (Phoenix.Socket with the
// V2 JSON serializer), for wsdbg's interoperability tests; real Phoenix
// needs Elixir and hex packages that this project cannot install. It
// listens on 127.0.0.1 with a random port, prints "LISTENING <port>" and
// runs until its standard input is closed.
//
// Usage: node phoenix.js [timeoutMs]
//
// The socket is /socket/websocket?vsn=2.0.0; token=bad in the query
// refuses the connection with 403, as a socket's connect/3 returning
// :error does. Messages are arrays [join_ref, ref, topic, event, payload].
//   "phoenix" heartbeat   replied to with phx_reply ok
//   room:lobby phx_join   joins: phx_reply ok
//   room:secret phx_join  refused: phx_reply error {"reason":"unauthorized"}
//   other topics          phx_reply error {"reason":"unmatched topic"}
// In a joined room:lobby:
//   new_msg   broadcast to the room's members, then phx_reply ok
//   ping      phx_reply ok {"pong":true}
//   crash     the channel crashes: phx_error
//   phx_leave phx_reply ok, then phx_close
// A connection that sends nothing for timeoutMs (default 60000, like
// Phoenix's transport timeout) is closed with 1000, no reason, as Phoenix's
// websocket transport does when a client stopped heart-beating.

const { WebSocketServer } = require('ws');

const timeoutMs = Number(process.argv[2] || 60000);

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  verifyClient: ({ req }, done) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/socket/websocket') {
      done(false, 404);
    } else if (url.searchParams.get('token') === 'bad') {
      done(false, 403);
    } else {
      done(true);
    }
  },
});

// members of room:lobby, by connection, with their join_ref.
const lobby = new Map();

wss.on('listening', () => {
  process.stdout.write(`LISTENING ${wss.address().port}\n`);
});

wss.on('connection', (ws) => {
  let idle;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => ws.close(1000), timeoutMs);
  };
  touch();
  const send = (joinRef, ref, topic, event, payload) =>
    ws.send(JSON.stringify([joinRef, ref, topic, event, payload]));
  const reply = (joinRef, ref, topic, status, response) =>
    send(joinRef, ref, topic, 'phx_reply', { status, response });

  ws.on('message', (data, isBinary) => {
    touch();
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      ws.close(1011);
      return;
    }
    if (isBinary || !Array.isArray(msg) || msg.length !== 5) {
      ws.close(1011);
      return;
    }
    const [joinRef, ref, topic, event, payload] = msg;
    if (topic === 'phoenix' && event === 'heartbeat') {
      reply(null, ref, topic, 'ok', {});
      return;
    }
    if (event === 'phx_join') {
      if (topic === 'room:lobby') {
        lobby.set(ws, joinRef);
        reply(joinRef, ref, topic, 'ok', {});
      } else if (topic === 'room:secret') {
        reply(joinRef, ref, topic, 'error', { reason: 'unauthorized' });
      } else {
        reply(joinRef, ref, topic, 'error', { reason: 'unmatched topic' });
      }
      return;
    }
    const joined = topic === 'room:lobby' && lobby.has(ws);
    if (!joined) {
      reply(joinRef, ref, topic, 'error', { reason: 'unmatched topic' });
      return;
    }
    const ownJoinRef = lobby.get(ws);
    switch (event) {
      case 'new_msg':
        for (const [member, memberJoinRef] of lobby) {
          member.send(JSON.stringify([memberJoinRef, null, topic, 'new_msg', payload]));
        }
        reply(ownJoinRef, ref, topic, 'ok', {});
        break;
      case 'ping':
        reply(ownJoinRef, ref, topic, 'ok', { pong: true });
        break;
      case 'crash':
        lobby.delete(ws);
        send(ownJoinRef, ownJoinRef, topic, 'phx_error', {});
        break;
      case 'phx_leave':
        lobby.delete(ws);
        reply(ownJoinRef, ref, topic, 'ok', {});
        send(ownJoinRef, ownJoinRef, topic, 'phx_close', {});
        break;
      default:
        // A channel without a handle_in clause for the event crashes.
        lobby.delete(ws);
        send(ownJoinRef, ownJoinRef, topic, 'phx_error', {});
    }
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    clearTimeout(idle);
    lobby.delete(ws);
  });
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

'use strict';

// A Socket.IO 4 server with the library's defaults, for wsdbg's
// interoperability tests. Like server.js it listens on 127.0.0.1 with a
// random port, prints "LISTENING <port>" and runs until its standard input
// is closed.
//
// Usage: node socketio.js [PING_INTERVAL_MS PING_TIMEOUT_MS]
//
// The default namespace answers:
//   "echo" with an acknowledgement carrying the arguments back,
//   "bin" by emitting "bin" back with the same binary attachment,
//   "ask" by emitting "question" with an acknowledgement of its own, and
//     then "answered" with what the client acknowledged it with,
//   "bye" by disconnecting the client and closing its connection.
// The /admin namespace refuses every connection in its middleware; the
// /auth namespace lets in the clients whose auth carries the token
// "secret" and refuses the others with "bad token".
// EIO=3 clients are refused as Socket.IO 4 does by default (no allowEIO3).

const http = require('http');
const { Server } = require('socket.io');

const [pingInterval, pingTimeout] = process.argv.slice(2).map(Number);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  ...(pingInterval > 0 && { pingInterval }),
  ...(pingTimeout > 0 && { pingTimeout }),
});

io.on('connection', (socket) => {
  socket.on('bye', () => socket.disconnect(true));
  socket.on('echo', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') {
      ack(...args);
    }
  });
  socket.on('bin', (data) => {
    socket.emit('bin', data);
  });
  socket.on('ask', () => {
    socket.emit('question', 'ready?', (answer) => {
      socket.emit('answered', answer);
    });
  });
});

io.of('/admin').use((socket, next) => {
  next(new Error('not authorized'));
});

io.of('/auth').use((socket, next) => {
  next(socket.handshake.auth.token === 'secret' ? undefined : new Error('bad token'));
});

httpServer.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

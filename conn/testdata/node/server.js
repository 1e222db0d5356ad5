'use strict';

// A WebSocket echo peer built on the ws library, used to check that wsdbg
// interoperates with a widely deployed implementation (permessage-deflate,
// fragmentation, close codes, pings).
//
// It listens on 127.0.0.1 with a random port, prints "LISTENING <port>" and
// runs until its standard input is closed. When a connection ends it prints
// "CLOSE <code> <reason>" with the close code and reason it got (1005 and
// an empty reason when no close frame had a code; 1006 when none came).
//
// A path starting with /refuse is refused with 401 Unauthorized.
//
// Text commands (anything else is echoed; binary messages are echoed):
//   frag N TEXT        send TEXT as N fragments of one text message
//   close CODE REASON  close the connection with CODE and REASON
//   ping PAYLOAD       send a ping carrying PAYLOAD

const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  // threshold 0 compresses even the smallest message, so every echo
  // exercises the inflate path of the client.
  perMessageDeflate: { threshold: 0 },
  // A path starting with /refuse is refused with 401 and a body, as an
  // expired token is.
  verifyClient: (info, cb) => {
    if (info.req.url.startsWith('/refuse')) cb(false, 401, 'token expired');
    else cb(true);
  },
});

wss.on('listening', () => {
  process.stdout.write(`LISTENING ${wss.address().port}\n`);
});

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.send(data, { binary: true });
      return;
    }
    const text = data.toString('utf8');
    try {
      if (!runCommand(ws, text)) {
        ws.send(text);
      }
    } catch (err) {
      ws.send(`error: ${err.message}`);
    }
  });
  ws.on('error', () => {});
  ws.on('close', (code, reason) => {
    const text = reason.toString('utf8').replace(/[\r\n]/g, ' ');
    process.stdout.write(`CLOSE ${code} ${text}\n`);
  });
});

// runCommand carries out text if it is a command and reports whether it was.
function runCommand(ws, text) {
  let m = /^frag (\d+) ([\s\S]*)$/.exec(text);
  if (m) {
    sendFragments(ws, m[2], Number(m[1]));
    return true;
  }
  m = /^close (\d+)(?: ([\s\S]*))?$/.exec(text);
  if (m) {
    ws.close(Number(m[1]), m[2] || '');
    return true;
  }
  m = /^ping ([\s\S]*)$/.exec(text);
  if (m) {
    ws.ping(m[1]);
    return true;
  }
  return false;
}

function sendFragments(ws, text, count) {
  const buf = Buffer.from(text, 'utf8');
  const n = Math.max(1, Math.min(count, buf.length || 1));
  const size = Math.ceil(buf.length / n);
  for (let i = 0; i < n; i++) {
    const part = buf.subarray(i * size, (i + 1) * size);
    ws.send(part, { binary: false, fin: i === n - 1 });
  }
}

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

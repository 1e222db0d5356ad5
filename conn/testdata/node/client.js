'use strict';

// A WebSocket client built on the ws library, to drive wsdbg proxy from
// the application's side.
//
//   node client.js URL [OPTIONS_JSON]
//
// OPTIONS_JSON is passed to the WebSocket constructor, plus "protocols"
// (a list). It prints one JSON object per line on stdout for what happens:
//   {"event":"open","protocol":P,"extensions":E}
//   {"event":"message","text":T}  or  {"event":"message","base64":B}
//   {"event":"ping","text":T}     {"event":"pong","text":T}
//   {"event":"refused","status":S,"body":B}  (the upgrade was refused)
//   {"event":"close","code":C,"reason":R}    (1006 after a drop)
// and exits after the close. Each stdin line is sent as a text message,
// except the commands:
//   frag N TEXT        send TEXT as N fragments of one text message
//   text TEXT          send TEXT as it is, a command's words included
//   binary HEX         send a binary message
//   ping TEXT          send a ping
//   close CODE REASON  close with CODE and REASON

const WebSocket = require('ws');
const readline = require('readline');

const options = process.argv[3] ? JSON.parse(process.argv[3]) : {};
const protocols = options.protocols || [];
delete options.protocols;
const ws = new WebSocket(process.argv[2], protocols, options);

function print(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

ws.on('open', () => {
  print({ event: 'open', protocol: ws.protocol, extensions: ws.extensions });
  // Lines are read once the connection is open, so none is sent early.
  readline.createInterface({ input: process.stdin }).on('line', runLine);
});
ws.on('message', (data, isBinary) => {
  if (isBinary) print({ event: 'message', base64: Buffer.from(data).toString('base64') });
  else print({ event: 'message', text: data.toString('utf8') });
});
ws.on('ping', (data) => print({ event: 'ping', text: data.toString('utf8') }));
ws.on('pong', (data) => print({ event: 'pong', text: data.toString('utf8') }));
ws.on('unexpected-response', (req, res) => {
  let body = '';
  res.on('data', (chunk) => { body += chunk; });
  res.on('end', () => {
    print({ event: 'refused', status: res.statusCode, body });
    process.exit(0);
  });
});
ws.on('error', (err) => print({ event: 'error', message: err.message }));
ws.on('close', (code, reason) => {
  print({ event: 'close', code, reason: reason.toString('utf8') });
  process.exit(0);
});

function runLine(line) {
  let m = /^frag (\d+) ([\s\S]*)$/.exec(line);
  if (m) {
    const buf = Buffer.from(m[2], 'utf8');
    const n = Math.max(1, Math.min(Number(m[1]), buf.length || 1));
    const size = Math.ceil(buf.length / n);
    for (let i = 0; i < n; i++) {
      ws.send(buf.subarray(i * size, (i + 1) * size), { binary: false, fin: i === n - 1 });
    }
    return;
  }
  m = /^text ([\s\S]*)$/.exec(line);
  if (m) return ws.send(m[1]);
  m = /^binary ([0-9a-f]*)$/.exec(line);
  if (m) return ws.send(Buffer.from(m[1], 'hex'), { binary: true });
  m = /^ping ([\s\S]*)$/.exec(line);
  if (m) return ws.ping(m[1]);
  m = /^close (\d+)(?: ([\s\S]*))?$/.exec(line);
  if (m) return ws.close(Number(m[1]), m[2] || '');
  ws.send(line);
}

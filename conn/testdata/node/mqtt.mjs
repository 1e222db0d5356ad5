// An MQTT broker (aedes) over WebSocket, wired as aedes documents it, for
// wsdbg's interoperability tests. It listens on 127.0.0.1 with a random
// port, prints "LISTENING <port>" and runs until its standard input is
// closed. The user "bad", and the user "wsdbg" with another password than
// "secret", are refused with CONNACK return code 4 (bad user name or
// password); everyone else is let in. Subscriptions to topics under
// "forbidden/" are refused with the SUBACK return code 0x80 (failure).

import { createServer } from 'node:http';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

const aedes = await Aedes.createBroker();
aedes.authenticate = (client, username, password, callback) => {
  if (username === 'bad' || username === 'wsdbg' && String(password) !== 'secret') {
    const err = new Error('bad user name or password');
    err.returnCode = 4;
    callback(err, false);
    return;
  }
  callback(null, true);
};
// A null subscription is aedes' way of refusing one in the SUBACK.
aedes.authorizeSubscribe = (client, sub, callback) => {
  callback(null, sub.topic.startsWith('forbidden/') ? null : sub);
};

const httpServer = createServer();
const wss = new WebSocketServer({ server: httpServer });
wss.on('connection', (websocket, req) => {
  aedes.handle(createWebSocketStream(websocket), req);
});

httpServer.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

'use strict';

// A graphql-ws server (the graphql-transport-ws subprotocol) with its
// defaults, notably the 3 s connectionInitWaitTimeout, for wsdbg's
// interoperability tests. It listens on 127.0.0.1 with a random port,
// prints "LISTENING <port>" and runs until its standard input is closed.
//
// Usage: node graphql.js [ping]
//
// With "ping" the server also pings, as the protocol lets either side:
// once a connection is acknowledged it sends {"type":"ping"}, and for
// each pong it gets another ping whose payload counts the pongs so far,
// up to three.
//
// Schema:
//   query        { hello }               "world"
//   subscription { count(to: Int) }      1, 2, ... to, then complete
//   subscription { fail }                errors before the first value

const {
  GraphQLSchema, GraphQLObjectType, GraphQLString, GraphQLInt, GraphQLNonNull,
} = require('graphql');
const { WebSocketServer } = require('ws');
const { useServer } = require('graphql-ws/use/ws');

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, resolve: () => 'world' },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: GraphQLInt,
        args: { to: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* (_, { to }) {
          for (let i = 1; i <= to; i++) {
            yield { count: i };
          }
        },
      },
      fail: {
        type: GraphQLString,
        subscribe: () => {
          throw new Error('feed unavailable');
        },
      },
    },
  }),
});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const pinging = process.argv[2] === 'ping';
const maxPongs = 3;
const ping = (ctx, payload) => ctx.extra.socket.send(JSON.stringify(
  payload ? { type: 'ping', payload } : { type: 'ping' }));
useServer({
  schema,
  ...(pinging && {
    onConnect: (ctx) => {
      ctx.pongs = 0;
      // The acknowledgement is sent once this hook returns.
      setImmediate(() => ping(ctx));
    },
    onPong: (ctx) => {
      if (++ctx.pongs <= maxPongs) {
        ping(ctx, { pongs: ctx.pongs });
      }
    },
  }),
}, wss);

wss.on('listening', () => {
  process.stdout.write(`LISTENING ${wss.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

// Subscribes to seatsChanged with the official graphql-ws client (graphql-transport-ws),
// registers over HTTP, and checks that the new seats arrive.
// Usage: node seats.mjs http://HOST:PORT LAUNCH_ID
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [base, launchId] = process.argv.slice(2);
if (!base || !launchId) {
  console.error('usage: node seats.mjs http://HOST:PORT LAUNCH_ID');
  process.exit(2);
}
const timer = setTimeout(() => { console.error('timeout: no seats event'); process.exit(1); }, 15000);

const client = createClient({
  url: base.replace(/^http/, 'ws') + '/graphql',
  webSocketImpl: WebSocket,
  connectionParams: {},
  retryAttempts: 0,
});

const seen = [];
const done = new Promise((resolve, reject) => {
  client.subscribe(
    {
      query: 'subscription($id: ID!) { seatsChanged(launchId: $id) { confirmed remaining } }',
      variables: { id: launchId },
    },
    {
      next: async (msg) => {
        if (msg.errors) return reject(new Error(JSON.stringify(msg.errors)));
        seen.push(msg.data.seatsChanged);
        if (seen.length === 1) {
          const res = await fetch(base + '/graphql', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              query: 'mutation($in: RegisterInput!) { register(input: $in) { registrant { status } } }',
              variables: { in: { launchId, name: 'Node Client', email: 'node@example.org', consent: true } },
            }),
          });
          const body = await res.json();
          if (body.errors) reject(new Error('register: ' + JSON.stringify(body.errors)));
        } else {
          resolve();
        }
      },
      error: reject,
      complete: () => reject(new Error('completed early')),
    },
  );
});

try {
  await done;
  const [first, second] = seen;
  if (second.confirmed !== first.confirmed + 1) {
    throw new Error(`seats ${JSON.stringify(seen)}: want one more confirmed`);
  }
  console.log('ok', JSON.stringify(seen));
  clearTimeout(timer);
  await client.dispose();
  process.exit(0);
} catch (err) {
  console.error('FAIL', err.message);
  process.exit(1);
}

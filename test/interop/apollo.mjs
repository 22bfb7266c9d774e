// Apollo Client 4 (InMemoryCache, HttpLink + GraphQLWsLink) against launchgraph: a page
// reads a launch with its seats, subscribes to seatsChanged, registers, and the cached
// Launch.seats changes with no cache code of its own, because Seats has a stable id.
// Usage: node apollo.mjs http://HOST:PORT SLUG
import { ApolloClient, InMemoryCache, HttpLink, gql, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [base, slug] = process.argv.slice(2);
const fail = (msg) => { console.error('FAIL', msg); process.exit(1); };
const timer = setTimeout(() => fail('timeout'), 20000);

const ws = createClient({ url: base.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
const link = split(
  ({ query }) => {
    const def = getMainDefinition(query);
    return def.kind === 'OperationDefinition' && def.operation === 'subscription';
  },
  new GraphQLWsLink(ws),
  new HttpLink({ uri: base + '/graphql' }),
);
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const LAUNCH = gql`query Launch($slug: String!) { launch(slug: $slug) { id slug seats { id confirmed remaining } } }`;
const SEATS = gql`subscription Seats($slug: String!) { seatsChanged(slug: $slug) { id confirmed remaining } }`;
const REGISTER = gql`mutation Register($in: RegisterInput!) { register(input: $in) { registrant { id status } } }`;

const { data } = await client.query({ query: LAUNCH, variables: { slug } });
const before = data.launch.seats.confirmed;
// Apollo keys an object by __typename and id: the seats are one normalised object.
const key = client.cache.identify(data.launch.seats);
if (key !== 'Seats:' + data.launch.seats.id) fail(`Seats is not normalised: identify → ${key}`);

let events = 0;
await new Promise((resolve, reject) => {
  const sub = client.subscribe({ query: SEATS, variables: { slug } }).subscribe({
    next: async ({ data: ev, error }) => {
      if (error) return reject(error);
      events++;
      if (events === 1) {
        await client.mutate({ mutation: REGISTER, variables: { in: { launchId: data.launch.id, name: 'Apollo Client', email: 'apollo@example.org', consent: true } } });
      } else if (ev.seatsChanged.confirmed === before + 1) {
        sub.unsubscribe();
        resolve();
      }
    },
    error: reject,
  });
});

// The page's query, answered from the cache alone, sees the new count.
const cached = client.readQuery({ query: LAUNCH, variables: { slug } });
if (cached.launch.seats.confirmed !== before + 1) {
  fail(`cached Launch.seats.confirmed ${cached.launch.seats.confirmed}, want ${before + 1}`);
}
console.log('ok', JSON.stringify({ cacheKey: key, before, after: cached.launch.seats.confirmed }));
clearTimeout(timer);
await ws.dispose();
process.exit(0);

// The graphql-http audit suite (the GraphQL-over-HTTP specification's own checks) against a
// running launchgraph: every MUST and every SHOULD must pass; a MAY may warn.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  const level = r.name.startsWith('MUST') ? 'MUST' : r.name.startsWith('SHOULD') ? 'SHOULD' : 'MAY';
  if (level === 'MAY') {
    console.log(`may (${r.status}): ${r.name}: ${r.reason}`);
    continue;
  }
  failed++;
  console.log(`FAIL ${level} (${r.status}): ${r.id} ${r.name}: ${r.reason}`);
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`${ok} of ${results.length} audits ok, ${failed} MUST/SHOULD failures`);
process.exit(failed ? 1 : 0);

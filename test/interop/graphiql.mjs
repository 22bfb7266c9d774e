// Opens launchgraph's GraphiQL in headless Chromium (Debian's, via playwright-core) on a
// machine without internet, runs a query and a subscription from the editor, and checks
// that the subscription went over the websocket (and not as a plain POST) and that its
// first event shows in the result pane.
// Usage: CHROMIUM=/usr/bin/chromium node graphiql.mjs BASE_URL SLUG SCREENSHOT_DIR
import { chromium } from 'playwright-core';

const [base, slug, dir] = process.argv.slice(2);
const fail = (msg) => { console.error('FAIL', msg); process.exit(1); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.postData() || ''); });
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await page.goto(base + '/');
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20000 });
  const run = async (query, want) => {
    await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q), query);
    // GraphiQL parses the editor's text after a debounce and picks the transport from
    // that parse: wait until it has parsed this text, as it has by the time a person clicks.
    const op = query.trimStart().startsWith('subscription') ? 'subscription' : 'query';
    await page.waitForFunction((o) => {
      const ast = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.documentAST;
      return ast && ast.definitions.length === 1 && ast.definitions[0].operation === o;
    }, op, { timeout: 10000 });
    await page.click('.graphiql-execute-button');
    await page.waitForFunction((w) => {
      const r = document.querySelector('.graphiql-response .CodeMirror');
      return r && r.CodeMirror.getValue().includes(w);
    }, want, { timeout: 15000 }).catch(async (err) => {
      await page.screenshot({ path: `${dir}/graphiql-failed.png` });
      const r = await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue());
      fail(`no ${want} in the result pane (${err.message}): ${r}; sockets ${sockets}`);
    });
    return page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
  };
  const q = await run(`{ launch(slug: "${slug}") { slug seats { id remaining } } }`, '"remaining"');
  if (q.includes('"errors"')) fail(`query: ${q}`);
  const s = await run(`subscription { seatsChanged(slug: "${slug}") { id confirmed remaining } }`, '"seatsChanged"');
  if (s.includes('"errors"')) fail(`subscription: ${s}`);
  await page.screenshot({ path: `${dir}/graphiql-subscription.png` });
  if (!sockets.some((u) => u.endsWith('/graphql'))) fail(`no websocket to /graphql: ${sockets}`);
  const sent = posts.map((p) => { try { return JSON.parse(p).query || ''; } catch { return ''; } });
  if (sent.some((q) => q.trimStart().startsWith('subscription'))) fail('the subscription was sent as a POST');
  if (!sent.some((q) => q.includes('launch(slug:'))) fail(`the query was not sent as a POST: ${sent}`);
  if (external.length) fail(`requests elsewhere: ${external}`);
  console.log('ok: query over POST, subscription over', sockets.join(' '));
} finally {
  await browser.close();
}

// Drives launchgraph's /manage page in headless Chromium (Debian's, via playwright-core)
// with JavaScript disabled: checks that Arabic renders right to left with labelled
// controls, that the browser refuses to submit the cancel form until the box is ticked,
// then cancels and checks the page that comes back. Writes screenshots to DIR.
// Usage: CHROMIUM=/usr/bin/chromium node manage.mjs PAGE_URL DIR
import { chromium } from 'playwright-core';

const [pageURL, dir] = process.argv.slice(2);
const fail = (msg) => { console.error('FAIL', msg); process.exit(1); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  const res = await page.goto(pageURL);
  if (res.status() !== 200) fail(`GET page: ${res.status()}`);
  const root = await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
  if (root.join() !== 'ar,rtl') fail(`html lang/dir ${root}`);
  // RTL for real: the heading starts at the right edge of the page.
  const h1 = await page.locator('h1').boundingBox();
  if (h1.x + h1.width < 700) fail(`h1 not right-aligned: ${JSON.stringify(h1)}`);
  await page.screenshot({ path: `${dir}/manage-ar.png`, fullPage: true });

  const box = page.getByRole('checkbox', { name: 'نعم، ألغِ تسجيلي في هذا الحدث' });
  const button = page.getByRole('button', { name: 'إلغاء التسجيل' });
  if (await box.count() !== 1 || await button.count() !== 1) fail('the form controls have no accessible names');
  await button.click(); // unticked: the browser's own validation keeps the page
  if (!(await page.url()).startsWith(pageURL)) fail('the form was sent without confirmation');
  await box.check();
  await Promise.all([page.waitForURL(/done=cancelled/), button.click()]);
  const status = await page.locator('#status').getAttribute('data-status');
  if (status !== 'CANCELLED') fail(`status after cancel: ${status}`);
  const notice = await page.getByRole('status').textContent();
  if (notice !== 'تم إلغاء تسجيلك.') fail(`notice ${notice}`);
  await page.screenshot({ path: `${dir}/manage-ar-cancelled.png`, fullPage: true });
  console.log('ok: rtl page, confirmation required, cancelled without JavaScript');
} finally {
  await browser.close();
}

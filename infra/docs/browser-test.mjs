// The /docs page in a real browser (Debian's Chromium, headless, driven by playwright-core): it loads openapi.yaml,
// and "Try it out" on POST /v1/token and POST /v1/notes/search calls the local stack and shows its answers.
// Run by infra/docs/browser-test, which starts the stack and sets DOCS_URL; SCREENSHOT is where the PNG goes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const DOCS_URL = process.env.DOCS_URL;
const SCREENSHOT = process.env.SCREENSHOT || 'target/docs/swagger-ui.png';
// As the machine's closed network needs: nothing of Chromium's own calls home, a fresh profile.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let profile, browser, page;

before(async () => {
  assert.ok(DOCS_URL, 'DOCS_URL is the stack\'s /docs page');
  profile = mkdtempSync(join(tmpdir(), 'fptr-docs-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  page = browser.pages()[0] || await browser.newPage();
  await page.goto(DOCS_URL);
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Opens an operation, presses "Try it out" and "Execute", and answers the status and body the page shows. */
async function tryItOut(operationId, tag) {
  const operation = page.locator(`#operations-${tag}-${operationId}`);
  await operation.locator('.opblock-summary-control').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('button.execute').click();
  const live = operation.locator('.live-responses-table .response').first();
  await live.waitFor({ timeout: 60_000 });
  const status = (await live.locator('.response-col_status').innerText()).trim();
  const body = await live.locator('.response-col_description pre').first().innerText();
  return { operation, status, body };
}

test('the page shows the document with every route', async () => {
  await page.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('.swagger-ui .info .title').innerText(), /fptr-functions/);
  const paths = await page.locator('.opblock .opblock-summary-path').allInnerTexts();
  for (const route of ['/v1/token', '/v1/notes/search', '/v1/webhooks/fptr', '/v1/entities/{type}/{id}/thumbnail']) {
    assert.ok(paths.some((p) => p.replace(/\u200b/g, '') === route), `${route} among ${paths.join(', ')}`);
  }
  const server = await page.locator('.servers select option').first().innerText();
  assert.match(server, /^http:\/\/127\.0\.0\.1:\d+/, 'the local stack is the server "Try it out" calls');
});

test('"Try it out" mints a token from the simulator', async () => {
  const { status, body } = await tryItOut('mintToken', 'token');
  assert.equal(status, '200', body);
  const answer = JSON.parse(body);
  assert.equal(answer.token_type, 'Bearer');
  assert.ok(answer.access_token.length > 20);
  assert.ok(answer.expires_in > 0);
});

test('"Try it out" runs the first documented note search', async () => {
  const { operation, status, body } = await tryItOut('searchNotes', 'notes');
  assert.equal(status, '200', body);
  const answer = JSON.parse(body);
  assert.equal(answer.count, 1);
  assert.equal(answer.notes[0].subject, 'sh010 lighting: key too hot');
  // The README's picture: the operation from its summary down to the answer the page shows.
  // (boxes are in the viewport's coordinates, a full-page clip in the page's)
  const scrolled = await page.evaluate(() => window.scrollY);
  const top = await operation.boundingBox();
  const answerBox = await operation.locator('.live-responses-table').boundingBox();
  await page.screenshot({ path: SCREENSHOT, fullPage: true,
    clip: { x: top.x, y: top.y + scrolled, width: top.width, height: answerBox.y + answerBox.height - top.y + 8 } });
});

// Drives the read-along page in Debian's headless Chromium (playwright-core, no bundled browser)
// and prints what it observed as one JSON object; tests/test_web.py asserts on it.
//   node tests/web/readalong.mjs plan.json
// plan: {page, screenshot, phone_screenshot, seek_time, click_id, speaker_button, chapter}
//   or, for a word-mode page, {page, words: {seek_time, click_id}}: only the word steps.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// This machine has no network: without these flags Chromium stalls on background connections.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];

const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ error: 'timeout' }));
  process.exit(3);
}, 120_000);

const profile = mkdtempSync(join(tmpdir(), 'hemicycle-chromium-'));
const out = { errors: [] };
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS,
    viewport: { width: 1200, height: 820 }, locale: 'fr-FR',
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
  await page.goto(pathToFileURL(plan.page).href);
  await page.waitForFunction(() => document.getElementById('audio').readyState >= 1, null,
    { timeout: 30_000 });

  // What the page shows right now.
  const state = () => page.evaluate(() => {
    const a = document.getElementById('audio');
    const cur = [...document.querySelectorAll('.s.current')];
    const el = cur[0];
    const bar = document.querySelector('.player').getBoundingClientRect().bottom;
    const r = el ? el.getBoundingClientRect() : null;
    return {
      currentTime: a.currentTime, paused: a.paused, playbackRate: a.playbackRate,
      highlighted: cur.map((e) => e.id),
      ariaCurrent: el ? el.getAttribute('aria-current') : null,
      speakerName: document.getElementById('speaker-name').textContent,
      speakerRole: document.getElementById('speaker-role').textContent,
      live: document.getElementById('speaker-live').textContent,
      chapter: document.getElementById('chapter').value,
      inView: r ? r.top >= bar - 1 && r.bottom <= window.innerHeight + 1 : false,
    };
  });
  // Smooth scrolling: wait until the page stops moving.
  const settle = () => page.evaluate(() => new Promise((res) => {
    let last = -1, still = 0;
    const poll = () => {
      if (window.scrollY === last && ++still >= 3) return res();
      if (window.scrollY !== last) still = 0;
      last = window.scrollY; setTimeout(poll, 80);
    };
    poll();
  }));
  const seek = async (t) => {
    await page.evaluate((t) => new Promise((res) => {
      const a = document.getElementById('audio');
      const done = () => requestAnimationFrame(() => res());
      a.addEventListener('seeked', done, { once: true });
      a.currentTime = t;
      setTimeout(done, 5000);
    }), t);
    await settle();
  };

  out.load = await page.evaluate(() => {
    const a = document.getElementById('audio');
    return { duration: a.duration, readyState: a.readyState, canPlayMp3: a.canPlayType('audio/mpeg'),
             sentences: document.querySelectorAll('.s').length,
             buttons: document.querySelectorAll('button').length,
             clickableNonButtons: document.querySelectorAll('[onclick], div[role=button]').length };
  });

  if (plan.words) {
    // Word mode: the word said at a time is marked; a click on a word plays from it.
    const words = () => page.evaluate(() => ({
      now: [...document.querySelectorAll('.w.now')].map((e) => e.id),
      sentence: [...document.querySelectorAll('.s.current')].map((e) => e.id),
      currentTime: document.getElementById('audio').currentTime,
      underline: (() => { const e = document.querySelector('.w.now');
        return e ? getComputedStyle(e).textDecorationLine : null; })(),
    }));
    await seek(plan.words.seek_time);
    out.wordSeek = await words();
    await page.click('#' + plan.words.click_id);
    await page.waitForFunction(() => !document.getElementById('audio').seeking);
    out.wordClick = await words();
    await page.evaluate(() => document.getElementById('audio').pause());
    throw Object.assign(new Error('done'), { done: true });
  }

  await seek(plan.seek_time);
  out.seek = await state();

  // Click a sentence: the audio jumps to its start and plays.
  await page.click('#' + plan.click_id);
  await page.waitForFunction(() => !document.getElementById('audio').seeking);
  out.click = await state();
  await page.waitForTimeout(600);
  out.afterClick = await state();          // still playing (time advanced) and in view
  await page.evaluate(() => document.getElementById('audio').pause());

  // Keyboard, with the focus where the click left it (the text).
  const key = async (k) => { await page.keyboard.press(k); await settle(); return state(); };
  out.keys = { start: await state() };
  out.keys.right = await key('ArrowRight');
  out.keys.left = await key('ArrowLeft');
  out.keys.down = await key('ArrowDown');
  out.keys.up = await key('ArrowUp');
  out.keys.space = await key('Space');
  out.keys.space2 = await key('Space');

  // A speaker's button jumps to one of their turns; the chapter menu; the speed.
  await page.click(`button[data-speaker="${plan.speaker_button}"]`);
  await settle();
  out.speakerButton = await state();
  await page.selectOption('#chapter', String(plan.chapter));
  await settle();
  out.chapter = await state();
  await page.selectOption('#rate', '1.5');
  out.rate = await state();

  // Focus is visible on a real button reached with Tab.
  await page.focus('#next');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  out.focus = await page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return { id: el.id, tag: el.tagName, outline: cs.outlineStyle, width: cs.outlineWidth };
  });

  // The screenshot: back to the planned sentence, highlighted, with its speaker shown.
  // From the top of the page, so that a sentence of the first screen leaves the title in view.
  await page.evaluate(() => document.activeElement.blur());
  await page.mouse.move(0, 0);
  await seek(0);
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }));
  await seek(plan.seek_time);
  out.final = await state();
  await page.screenshot({ path: plan.screenshot });

  out.dark = await (async () => {
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    return { light, dark };
  })();

  // A phone: no sideways scrolling, controls still there.
  await page.setViewportSize({ width: 390, height: 844 });
  await seek(0);                           // away and back: the sentence is scrolled to again
  await seek(plan.seek_time);
  out.phone = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
    playVisible: document.getElementById('play').getBoundingClientRect().width > 0,
  }));
  out.phone.state = await state();
  await page.screenshot({ path: plan.phone_screenshot });
} catch (e) {
  if (!e.done) out.error = String(e && e.stack || e);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(watchdog);
}
console.log(JSON.stringify(out));
process.exit(out.error ? 1 : 0);

// Hémicycle read-along: the audio element is the only clock; the embedded timeline maps its
// currentTime to a sentence (binary search) and, in word mode, to a word of it; every control
// just seeks the audio.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('hemicycle-data').textContent);
  var audio = document.getElementById('audio');
  var $ = function (id) { return document.getElementById(id); };
  var S = data.sentences.map(function (s, i) {
    return { i: i, id: s[0], begin: s[1], end: s[2], speaker: s[3], turn: s[4], chapter: s[5],
             el: document.getElementById(s[0]), words: (data.words || {})[s[0]] || [] };
  });
  var byId = {};
  S.forEach(function (s) { byId[s.id] = s; });
  // Speaker turns (narration excluded): the index of each turn's first sentence.
  var turnStarts = [];
  S.forEach(function (s, i) {
    if (s.speaker !== 0 && (i === 0 || S[i - 1].turn !== s.turn)) turnStarts.push(i);
  });
  var current = -1, lastLive = -1, word = null;

  function indexAt(t) {
    // Last sentence beginning at or before t; a half-millisecond of slack for float rounding.
    var lo = 0, hi = S.length - 1, found = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (S[mid].begin <= t + 0.0005) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  function turnElement(el) {
    while (el && el !== document.body) {
      if (el.classList && el.classList.contains('turn')) return el;
      el = el.parentNode;
    }
    return null;
  }

  function keepInView(el) {
    if (!$('follow').checked || !el) return;
    var r = el.getBoundingClientRect();
    var top = document.querySelector('.player').getBoundingClientRect().bottom;
    // Scroll only when the sentence leaves the comfortable band: the text must not jitter.
    if (r.top < top + 8 || r.bottom > window.innerHeight - 40) {
      el.scrollIntoView({ block: 'center' });
    }
  }

  function show(i) {
    if (i === current || !S[i]) return;
    var prev = S[current];
    if (prev && prev.el) {
      prev.el.classList.remove('current');
      prev.el.removeAttribute('aria-current');
      var pt = turnElement(prev.el);
      if (pt) pt.classList.remove('active');
    }
    current = i;
    var s = S[i];
    if (s.el) {
      s.el.classList.add('current');
      s.el.setAttribute('aria-current', 'true');
      var t = turnElement(s.el);
      if (t) t.classList.add('active');
      keepInView(s.el);
    }
    var who = data.speakers[s.speaker];
    $('speaker-name').textContent = who.name;
    $('speaker-role').textContent = who.role || '';
    // The live region speaks only when a person starts speaking: announcing every stage
    // direction ("Applaudissements") would talk over the audio all the time.
    if (s.speaker !== 0 && s.speaker !== lastLive) {
      lastLive = s.speaker;
      $('speaker-live').textContent = 'Orateur : ' + who.name + (who.role ? ', ' + who.role : '');
    }
    $('chapter').value = String(s.chapter);
  }

  function showWord(t) {  // the current sentence's word being said at t (word mode)
    var s = S[current], el = null;
    if (s && s.words.length) {
      var k = 0;
      while (k + 1 < s.words.length && s.words[k + 1] <= t + 0.0005) k++;
      el = document.getElementById(s.id + '-w' + ('00' + k).slice(-3));
    }
    if (el === word) return;
    if (word) word.classList.remove('now');
    word = el;
    if (el) el.classList.add('now');
  }

  function sync() {
    if (!S.length) return;
    show(indexAt(audio.currentTime));
    showWord(audio.currentTime);
  }

  function seek(i, play) {
    i = Math.max(0, Math.min(S.length - 1, i));
    audio.currentTime = S[i].begin;
    show(i);
    showWord(S[i].begin);
    if (play) audio.play().catch(function () {});
  }

  function turnOf(i) {  // index in turnStarts of the turn holding sentence i (-1 before any)
    var k = -1;
    for (var j = 0; j < turnStarts.length && turnStarts[j] <= i; j++) k = j;
    return k;
  }

  function nextTurn() {
    var k = turnOf(Math.max(current, 0));
    if (current < 0 && turnStarts.length) return seek(turnStarts[0]);
    if (k + 1 < turnStarts.length) seek(turnStarts[k + 1]);
  }
  function prevTurn() {
    var k = turnOf(current);
    if (k < 0) return seek(0);
    // Inside turn k: the one before it; in the narration after turn k: turn k itself.
    if (S[current].turn === S[turnStarts[k]].turn) k = Math.max(0, k - 1);
    seek(turnStarts[k]);
  }
  function toggle() { if (audio.paused) audio.play().catch(function () {}); else audio.pause(); }

  function playState() {
    $('play').textContent = audio.paused ? 'Lecture' : 'Pause';
  }

  // While playing, follow at display rate (timeupdate alone fires only every ~250 ms).
  var raf = 0;
  function tick() { sync(); raf = audio.paused ? 0 : requestAnimationFrame(tick); }
  audio.addEventListener('play', function () { playState(); if (!raf) raf = requestAnimationFrame(tick); });
  audio.addEventListener('pause', playState);
  ['timeupdate', 'seeking', 'seeked', 'loadedmetadata'].forEach(function (ev) {
    audio.addEventListener(ev, sync);
  });

  $('play').addEventListener('click', toggle);
  $('prev').addEventListener('click', function () { seek(current - 1); });
  $('next').addEventListener('click', function () { seek(current + 1); });
  $('prev-turn').addEventListener('click', prevTurn);
  $('next-turn').addEventListener('click', nextTurn);
  $('rate').addEventListener('change', function () { audio.playbackRate = parseFloat(this.value); });
  audio.addEventListener('ratechange', function () { $('rate').value = String(audio.playbackRate); });
  $('chapter').addEventListener('change', function () {
    var c = data.chapters[+this.value];
    if (c) seek(indexAt(c.begin));
  });
  // A speaker's button: their next turn after the current position, wrapping round.
  document.querySelectorAll('button[data-speaker]').forEach(function (b) {
    b.addEventListener('click', function () {
      var who = +b.getAttribute('data-speaker');
      var mine = turnStarts.filter(function (i) { return S[i].speaker === who; });
      if (!mine.length) return;
      var next = mine.filter(function (i) { return i > current; })[0];
      seek(next === undefined ? mine[0] : next);
    });
  });
  // Click on a sentence: play from it; on a word (word mode): from that word.
  document.getElementById('texte').addEventListener('click', function (e) {
    var el = e.target.closest ? e.target.closest('.s') : null;
    if (!el || !byId[el.id]) return;
    var s = byId[el.id], w = e.target.closest('.w');
    var at = w ? s.words[+w.id.slice(-3)] : undefined;
    if (at === undefined) return seek(s.i, true);
    audio.currentTime = at;
    show(s.i);
    showWord(at);
    audio.play().catch(function () {});
  });

  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    var tag = (e.target.tagName || '').toLowerCase();
    // Form fields and the native player keep their own keys; buttons keep space and enter.
    if (tag === 'input' || tag === 'select' || tag === 'textarea' || tag === 'audio' ||
        e.target.isContentEditable) return;
    var k = e.key;
    if (k === ' ' || k === 'Spacebar') {
      if (tag === 'button' || tag === 'summary' || tag === 'a') return;
      toggle();
    } else if (k === 'ArrowLeft') seek(current - 1);
    else if (k === 'ArrowRight') seek(current + 1);
    else if (k === 'ArrowUp') prevTurn();
    else if (k === 'ArrowDown') nextTurn();
    else return;
    e.preventDefault();
  });

  // A new layout (phone turned, window resized) may hide the sentence: bring it back.
  window.addEventListener('resize', function () { if (S[current]) keepInView(S[current].el); });
  // On a phone the speaker list would push the text a screen down: start it closed.
  if (window.matchMedia && window.matchMedia('(max-width: 50rem)').matches) $('speakers').open = false;

  playState();
  // Opened at a sentence (<page>#<sentence id>, as the archive's search links): start there.
  function fromHash() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* a malformed %-escape: as typed */ }
    var s = byId[id];
    if (s) seek(s.i); else sync();
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();

// The archive's search: the Lunr index of every sentence (dist/archive-index.js), a query
// folded like the index (archive.py's fold()), each result a link to the read-along page at
// its sentence. The query lives in the URL (#q=…), so a result list can be linked to.
(function () {
  "use strict";
  var data = window.HEMICYCLE_ARCHIVE;
  var input = document.getElementById("q");
  var status = document.getElementById("status");
  var list = document.getElementById("results");
  var SHOWN = 50;
  var stop = new Set(data.stopwords);
  var t0 = performance.now();
  var index = lunr.Index.load(data.index);
  var loadMs = performance.now() - t0;
  status.dataset.loadMs = loadMs.toFixed(1);

  function fold(s) {
    return s.toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^0-9a-z]+/g, " ").trim();
  }

  // The words of the query, marked in the sentence shown (accents ignored, as in the search).
  function marked(text, words) {
    var frag = document.createDocumentFragment();
    var re = /[0-9A-Za-zÀ-ÖØ-öø-ÿŒœÆæ]+/g, pos = 0, m;
    while ((m = re.exec(text))) {
      var w = fold(m[0]);
      if (words.some(function (q) { return w.indexOf(q) === 0; })) {
        frag.appendChild(document.createTextNode(text.slice(pos, m.index)));
        var mark = document.createElement("mark");
        mark.textContent = m[0];
        frag.appendChild(mark);
        pos = m.index + m[0].length;
      }
    }
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  function clock(s) {
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = Math.floor(s % 60);
    return (h ? h + " h " : "") + m + " min " + (sec < 10 ? "0" : "") + sec + " s";
  }

  function search(q) {
    var t = performance.now();
    var all = fold(q).split(" ").filter(Boolean);
    var words = all.filter(function (w) { return !stop.has(w); });
    list.textContent = "";
    if (!all.length) { status.textContent = ""; delete status.dataset.ms; return; }
    // Every word required; a word of three letters or more also finds the words it begins.
    var hits = !words.length ? [] : index.query(function (query) {
      words.forEach(function (w) {
        var W = lunr.Query.wildcard;
        query.term(w, { presence: lunr.Query.presence.REQUIRED,
                        wildcard: w.length >= 3 ? W.TRAILING : W.NONE });
      });
    });
    hits.slice(0, SHOWN).forEach(function (hit) {
      var ref = hit.ref.split(":"), sitting = data.sittings[+ref[0]];
      var row = data.sentences[+ref[0]][+ref[1]];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = sitting.page + "#" + encodeURIComponent(row[0]);
      a.appendChild(marked(row[3], words));
      li.appendChild(a);
      var where = document.createElement("span");
      where.className = "where";
      where.textContent = [row[2], sitting.title, sitting.date, "à " + clock(row[1])]
        .filter(Boolean).join(" · ");
      li.appendChild(where);
      list.appendChild(li);
    });
    var ms = performance.now() - t;
    status.dataset.ms = ms.toFixed(1);
    status.dataset.count = hits.length;
    status.textContent = (hits.length ? hits.length + " phrase" + (hits.length > 1 ? "s" : "")
      + (hits.length > SHOWN ? " (les " + SHOWN + " plus pertinentes affichées)" : "")
      : "Aucune phrase") + " · " + ms.toFixed(0) + " ms";
  }

  function fromHash() {
    var m = /^#q=(.*)$/.exec(location.hash);
    if (m) {
      var q = m[1].replace(/\+/g, " ");
      try { q = decodeURIComponent(q); } catch (e) { /* a malformed %-escape: as typed */ }
      input.value = q;
    }
    search(input.value);
  }

  input.addEventListener("input", function () {
    history.replaceState(null, "", input.value ? "#q=" + encodeURIComponent(input.value) : "#");
    search(input.value);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();

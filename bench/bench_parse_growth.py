"""Do the readers and the sentence splitter stay linear? Time per MB at 1×, 4× and 10× the
largest real sitting of each kind, grown by repeating its own content, and on hostile shapes
made from that content (the cases of issue 26 item 8: a page of unclosed tags or comments, a
NosDéputés record full of unclosed <i>, a sitting in one paragraph).

    .venv/bin/python bench/bench_parse_growth.py [--factors 1 4 10] [--only json]

Sources: the largest file of each kind under tests/fixtures/sources/, seeds/ and the shared
samples folder beside the repository (../shared/samples/) when it is there. CPU time of this
process (process_time): the machine may be shared. Linear means the time per MB stays about the
same from 1× to 10× (the last column: 10× over 1×; a quadratic reader shows about 10)."""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROOTS = [ROOT / "tests" / "fixtures" / "sources", ROOT / "seeds", ROOT.parent / "shared" / "samples"]
KINDS = {                                   # kind → file name patterns
    "plain text": ("*.txt",),
    "AN HTML": ("*.asp",),
    "Syceron XML": ("CRSANR*.xml",),
    "NosDéputés JSON": ("*.json",),
    "ParlaMint TEI": ("ParlaMint-FR_*.xml",),
}


def largest(kind: str) -> Path:
    found = [p for r in ROOTS if r.is_dir() for pat in KINDS[kind] for p in r.rglob(pat)
             if "extrait" not in p.name]
    if not found:
        raise SystemExit(f"no real {kind} sitting under {', '.join(str(r) for r in ROOTS)}")
    return max(found, key=lambda p: p.stat().st_size)


def _between(text: str, a: str, b: str) -> tuple[str, str, str]:
    i = text.index(a) + len(a)
    j = text.rindex(b)
    return text[:i], text[i:j], text[j:]


def _grow(body: str, factor: float) -> str:
    """``body`` repeated to ``factor`` times its length (whole copies, then a cut one)."""
    n = int(len(body) * factor)
    return (body * (n // len(body) + 1))[:n]


# --- the growth of each kind: real content repeated ---------------------------------------

def plain(text: str, factor: float) -> str:
    return _grow(text, factor)


def an_html(text: str, factor: float) -> str:
    """The page with the sitting between its DEBUT_SEANCE and FIN_SEANCE markers repeated."""
    head, body, tail = _an_parts(text)
    return head + _grow(body, factor) + tail


def _an_parts(text: str) -> tuple[str, str, str]:
    start = text.index("-->", text.index("DEBUT_SEANCE")) + 3
    end = text.rindex("<!--", 0, text.index("FIN_SEANCE"))
    return text[:start], text[start:end], text[end:]


def syceron(text: str, factor: float) -> str:
    head, body, tail = _between(text, "<contenu>", "</contenu>")
    return head + _grow_xml(body, factor) + tail


def tei(text: str, factor: float) -> str:
    head, body, tail = _between(text, "<body>", "</body>")
    return head + _grow_xml(body, factor) + tail


def _grow_xml(body: str, factor: float) -> str:
    """Whole copies only: a cut copy would not be well-formed."""
    return body * max(1, round(factor))


def nosdeputes(text: str, factor: float) -> str:
    data = json.loads(text)
    recs = data["seance"] if isinstance(data, dict) else data
    n = int(len(recs) * factor)
    return json.dumps([recs[i % len(recs)] for i in range(n)], ensure_ascii=False)


# --- hostile shapes, from the same real content -------------------------------------------

def html_unclosed_tags(text: str, factor: float) -> str:
    """Every tag of the sitting without its ">" (a page cut at every ">": refused, no text)."""
    head, body, tail = _an_parts(text)
    return head + _grow(body.replace(">", " "), factor) + tail


def html_unclosed_inline(text: str, factor: float) -> str:
    """Every tag inside the paragraphs (<b>, <i>, <a>, <sup>…) without its ">"."""
    head, body, tail = _an_parts(text)
    return head + _grow(re.sub(r"(<(?!/?p\b)[^>]*)>", r"\1 ", body), factor) + tail


def html_unclosed_comments(text: str, factor: float) -> str:
    """Every paragraph opening a comment that never closes."""
    head, body, tail = _an_parts(text)
    return head + _grow(body.replace("-->", " ").replace("<p>", "<!-- <p>"), factor) + tail


def html_bold_without_end(text: str, factor: float) -> str:
    """Speaker names in <b> that never close, each linking to a deputy's page."""
    head, body, tail = _an_parts(text)
    return head + "<p>" + _grow(body.replace("</b>", "").replace("<b>", "<b>fiches_id/1 "), factor) + tail


def json_unclosed_italics(text: str, factor: float) -> str:
    """The sitting as one record, one paragraph, each word opening an <i> that never closes."""
    data = json.loads(text)
    recs = [r["intervention"] for r in (data["seance"] if isinstance(data, dict) else data)]
    body = re.sub(r"</?[pi]\b[^>]*>", " ", "".join(r.get("contenu") or "" for r in recs))
    body = body.replace(" ", " <i>")
    one = dict(recs[1], contenu=_grow(body, factor))
    return json.dumps([{"intervention": one}], ensure_ascii=False)


def json_every_name_new(text: str, factor: float) -> str:
    """Every record by a speaker of its own (the civility lookup goes through all names)."""
    data = json.loads(text)
    recs = [r["intervention"] for r in (data["seance"] if isinstance(data, dict) else data)]
    n = int(len(recs) * factor)
    out = []
    for i in range(n):
        r = dict(recs[i % len(recs)])
        if r.get("intervenant_nom"):
            r["intervenant_nom"] = f"{r['intervenant_nom']} {chr(65 + i % 26)}{i}"
        out.append({"intervention": r})
    return json.dumps(out, ensure_ascii=False)


def plain_one_line(text: str, factor: float) -> str:
    """The whole sitting as one line."""
    return _grow(" ".join(text.split("\n")), factor)


def plain_short_turns(text: str, factor: float) -> str:
    """Every turn of the sitting cut to its label and five words: a remark per line."""
    from pipeline.parse.labels import parse_label
    turns = []
    for line in text.split("\n"):
        lab = parse_label(line)
        if lab is not None:
            turns.append(" ".join([lab.text] + lab.rest.split()[:5]))
    return _grow("\n".join(turns) + "\n", factor)


def one_paragraph(text: str, factor: float) -> str:
    """Every paragraph of the sitting as one paragraph (for the splitter)."""
    return _grow(" ".join(s for s in text.split("\n") if s.strip()), factor)


def one_paragraph_open_quote(text: str, factor: float) -> str:
    """The same, opening a quotation that never closes."""
    return "« " + _grow(" ".join(s for s in text.replace("»", "").split("\n") if s.strip()), factor)


def one_paragraph_of_dots(text: str, factor: float) -> str:
    """Runs of dots between the words."""
    return _grow(" ".join(s for s in text.split("\n") if s.strip()).replace(" ", " .......... "),
                 factor)


# --- running ------------------------------------------------------------------------------

def _parse_text(s: str, name: str):
    from pipeline.parse import parse_text
    return parse_text(s, name)


def _parse_xml(s: str, name: str):
    from pipeline.parse.xml import parse_xml
    return parse_xml(s.encode("utf-8"), name)


def _split(s: str, name: str):
    from pipeline.normalize.sentences import split_sentences
    return split_sentences(s)


def cases() -> list[tuple[str, str, object, object, str]]:
    """(kind, shape, grow, run, source text)."""
    def read(kind):
        p = largest(kind)
        raw = p.read_bytes()
        return p, raw.decode("latin-1") if p.suffix == ".asp" else raw.decode("utf-8")
    out = []
    for kind, shapes, run, name in (
            ("plain text", [("real", plain), ("one line", plain_one_line),
                            ("short turns", plain_short_turns)], _parse_text, "x.txt"),
            ("AN HTML", [("real", an_html), ("tags cut at >", html_unclosed_tags),
                         ("inline tags unclosed", html_unclosed_inline),
                         ("unclosed comments", html_unclosed_comments),
                         ("<b> never closed", html_bold_without_end)], _parse_text, "x.asp"),
            ("Syceron XML", [("real", syceron)], _parse_xml, "x.xml"),
            ("NosDéputés JSON", [("real", nosdeputes), ("unclosed <i>", json_unclosed_italics),
                                 ("a name per record", json_every_name_new)], _parse_text, "x.json"),
            ("ParlaMint TEI", [("real", tei)], _parse_xml, "x.xml")):
        p, text = read(kind)
        for shape, grow in shapes:
            out.append((kind, shape, grow, lambda s, run=run, name=name: run(s, name), p, text))
    p, text = read("plain text")
    for shape, grow in (("one paragraph", one_paragraph), ("open «", one_paragraph_open_quote),
                        ("runs of dots", one_paragraph_of_dots)):
        out.append(("splitter", shape, grow, lambda s: _split(s, ""), p, text))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--factors", type=float, nargs="+", default=[1, 4, 10])
    ap.add_argument("--only", help="kinds whose name contains this (case-insensitive)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    f = args.factors
    print(f"{'kind':<16} {'shape':<20} {'source':<44} " + " ".join(f"{x:>5g}× s/MB" for x in f)
          + "   last/first")
    worst = 0.0
    for kind, shape, grow, run, path, text in cases():
        if args.only and args.only.lower() not in kind.lower():
            continue
        per_mb = []
        try:
            run(grow(text, f[0]))               # warm-up: imports, lexicons, compiled patterns
        except Exception as e:
            if type(e).__name__ != "InputError":
                raise
        for factor in f:
            s = grow(text, factor)
            mb = len(s.encode("utf-8")) / 1e6
            t = time.process_time()
            try:
                run(s)
            except Exception as e:              # a refused input is an answer too: its time counts
                if type(e).__name__ != "InputError":
                    raise
            per_mb.append((time.process_time() - t) / mb)
        ratio = per_mb[-1] / per_mb[0] if per_mb[0] > 0 else float("inf")
        worst = max(worst, ratio)
        print(f"{kind:<16} {shape:<20} {path.name[:44]:<44} "
              + " ".join(f"{x:>11.3f}" for x in per_mb) + f"   {ratio:>8.2f}", flush=True)
    print(f"worst growth of the time per MB from {f[0]:g}× to {f[-1]:g}×: {worst:.2f} "
          "(linear ≈ 1; quadratic ≈ the size ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

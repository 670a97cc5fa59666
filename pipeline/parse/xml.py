"""XML sources: parsed once, safely (no entity expansion, no network, the declared encoding
honoured), then handed to the reader of their root element."""
from __future__ import annotations

from lxml import etree

from pipeline.model import Debate, InputError

AN_NS = "http://schemas.assemblee-nationale.fr/referentiel"
TEI_NS = "http://www.tei-c.org/ns/1.0"
# Real sittings nest 10 levels at most (Syceron and ParlaMint samples); the readers recurse, so
# a document nested deeper than this is refused before any reader sees it.
MAX_DEPTH = 100


def load(data: bytes, source: str):
    """The root element of ``data``; a DTD declaring entities is refused (never expanded: that
    is also the billion-laughs guard)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InputError(f"{source}:{e.lineno or 1}: invalid XML ({e.msg})") from None
    except (ValueError, LookupError) as e:       # unknown encoding declared, and the like
        raise InputError(f"{source}: unreadable XML ({e})") from None
    depth = 0
    if root is None:
        raise InputError(f"{source}: empty XML document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (list(dtd.iterentities()) or list(dtd.elements())):
        raise InputError(f"{source}: XML with a DOCTYPE declaring entities or elements: "
                         "refused (entities are never expanded); remove the DOCTYPE")
    if any(isinstance(n, etree._Entity) for n in root.iter()):
        raise InputError(f"{source}: XML with entity references: refused (never expanded)")
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth = depth + 1 if event == "start" else depth - 1
        if depth > MAX_DEPTH:
            from pipeline.parse import unknown_layout
            raise unknown_layout(source, f"XML (elements nested more than {MAX_DEPTH} deep)")
    return root


def parse_xml(data: bytes, source: str = "<xml>") -> Debate:
    root = load(data, source)
    qn = etree.QName(root)
    if qn.namespace == TEI_NS and qn.localname in ("TEI", "teiCorpus"):
        from pipeline.parse.tei import parse_tei_root
        return parse_tei_root(root, source)
    if qn.namespace == AN_NS and qn.localname == "compteRendu":
        from pipeline.parse.syceron import parse_syceron
        return parse_syceron(root, source)
    from pipeline.parse import unknown_layout
    raise unknown_layout(source, f"XML (root element <{qn.localname}>"
                                 f"{' in ' + qn.namespace if qn.namespace else ''})")

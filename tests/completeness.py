#!/usr/bin/env python3
"""Record completeness: read an ERN message with an independent reader
(ElementTree, namespace-agnostic) and check that what ddexmon's records say
about it is all there.

    completeness.py MESSAGE.xml RECORDS.jsonl   check, exit 1 listing what is missing
    completeness.py --is-ern MESSAGE.xml        exit 0 if the root is in an ERN 3/4 namespace

For every record element (the MessageHeader, each child of ResourceList,
each Party, Release, TrackRelease, ReleaseDeal, ...) the records must come
in the same order with the same type and kind, and must hold:
  - every ISRC and ICPN of the record's own identifiers (see ID_PARENTS);
  - every title (TitleText of a ReferenceTitle, DisplayTitle, Title or
    AdditionalTitle directly in the record or in its *DetailsByTerritory,
    and every DisplayTitleText), in "titles";
  - every DisplayArtistName in "display_artist_names" (every script), and
    every DisplayArtist/PartyName/FullName in "artists";
  - for deals: every TerritoryCode and ExcludedTerritoryCode of the deal
    terms, every CommercialModelType and every UseType.
What a record says about another release or resource (RelatedRelease,
RelatedResource) is not about the record, as in ddexmon.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

ERN_NS = re.compile(r"^http://ddex\.net/xml/(ern/|20\d\d/ern-main/)[34][0-9A-Z]{1,5}$")
SKIP = {"RelatedRelease", "RelatedResource"}
# A record's own identifiers. A resource's ReleaseId is not its own: in 3.x
# it sits in HostSoundCarrier and names the carrier release (the sshaw
# 3.4-3.8 fixtures have ISRCs and ICPNs there). A release's own are its
# ReleaseId's: a SoundRecordingId nested in a Release is schema-invalid and
# about the recording (originalworks__protocol nests a SoundRecording in
# its Release's TechnicalDetails).
ID_PARENTS = {
    "resource": {"SoundRecordingId", "ResourceId", "ImageId", "VideoId", "TextId",
                 "SheetMusicId", "SoftwareId", "MidiId", "UserDefinedResourceId"},
    "release": {"ReleaseId"},
}
TITLE_HOLDERS = {"ReferenceTitle", "DisplayTitle", "Title", "AdditionalTitle"}
WS = " \t\r\n"


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def ns_of(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def text(el):
    """The element's own text (not its children's), trimmed as ddexmon does."""
    parts = [el.text or ""] + [c.tail or "" for c in el]
    return "".join(parts).strip(WS)


def record_elements(root):
    """(type, element) in document order, as ddexmon picks them."""
    out = []
    for top in root:
        name = local(top.tag)
        if name == "MessageHeader":
            out.append(("header", top))
        elif name == "PurgedRelease":
            out.append(("release", top))
        for el in top:
            child = local(el.tag)
            if not child:
                continue
            if name == "ResourceList":
                out.append(("resource", el))
            elif name == "PartyList" and child == "Party":
                out.append(("party", el))
            elif name == "ReleaseList" and child in ("Release", "TrackRelease"):
                out.append(("release", el))
            elif name == "DealList" and child == "ReleaseDeal":
                out.append(("deal", el))
            elif name in ("UpdateReleaseList", "TakedownReleaseList"):
                out.append(("release", el))
    return out


def walk(el, parents=()):
    """(element, parent local names, outermost first) below el, Related* left out."""
    for child in el:
        name = local(child.tag)
        if not name or name in SKIP:
            continue
        yield child, parents
        yield from walk(child, parents + (name,))


def expected(rtype, rec):
    """{what: [values]} the element says."""
    want = {}

    def add(what, value):
        if value:
            want.setdefault(what, []).append(value)

    for el, parents in walk(rec):
        name = local(el.tag)
        parent = parents[-1] if parents else ""
        if rtype in ("resource", "release"):
            if name in ("ISRC", "ICPN") and parent in ID_PARENTS[rtype]:
                add(name, text(el))
            if name == "TitleText" and parent in TITLE_HOLDERS and (
                    len(parents) == 1 or
                    (len(parents) == 2 and parents[0].endswith("DetailsByTerritory"))):
                add("title", text(el))
            if name == "DisplayTitleText" and not parents:
                add("title", text(el))
            if name == "DisplayArtistName":
                add("display artist name", text(el))
            if name == "FullName" and parents[-2:] == ("DisplayArtist", "PartyName"):
                add("artist name", text(el))
        elif rtype == "deal":
            if name in ("TerritoryCode", "ExcludedTerritoryCode") and parent == "DealTerms":
                add(name, text(el))
            if name in ("CommercialModelType", "UseType"):
                add(name, text(el))
    return want


def found(rec):
    """{what: set of values} the record holds."""
    have = {}

    def put(what, values):
        have.setdefault(what, set()).update(v for v in values if isinstance(v, str))

    ids = rec.get("ids", [])
    for kind in ("ISRC", "ICPN"):
        put(kind, [i.get("value") for i in ids if i.get("type") == kind])
    put("ISRC", [rec.get("isrc")])
    put("ICPN", [rec.get("icpn")])
    put("title", [t.get("text") for t in rec.get("titles", [])])
    put("display artist name", [n.get("name") for n in rec.get("display_artist_names", [])])
    for a in rec.get("artists", []):
        put("artist name", [a.get("name")] + a.get("names", []))
    for d in rec.get("deals", []):
        put("TerritoryCode", d.get("territories", []))
        put("ExcludedTerritoryCode", d.get("excluded_territories", []))
        put("CommercialModelType", d.get("commercial_model_types", []))
        put("UseType", d.get("use_types", []))
    return have


def check(xml_path, jsonl_path):
    root = ET.parse(xml_path).getroot()
    with open(jsonl_path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    elements = record_elements(root)
    problems = []
    if len(records) != len(elements):
        problems.append(f"{len(elements)} record elements but {len(records)} records")
    checked = 0
    for n, ((rtype, el), rec) in enumerate(zip(elements, records)):
        where = f"record {n} ({rtype} {local(el.tag)})"
        if rec.get("type") != rtype:
            problems.append(f"{where}: record has type {rec.get('type')}")
            continue
        if rtype in ("resource", "release") and rec.get("kind") != local(el.tag):
            problems.append(f"{where}: record has kind {rec.get('kind')}")
        have = found(rec)
        for what, values in expected(rtype, el).items():
            for v in values:
                checked += 1
                if v not in have.get(what, set()):
                    problems.append(f"{where}: {what} {v!r} missing")
    for p in problems:
        print(f"{xml_path}: {p}")
    print(f"{xml_path}: {len(elements)} records, {checked} values checked, "
          f"{len(problems)} problems")
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--is-ern":
        root = ET.parse(argv[2]).getroot()
        return 0 if ERN_NS.match(ns_of(root.tag)) else 1
    if len(argv) == 3:
        return check(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

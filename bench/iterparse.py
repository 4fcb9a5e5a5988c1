#!/usr/bin/env python3
"""What a Python user writes to stream a DDEX file: ElementTree.iterparse,
handling each SoundRecording / Release / ReleaseDeal at its end and clearing
elements as it goes. For the benchmark table only."""
import sys
import xml.etree.ElementTree as ET

WANTED = {"SoundRecording", "Release", "TrackRelease", "ReleaseDeal", "Party"}


def main():
    src = sys.stdin.buffer if len(sys.argv) < 2 or sys.argv[1] == "-" else sys.argv[1]
    counts = {}
    context = ET.iterparse(src, events=("start", "end"))
    _, root = next(context)
    for event, elem in context:
        if event != "end":
            continue
        tag = elem.tag.rsplit("}", 1)[-1]
        if tag in WANTED:
            counts[tag] = counts.get(tag, 0) + 1
            elem.clear()
            root.clear()
    print(counts, file=sys.stderr)


if __name__ == "__main__":
    main()

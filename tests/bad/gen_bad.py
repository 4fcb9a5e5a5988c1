#!/usr/bin/env python3
"""Generate one hostile input for the bad-input suite on stdout.

Usage: gen_bad.py NAME [ARG]

The inputs are produced at test time so that nothing large is committed;
they stream, so a 200 MB value never has to exist on disk. Each one is
deterministic (fixed seeds), so a failure reproduces byte for byte.

Most inputs start as a real ERN 4.3 message whose header closes before the
hostile part, so the suite can also check that records written before the
error are complete JSON lines.
"""
import os
import random
import sys

ERN_NS = "http://ddex.net/xml/ern/43"
CHUNK = 1 << 16

HEADER = (
    '<MessageHeader><MessageId>BAD-1</MessageId>'
    '<MessageSender><PartyId>PADPIDA0000000001</PartyId></MessageSender>'
    '<MessageCreatedDateTime>2024-01-01T00:00:00</MessageCreatedDateTime>'
    '</MessageHeader>'
)


def ern_open(extra_attrs=""):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ern:NewReleaseMessage xmlns:ern="%s" MessageSchemaVersionId="ern/43"%s>\n'
            % (ERN_NS, extra_attrs))


ERN_CLOSE = '</ern:NewReleaseMessage>\n'


class Out:
    """Buffered writer to stdout that stops quietly when the reader goes
    away (the parser refusing early is the expected outcome)."""

    def __init__(self):
        self.f = sys.stdout.buffer
        self.buf = bytearray()

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.buf += data
        if len(self.buf) >= CHUNK:
            self.flush()

    def repeat(self, piece, count):
        if isinstance(piece, str):
            piece = piece.encode()
        per = max(1, CHUNK // len(piece))
        while count > 0:
            n = min(per, count)
            self.write(piece * n)
            count -= n

    def flush(self):
        if self.buf:
            self.f.write(self.buf)
            self.buf = bytearray()

    def close(self):
        self.flush()
        self.f.flush()


def gen_ext_entity(o, secret_path):
    # External general entity used in a captured field: if it were ever
    # loaded, the secret would land in the MessageId value.
    o.write('<?xml version="1.0"?>\n'
            '<!DOCTYPE ern:NewReleaseMessage [\n'
            '  <!ENTITY xxe SYSTEM "file://%s">\n]>\n' % secret_path)
    o.write('<ern:NewReleaseMessage xmlns:ern="%s">' % ERN_NS)
    o.write('<MessageHeader><MessageId>&xxe;</MessageId></MessageHeader>')
    o.write(ERN_CLOSE)


def gen_ext_param_entity(o, secret_path):
    o.write('<?xml version="1.0"?>\n'
            '<!DOCTYPE ern:NewReleaseMessage [\n'
            '  <!ENTITY %% pe SYSTEM "file://%s">\n  %%pe;\n]>\n' % secret_path)
    o.write('<ern:NewReleaseMessage xmlns:ern="%s">' % ERN_NS)
    o.write(HEADER)
    o.write(ERN_CLOSE)


def gen_ext_subset(o, secret_path):
    # An external DTD subset: never declared as an entity, so the entity
    # declaration check does not see it; it must simply never be read.
    o.write('<?xml version="1.0"?>\n'
            '<!DOCTYPE ern:NewReleaseMessage SYSTEM "file://%s">\n' % secret_path)
    o.write('<ern:NewReleaseMessage xmlns:ern="%s">' % ERN_NS)
    o.write(HEADER)
    o.write(ERN_CLOSE)


def gen_billion_laughs(o):
    o.write('<?xml version="1.0"?>\n<!DOCTYPE ern:NewReleaseMessage [\n'
            '  <!ENTITY lol0 "lol">\n')
    for i in range(1, 10):
        o.write('  <!ENTITY lol%d "%s">\n' % (i, ('&lol%d;' % (i - 1)) * 10))
    o.write(']>\n<ern:NewReleaseMessage xmlns:ern="%s">' % ERN_NS)
    o.write(HEADER)
    o.write('<Comment>&lol9;</Comment>')
    o.write(ERN_CLOSE)


def gen_quadratic(o):
    # One ~100 KB entity referenced 10,000 times: 1 GB of text from 160 KB.
    # The references sit in an element the ERN machine does not capture, so
    # only expat's amplification limit can stop it.
    o.write('<?xml version="1.0"?>\n<!DOCTYPE ern:NewReleaseMessage [\n'
            '  <!ENTITY big "%s">\n]>\n' % ('x' * 100000))
    o.write('<ern:NewReleaseMessage xmlns:ern="%s">' % ERN_NS)
    o.write(HEADER)
    o.write('<Comment>')
    o.repeat('&big;', 10000)
    o.write('</Comment>')
    o.write(ERN_CLOSE)


def gen_attr_entities(o, spread=False):
    # Internal entities nested 32-fold make one attribute of a ~700-byte
    # file 6.5 MB long once expanded: under expat's amplification
    # activation threshold (8 MiB), so only buffer_size can refuse it.
    # spread: four 100-byte attributes instead, each shorter than
    # buffer_size=256 and together longer.
    o.write('<?xml version="1.0"?>\n<!DOCTYPE ern:NewReleaseMessage [\n'
            '  <!ENTITY a "%s">\n' % ('a' * 100))
    for prev, name in (('a', 'b'), ('b', 'c'), ('c', 'd')):
        o.write('  <!ENTITY %s "%s">\n' % (name, ('&%s;' % prev) * 32))
    o.write(']>\n')
    o.write(ern_open().split('\n', 1)[1])
    o.write(HEADER)
    if spread:
        o.write('<ReleaseList><Release x1="&a;" x2="&a;" x3="&a;" x4="&a;">')
    else:
        o.write('<ReleaseList><Release IsMainRelease="&d;&d;">')
    o.write('<ReleaseReference>R1</ReleaseReference></Release></ReleaseList>')
    o.write(ERN_CLOSE)


def gen_deep_nesting(o, depth=1000000):
    o.write(ern_open())
    o.write(HEADER)
    o.repeat('<a>', depth)
    o.repeat('</a>', depth)
    o.write(ERN_CLOSE)


def gen_big_text(o, mib=200, captured=True):
    # A title is captured into the record, so buffer_size must refuse it;
    # a silent truncation would produce a record with a cut title.
    o.write(ern_open())
    o.write(HEADER)
    o.write('<ResourceList><SoundRecording><ResourceReference>A1</ResourceReference>')
    o.write('<DisplayTitleText>' if captured else '<Comment>')
    o.repeat('0123456789abcdef' * 64, mib * 1024)   # 1 KiB pieces
    o.write('</DisplayTitleText>' if captured else '</Comment>')
    o.write('</SoundRecording></ResourceList>')
    o.write(ERN_CLOSE)


def gen_big_attr(o, mib=30):
    o.write(ern_open())
    o.write(HEADER)
    o.write('<ReleaseList><Release IsMainRelease="')
    o.repeat('t' * 1024, mib * 1024)
    o.write('"><ReleaseReference>R1</ReleaseReference></Release></ReleaseList>')
    o.write(ERN_CLOSE)


def gen_many_attrs(o, count=200000):
    o.write(ern_open())
    o.write(HEADER)
    o.write('<ReleaseList><Release')
    for i in range(count):
        o.write(' a%d="v"' % i)
    o.write('><ReleaseReference>R1</ReleaseReference></Release></ReleaseList>')
    o.write(ERN_CLOSE)


def gen_invalid_utf8(o):
    o.write(ern_open())
    o.write(HEADER)
    o.write(b'<ResourceList><SoundRecording><DisplayTitleText>caf\xc3 \xff\xfe'
            b'</DisplayTitleText></SoundRecording></ResourceList>')
    o.write(ERN_CLOSE)


def gen_nul_byte(o):
    o.write(ern_open())
    o.write(HEADER)
    o.write(b'<ResourceList><SoundRecording><DisplayTitleText>a\x00b'
            b'</DisplayTitleText></SoundRecording></ResourceList>')
    o.write(ERN_CLOSE)


def gen_garbage(o):
    # 1 MiB of random bytes from a fixed seed (reproducible everywhere).
    rng = random.Random(20240601)
    o.write(rng.randbytes(1 << 20))


def gen_junk_after_root(o):
    o.write(ern_open())
    o.write(HEADER)
    o.write(ERN_CLOSE)
    o.write('<second-root/>\n')


def gen_not_ddex(o):
    o.write('<?xml version="1.0"?>\n<note><to>Tove</to><from>Jani</from>'
            '<body>not a DDEX message</body></note>\n')


def gen_foreign_ns(o):
    o.write('<?xml version="1.0"?>\n'
            '<ern:NewReleaseMessage xmlns:ern="http://example.com/not-ddex/ern/43">')
    o.write(HEADER)
    o.write(ERN_CLOSE)


def gen_no_ns(o):
    o.write('<?xml version="1.0"?>\n<NewReleaseMessage>%s</NewReleaseMessage>\n' % HEADER)


GENERATORS = {
    'ext-entity': lambda o, a: gen_ext_entity(o, a),
    'ext-param-entity': lambda o, a: gen_ext_param_entity(o, a),
    'ext-subset': lambda o, a: gen_ext_subset(o, a),
    'billion-laughs': lambda o, a: gen_billion_laughs(o),
    'quadratic': lambda o, a: gen_quadratic(o),
    'attr-entities': lambda o, a: gen_attr_entities(o),
    'attr-entities-spread': lambda o, a: gen_attr_entities(o, spread=True),
    'deep-nesting': lambda o, a: gen_deep_nesting(o),
    'big-text': lambda o, a: gen_big_text(o),
    'big-text-uncaptured': lambda o, a: gen_big_text(o, captured=False),
    'big-attr': lambda o, a: gen_big_attr(o),
    'many-attrs': lambda o, a: gen_many_attrs(o),
    'invalid-utf8': lambda o, a: gen_invalid_utf8(o),
    'nul-byte': lambda o, a: gen_nul_byte(o),
    'garbage': lambda o, a: gen_garbage(o),
    'junk-after-root': lambda o, a: gen_junk_after_root(o),
    'not-ddex': lambda o, a: gen_not_ddex(o),
    'foreign-ns': lambda o, a: gen_foreign_ns(o),
    'no-ns': lambda o, a: gen_no_ns(o),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in GENERATORS:
        sys.stderr.write('usage: gen_bad.py {%s} [ARG]\n' % ','.join(sorted(GENERATORS)))
        return 1
    o = Out()
    try:
        GENERATORS[sys.argv[1]](o, sys.argv[2] if len(sys.argv) > 2 else '/nonexistent')
        o.close()
    except BrokenPipeError:
        # the reader refused the input and left: that is the point. Point
        # stdout at /dev/null so the interpreter's final flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == '__main__':
    sys.exit(main())

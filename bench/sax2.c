/* A libxml2 SAX2 push parser with empty handlers, namespace-aware: what a
 * C programmer would write with libxml2 to stream a file. Reads stdin or
 * a file in 64K chunks. For the benchmark table only. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libxml/parser.h>

static void start_ns(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	(void)ctx; (void)localname; (void)prefix; (void)uri; (void)nb_namespaces;
	(void)namespaces; (void)nb_attributes; (void)nb_defaulted; (void)attributes;
}

static void end_ns(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	(void)ctx; (void)localname; (void)prefix; (void)uri;
}

static void chars(void *ctx, const xmlChar *ch, int len)
{
	(void)ctx; (void)ch; (void)len;
}

int main(int argc, char **argv)
{
	int fd = argc > 1 && strcmp(argv[1], "-") != 0 ? open(argv[1], O_RDONLY) : 0;
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	xmlSAXHandler h;
	memset(&h, 0, sizeof h);
	h.initialized = XML_SAX2_MAGIC;
	h.startElementNs = start_ns;
	h.endElementNs = end_ns;
	h.characters = chars;
	static char buf[65536];
	ssize_t n = read(fd, buf, 4);
	xmlParserCtxtPtr ctx = xmlCreatePushParserCtxt(&h, NULL, buf, n > 0 ? (int)n : 0, NULL);
	xmlCtxtUseOptions(ctx, XML_PARSE_NONET | XML_PARSE_HUGE);
	int bad = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (xmlParseChunk(ctx, buf, (int)n, 0) != 0) {
			bad = 1;
			break;
		}
	if (!bad && xmlParseChunk(ctx, NULL, 0, 1) != 0)
		bad = 1;
	if (bad || !ctx->wellFormed) {
		fprintf(stderr, "sax2: not well-formed\n");
		bad = 1;
	}
	xmlFreeParserCtxt(ctx);
	xmlCleanupParser();
	return bad ? 2 : 0;
}

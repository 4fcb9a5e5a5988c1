/* Synthetic ERN deliveries (see gen.h).
 *
 * ERN puts the parties, resources, releases and deals of every album in four
 * separate lists, so the albums are walked once per list. Each album's
 * content is a pure function of (seed, album index) and each track's of
 * (album hash, track number): a later walk regenerates exactly what an
 * earlier one wrote, and memory stays constant whatever the size.
 *
 * To land on the target size, a first walk runs the same emitters with
 * output switched off and measures album after album; the last album is cut
 * to the track count that gets closest, so the error is at most half a
 * track (about 1.5 KB). */
#include "config.h"
#include "gen.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define SINK_BUF 32768
#define TEXT_MAX 160
#define NLABELS 8u
#define NCONTRIB 2u

/* Output goes through a fixed buffer rather than stdio calls per piece:
 * the pieces are tiny and stdio's per-call locking would dominate. */
struct sink {
	FILE *f;                 /* NULL while measuring: count bytes only */
	uint64_t bytes;
	struct dm_gen_counts c;
	int err;                 /* errno of the first failed write, or 0 */
	size_t len;
	char buf[SINK_BUF];
};

static void sink_flush(struct sink *s)
{
	if (s->f && s->len && !s->err) {
		errno = 0;
		if (fwrite(s->buf, 1, s->len, s->f) != s->len)
			s->err = errno ? errno : EIO;
	}
	s->len = 0;
}

static void put(struct sink *s, const char *p, size_t n)
{
	s->bytes += n;
	if (!s->f)
		return;
	if (n > SINK_BUF - s->len) {
		sink_flush(s);
		if (n > SINK_BUF) {
			if (!s->err && fwrite(p, 1, n, s->f) != n)
				s->err = errno ? errno : EIO;
			return;
		}
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void put_uint(struct sink *s, uint64_t v, int width)
{
	char d[24];
	int i = (int)sizeof d;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while ((int)sizeof d - i < width)
		d[--i] = '0';
	put(s, d + i, sizeof d - (size_t)i);
}

/* A tiny printf for the templates, much faster than stdio's:
 * %s text (already escaped), %u unsigned, %U uint64_t,
 * %2 %3 %4 unsigned zero-padded to that many digits. */
static void emit(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (;;) {
		const char *pc = strchr(fmt, '%');
		if (!pc) {
			put(s, fmt, strlen(fmt));
			break;
		}
		put(s, fmt, (size_t)(pc - fmt));
		switch (pc[1]) {
		case 's': {
			const char *t = va_arg(ap, const char *);
			put(s, t, strlen(t));
			break;
		}
		case 'u': put_uint(s, va_arg(ap, unsigned), 0); break;
		case 'U': put_uint(s, va_arg(ap, uint64_t), 0); break;
		default: put_uint(s, va_arg(ap, unsigned), pc[1] - '0'); break;
		}
		fmt = pc + 2;
	}
	va_end(ap);
}

/* splitmix64: cheap, well mixed, and a pure function of its input, which is
 * what lets any album be regenerated from its index alone. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng { uint64_t s; };

static uint64_t next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ANY(r, a) ((a)[pick((r), (unsigned)COUNT(a))])

/* Word lists are stored already escaped for XML text: the &amp; and &lt; and
 * the UTF-8 are there on purpose, to exercise parsers. */
static const char *const first_names[] = {
	"Anna", "Björn", "Chloé", "Dmitri", "Elena", "Farid", "Greta", "Hugo",
	"Inés", "Jonas", "Kofi", "Léa", "Mateo", "Nora", "Oskar", "Priya",
	"Rafael", "Sofía", "Tomás", "Zoë",
};
static const char *const last_names[] = {
	"Andersson", "Brandão", "Castillo", "Dubois", "Eriksen", "Fischer",
	"García", "Hoffmann", "Ivanova", "Jensen", "Kowalski", "Lefèvre",
	"Martín", "Novak", "O'Brien", "Petrović", "Quinn", "Rossi", "Schäfer",
	"Müller",
};
static const char *const ja_family[] = {"佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤"};
static const char *const ja_given[] = {"陽菜", "蓮", "結衣", "湊", "さくら", "大翔"};
static const char *const band_nouns[] = {
	"Foxes", "Engines", "Comets", "Harbours", "Satellites", "Wolves",
	"Échos", "Lanterns", "Parallels", "Ghosts",
};
static const char *const adjectives[] = {
	"Electric", "Silent", "Golden", "Midnight", "Broken", "Crystal", "Wild",
	"Velvet", "Neon", "Distant", "Frozen", "Hidden", "Lucky", "Scarlet",
	"Éternel", "Schöne", "Blue", "Endless",
};
static const char *const nouns[] = {
	"Heart", "River", "Summer", "Signal", "Garden", "Horizon", "Dream",
	"Highway", "Mirror", "Ocean", "Fire", "Paradise", "Skyline", "Shadow",
	"Café", "Träume", "Cœur", "夢", "東京", "Lights",
};
static const char *const phrases[] = {
	"Rock &amp; Roll Heart", "Salt &amp; Pepper", "Déjà Vu", "日本の夏",
	"夜明けのうた", "Über den Wolken", "Heart &lt;3 Beat", "Ça va",
	"Smoke &amp; Mirrors", "Señorita Luna", "Don't Look Back", "Naïve",
};
static const char *const versions[] = {
	"Live", "Acoustic", "Radio Edit", "Remastered", "Extended Mix", "Demo",
};
static const char *const labels[NLABELS] = {
	"Northern Lights Records", "Façade Music", "Smith &amp; Jones Recordings",
	"桜 Records", "Kölner Klangwerk", "Velvet Anchor Music", "Sonora Cañón",
	"Grey Heron Audio",
};
static const char *const genres[] = {
	"Pop", "Rock", "Electronic", "Hip-Hop/Rap", "Jazz", "Classical", "J-Pop",
	"R&amp;B/Soul", "Country", "Latin", "Alternative", "Dance",
};
static const char *const countries[] = {"US", "GB", "DE", "FR", "JP", "SE", "NL", "BR"};
static const char *const territories[] = {
	"Worldwide", "US", "GB", "DE", "FR", "JP", "BR", "SE", "CA", "AU",
};
static const char *const currencies[] = {"USD", "GBP", "EUR", "EUR", "EUR", "JPY", "BRL", "SEK", "CAD", "AUD"};
static const char *const contrib_roles[NCONTRIB] = {"Composer", "Producer"};

struct model {
	const char *type;
	const char *use[2];
	int priced;
};
static const struct model models[] = {
	{"PayAsYouGoModel", {"PermanentDownload", NULL}, 1},
	{"SubscriptionModel", {"OnDemandStream", "ConditionalDownload"}, 0},
	{"AdvertisementSupportedModel", {"OnDemandStream", NULL}, 0},
};

/* Concatenate NULL-terminated pieces into dst (TEXT_MAX bytes). */
static void join(char *dst, ...)
{
	size_t len = 0;
	va_list ap;
	va_start(ap, dst);
	for (const char *p; (p = va_arg(ap, const char *)) != NULL;) {
		size_t n = strlen(p);
		if (n > TEXT_MAX - 1 - len)
			n = TEXT_MAX - 1 - len;
		memcpy(dst + len, p, n);
		len += n;
	}
	dst[len] = '\0';
	va_end(ap);
}

/* Draws are made in statements of their own: the order in which function
 * arguments are evaluated is unspecified, and the bytes must not depend on
 * the compiler. */
static void make_title(struct rng *r, char *dst)
{
	unsigned form = pick(r, 8);
	const char *adj = ANY(r, adjectives);
	const char *noun = ANY(r, nouns);
	const char *noun2 = ANY(r, nouns);
	const char *version = ANY(r, versions);
	const char *phrase = ANY(r, phrases);

	switch (form) {
	case 0: case 1: join(dst, phrase, NULL); break;
	case 2: join(dst, noun, " of the ", noun2, NULL); break;
	case 3: join(dst, adj, " ", noun, " (", version, ")", NULL); break;
	default: join(dst, adj, " ", noun, NULL); break;
	}
}

static void make_md5(struct rng *r, char *dst)
{
	for (int half = 0; half < 2; half++) {
		uint64_t v = next(r);
		for (int i = 0; i < 16; i++, v >>= 4)
			dst[half * 16 + i] = "0123456789abcdef"[v & 15];
	}
	dst[32] = '\0';
}

/* A person's display name and, for western names, the indexed form. */
static void make_person(struct rng *r, char *name, char *indexed)
{
	if (pick(r, 6) == 0) {
		const char *fam = ANY(r, ja_family);
		const char *giv = ANY(r, ja_given);
		join(name, fam, " ", giv, NULL);
		indexed[0] = '\0';
		return;
	}
	const char *first = ANY(r, first_names);
	const char *last = ANY(r, last_names);
	join(name, first, " ", last, NULL);
	join(indexed, last, ", ", first, NULL);
}

struct album {
	uint64_t idx;            /* 0-based; references use idx + 1 */
	uint64_t h;              /* seeds the per-track and deal generators */
	uint64_t isni;           /* 0 = the artist has none */
	unsigned ntracks, label, genre, year, month, day, orig_year, warn;
	char title[TEXT_MAX], artist[TEXT_MAX], indexed[TEXT_MAX];
	char contrib[NCONTRIB][TEXT_MAX], contrib_idx[NCONTRIB][TEXT_MAX];
	char icpn[16], isrc_prefix[8];
};

struct track {
	unsigned t;              /* 1-based */
	unsigned secs, millis;   /* millis == 1000: no fractional part */
	unsigned warn, isrc_id;
	char title[TEXT_MAX], isrc[16], md5[33], duration[32];
};

struct gen {
	struct sink *s;
	uint64_t seed, size, n_albums;
	unsigned last_tracks;    /* track count of the last album; 0 = its own */
	int v4;                  /* ERN 4.3, else 3.8.2 */
};

static const char *const warnings[] = {"NotExplicit", "NotExplicit", "Explicit", "NoAdviceAvailable"};

static void album_init(const struct gen *g, uint64_t idx, struct album *a)
{
	struct rng r = {mix64(g->seed ^ 0x6a09e667f3bcc908ULL) ^ mix64(idx + 1)};
	static const char b36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	a->idx = idx;
	a->h = next(&r);
	a->ntracks = 8 + pick(&r, 9);
	if (g->n_albums && idx == g->n_albums - 1 && g->last_tracks)
		a->ntracks = g->last_tracks;
	/* Album i may only use labels 0..i, so label i is listed with album i
	 * and the party list never depends on how many albums there are. */
	a->label = pick(&r, idx + 1 < NLABELS ? (unsigned)idx + 1 : NLABELS);
	a->genre = pick(&r, COUNT(genres));
	a->year = 1975 + pick(&r, 50);
	a->month = 1 + pick(&r, 12);
	a->day = 1 + pick(&r, 28);
	a->orig_year = pick(&r, 4) ? a->year : a->year - pick(&r, 20);
	a->warn = pick(&r, COUNT(warnings));
	a->isni = pick(&r, 2) ? 0 : 100000000 + next(&r) % 900000000;
	make_title(&r, a->title);
	if (pick(&r, 3) == 0) {
		int the = (int)pick(&r, 2);
		const char *word = the ? ANY(&r, adjectives) : ANY(&r, first_names);
		const char *band = ANY(&r, band_nouns);
		if (the)
			join(a->artist, "The ", word, " ", band, NULL);
		else
			join(a->artist, word, " &amp; the ", band, NULL);
		a->indexed[0] = '\0';
	} else {
		make_person(&r, a->artist, a->indexed);
	}
	for (unsigned k = 0; k < NCONTRIB; k++)
		make_person(&r, a->contrib[k], a->contrib_idx[k]);

	/* EAN-13: 12 digits that stay unique per album, then the check digit. */
	uint64_t body = 190000000000ULL + (mix64(g->seed) % 1000) * 10000000ULL + idx % 10000000;
	unsigned sum = 0;
	for (int i = 11; i >= 0; i--, body /= 10) {
		a->icpn[i] = (char)('0' + body % 10);
		sum += (unsigned)(body % 10) * (i % 2 ? 3 : 1);
	}
	a->icpn[12] = (char)('0' + (10 - sum % 10) % 10);
	a->icpn[13] = '\0';

	/* ISRC CC-XXX-YY-NNNNN: registrant from the album index, designation
	 * from the index and track number (completed in track_init). */
	uint64_t reg = (idx / 1000) % (36 * 36 * 36);
	memcpy(a->isrc_prefix, ANY(&r, countries), 2);
	a->isrc_prefix[2] = b36[reg / 1296];
	a->isrc_prefix[3] = b36[reg / 36 % 36];
	a->isrc_prefix[4] = b36[reg % 36];
	a->isrc_prefix[5] = (char)('0' + a->year / 10 % 10);
	a->isrc_prefix[6] = (char)('0' + a->year % 10);
	a->isrc_prefix[7] = '\0';
}

/* xs:duration as the samples write it: PT3M20S in 4.3, PT0H3M20S in 3.8.2,
 * with milliseconds when millis < 1000. dst holds 32 bytes. */
static void format_duration(char *dst, unsigned secs, unsigned millis, int v4)
{
	unsigned h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
	int n = (h || !v4) ? snprintf(dst, 32, "PT%uH%uM%u", h, m, s)
	                   : snprintf(dst, 32, "PT%uM%u", m, s);
	if (millis < 1000)
		snprintf(dst + n, 32 - (size_t)n, ".%03uS", millis);
	else
		snprintf(dst + n, 32 - (size_t)n, "S");
}

static void track_init(const struct gen *g, const struct album *a, unsigned t, struct track *k)
{
	struct rng r = {a->h ^ mix64(t)};
	k->t = t;
	k->secs = 95 + pick(&r, 200) + pick(&r, 186);
	k->millis = pick(&r, 4) ? 1000 : pick(&r, 1000);
	k->warn = pick(&r, 5) ? a->warn : pick(&r, COUNT(warnings));
	k->isrc_id = pick(&r, 2);
	make_title(&r, k->title);
	unsigned desig = (unsigned)(a->idx % 1000) * 20 + t;
	snprintf(k->isrc, sizeof k->isrc, "%s%05u", a->isrc_prefix, desig % 100000);
	make_md5(&r, k->md5);
	format_duration(k->duration, k->secs, k->millis, g->v4);
}

static void write_header(const struct gen *g)
{
	struct rng r = {mix64(g->seed ^ 0xbb67ae8584caa73bULL)};
	const char *v = g->v4 ? "43" : "382";
	unsigned when[5];
	static const unsigned span[5] = {12, 28, 24, 60, 60};
	for (int i = 0; i < 5; i++)
		when[i] = pick(&r, span[i]);
	emit(g->s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	     "<!-- Synthetic delivery written by ddexmon gen (seed %U): not real data. -->\n"
	     "<ern:NewReleaseMessage xmlns:ern=\"http://ddex.net/xml/ern/%s\""
	     " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
	     " xsi:schemaLocation=\"http://ddex.net/xml/ern/%s http://ddex.net/xml/ern/%s/release-notification.xsd\""
	     " MessageSchemaVersionId=\"ern/%s\"", g->seed, v, v, v, v);
	emit(g->s, g->v4 ? " ReleaseProfileVersionId=\"Audio\" LanguageAndScriptCode=\"en\" AvsVersionId=\"3\">\n"
	     : " LanguageAndScriptCode=\"en\">\n");
	emit(g->s, "  <MessageHeader>\n"
	     "    <MessageThreadId>DDEXMON-%U</MessageThreadId>\n"
	     "    <MessageId>DDEXMON-%U-%U</MessageId>\n"
	     "    <MessageSender>\n"
	     "      <PartyId>PADPIDA2024010101X</PartyId>\n"
	     "      <PartyName>\n        <FullName>ddexmon Synthetic Distribution</FullName>\n      </PartyName>\n"
	     "    </MessageSender>\n"
	     "    <MessageRecipient>\n"
	     "      <PartyId>PADPIDA2018082301A</PartyId>\n"
	     "      <PartyName>\n        <FullName>Example Streaming Service</FullName>\n      </PartyName>\n"
	     "    </MessageRecipient>\n"
	     "    <MessageCreatedDateTime>2024-%2-%2T%2:%2:%2Z</MessageCreatedDateTime>\n"
	     "  </MessageHeader>\n", g->seed, g->seed, g->size,
	     when[0] + 1, when[1] + 1, when[2], when[3], when[4]);
	if (!g->v4)
		emit(g->s, "  <UpdateIndicator>OriginalMessage</UpdateIndicator>\n");
}

static void write_party(struct sink *s, const char *ref, uint64_t isni,
                        const char *name, const char *indexed)
{
	emit(s, "    <Party>\n      <PartyReference>%s</PartyReference>\n", ref);
	if (isni)
		emit(s, "      <PartyId>\n        <ISNI>0000000%U</ISNI>\n      </PartyId>\n", isni);
	emit(s, "      <PartyName>\n        <FullName>%s</FullName>\n", name);
	if (*indexed)
		emit(s, "        <FullNameIndexed>%s</FullNameIndexed>\n", indexed);
	emit(s, "      </PartyName>\n    </Party>\n");
	s->c.parties++;
}

static void write_parties(const struct gen *g, const struct album *a)
{
	char ref[48];
	snprintf(ref, sizeof ref, "PA%llu", (unsigned long long)a->idx + 1);
	write_party(g->s, ref, a->isni, a->artist, a->indexed);
	for (unsigned k = 0; k < NCONTRIB; k++) {
		snprintf(ref, sizeof ref, "PC%llu_%u", (unsigned long long)a->idx + 1, k + 1);
		write_party(g->s, ref, 0, a->contrib[k], a->contrib_idx[k]);
	}
	if (a->idx < NLABELS) {
		snprintf(ref, sizeof ref, "PL%u", (unsigned)a->idx + 1);
		write_party(g->s, ref, 0, labels[a->idx], "");
	}
}

static void write_sound_recording_43(const struct gen *g, const struct album *a, const struct track *k)
{
	struct sink *s = g->s;
	uint64_t n = a->idx + 1;
	emit(s, "    <SoundRecording>\n"
	     "      <ResourceReference>A%U_%u</ResourceReference>\n"
	     "      <Type>MusicalWorkSoundRecording</Type>\n"
	     "      <SoundRecordingEdition>\n"
	     "        <ResourceId>\n          <ISRC>%s</ISRC>\n        </ResourceId>\n"
	     "        <PLine>\n          <Year>%u</Year>\n          <PLineText>(P) %u %s</PLineText>\n        </PLine>\n"
	     "        <TechnicalDetails>\n"
	     "          <TechnicalResourceDetailsReference>T%U_%u</TechnicalResourceDetailsReference>\n"
	     "          <DeliveryFile>\n            <Type>AudioFile</Type>\n            <File>\n"
	     "              <URI>resources/%s_01_%3.flac</URI>\n"
	     "              <HashSum>\n                <Algorithm>MD5</Algorithm>\n"
	     "                <HashSumValue>%s</HashSumValue>\n              </HashSum>\n"
	     "            </File>\n          </DeliveryFile>\n        </TechnicalDetails>\n"
	     "      </SoundRecordingEdition>\n",
	     n, k->t, k->isrc, a->year, a->year, labels[a->label], n, k->t, a->icpn, k->t, k->md5);
	emit(s, "      <DisplayTitleText>%s</DisplayTitleText>\n"
	     "      <DisplayTitle ApplicableTerritoryCode=\"Worldwide\" IsDefault=\"true\">\n"
	     "        <TitleText>%s</TitleText>\n      </DisplayTitle>\n"
	     "      <DisplayArtistName ApplicableTerritoryCode=\"Worldwide\" IsDefault=\"true\">%s</DisplayArtistName>\n"
	     "      <DisplayArtist SequenceNumber=\"1\">\n"
	     "        <ArtistPartyReference>PA%U</ArtistPartyReference>\n"
	     "        <DisplayArtistRole>MainArtist</DisplayArtistRole>\n      </DisplayArtist>\n",
	     k->title, k->title, a->artist, n);
	for (unsigned c = 0; c < NCONTRIB; c++)
		emit(s, "      <Contributor SequenceNumber=\"%u\">\n"
		     "        <ContributorPartyReference>PC%U_%u</ContributorPartyReference>\n"
		     "        <Role>%s</Role>\n      </Contributor>\n", c + 1, n, c + 1, contrib_roles[c]);
	emit(s, "      <Duration>%s</Duration>\n"
	     "      <ParentalWarningType>%s</ParentalWarningType>\n    </SoundRecording>\n",
	     k->duration, warnings[k->warn]);
}

static void write_sound_recording_382(const struct gen *g, const struct album *a, const struct track *k)
{
	struct sink *s = g->s;
	uint64_t n = a->idx + 1;
	emit(s, "    <SoundRecording>\n"
	     "      <SoundRecordingType>MusicalWorkSoundRecording</SoundRecordingType>\n"
	     "      <SoundRecordingId>\n        <ISRC>%s</ISRC>\n      </SoundRecordingId>\n"
	     "      <ResourceReference>A%U_%u</ResourceReference>\n"
	     "      <ReferenceTitle>\n        <TitleText>%s</TitleText>\n      </ReferenceTitle>\n"
	     "      <Duration>%s</Duration>\n"
	     "      <SoundRecordingDetailsByTerritory>\n"
	     "        <TerritoryCode>Worldwide</TerritoryCode>\n"
	     "        <Title TitleType=\"DisplayTitle\">\n          <TitleText>%s</TitleText>\n        </Title>\n"
	     "        <DisplayArtist SequenceNumber=\"1\">\n"
	     "          <PartyName>\n            <FullName>%s</FullName>\n          </PartyName>\n"
	     "          <ArtistRole>MainArtist</ArtistRole>\n        </DisplayArtist>\n",
	     k->isrc, n, k->t, k->title, k->duration, k->title, a->artist);
	for (unsigned c = 0; c < NCONTRIB; c++)
		emit(s, "        <ResourceContributor SequenceNumber=\"%u\">\n"
		     "          <PartyName>\n            <FullName>%s</FullName>\n          </PartyName>\n"
		     "          <ResourceContributorRole>%s</ResourceContributorRole>\n"
		     "        </ResourceContributor>\n", c + 1, a->contrib[c], contrib_roles[c]);
	emit(s, "        <DisplayArtistName>%s</DisplayArtistName>\n"
	     "        <LabelName>%s</LabelName>\n"
	     "        <PLine>\n          <Year>%u</Year>\n          <PLineText>(P) %u %s</PLineText>\n        </PLine>\n"
	     "        <Genre>\n          <GenreText>%s</GenreText>\n        </Genre>\n"
	     "        <ParentalWarningType>%s</ParentalWarningType>\n"
	     "        <TechnicalSoundRecordingDetails>\n"
	     "          <TechnicalResourceDetailsReference>T%U_%u</TechnicalResourceDetailsReference>\n"
	     "          <AudioCodecType>FLAC</AudioCodecType>\n"
	     "          <File>\n            <FileName>%s_01_%3.flac</FileName>\n"
	     "            <FilePath>resources/</FilePath>\n"
	     "            <HashSum>\n              <HashSum>%s</HashSum>\n"
	     "              <HashSumAlgorithmType>MD5</HashSumAlgorithmType>\n            </HashSum>\n"
	     "          </File>\n        </TechnicalSoundRecordingDetails>\n"
	     "      </SoundRecordingDetailsByTerritory>\n    </SoundRecording>\n",
	     a->artist, labels[a->label], a->year, a->year, labels[a->label], genres[a->genre],
	     warnings[k->warn], n, k->t, a->icpn, k->t, k->md5);
}

static void write_sound_recordings(const struct gen *g, const struct album *a)
{
	struct track k;
	for (unsigned t = 1; t <= a->ntracks; t++) {
		track_init(g, a, t, &k);
		if (g->v4)
			write_sound_recording_43(g, a, &k);
		else
			write_sound_recording_382(g, a, &k);
		g->s->c.sound_recordings++;
	}
}

/* The cover takes the reference after the album's last track. */
static void write_image(const struct gen *g, const struct album *a)
{
	struct rng r = {a->h ^ 0x3c6ef372fe94f82bULL};
	char md5[33];
	uint64_t n = a->idx + 1;
	unsigned ref = a->ntracks + 1, px = 1400 + 200 * pick(&r, 4);
	make_md5(&r, md5);
	if (g->v4)
		emit(g->s, "    <Image>\n      <ResourceReference>A%U_%u</ResourceReference>\n"
		     "      <Type>FrontCoverImage</Type>\n"
		     "      <ResourceId>\n        <ProprietaryId Namespace=\"PADPIDA2024010101X\">PACKSHOT:%s</ProprietaryId>\n"
		     "      </ResourceId>\n      <ParentalWarningType>NotExplicit</ParentalWarningType>\n"
		     "      <TechnicalDetails>\n"
		     "        <TechnicalResourceDetailsReference>T%U_%u</TechnicalResourceDetailsReference>\n"
		     "        <File>\n          <URI>resources/%s.jpg</URI>\n"
		     "          <HashSum>\n            <Algorithm>MD5</Algorithm>\n"
		     "            <HashSumValue>%s</HashSumValue>\n          </HashSum>\n"
		     "        </File>\n      </TechnicalDetails>\n    </Image>\n",
		     n, ref, a->icpn, n, ref, a->icpn, md5);
	else
		emit(g->s, "    <Image>\n      <ImageType>FrontCoverImage</ImageType>\n"
		     "      <ImageId>\n        <ProprietaryId Namespace=\"DPID:PADPIDA2024010101X\">PACKSHOT:%s</ProprietaryId>\n"
		     "      </ImageId>\n      <ResourceReference>A%U_%u</ResourceReference>\n"
		     "      <ImageDetailsByTerritory>\n        <TerritoryCode>Worldwide</TerritoryCode>\n"
		     "        <TechnicalImageDetails>\n"
		     "          <TechnicalResourceDetailsReference>T%U_%u</TechnicalResourceDetailsReference>\n"
		     "          <ImageCodecType>JPEG</ImageCodecType>\n"
		     "          <ImageHeight>%u</ImageHeight>\n          <ImageWidth>%u</ImageWidth>\n"
		     "          <File>\n            <FileName>%s.jpg</FileName>\n"
		     "            <HashSum>\n              <HashSum>%s</HashSum>\n"
		     "              <HashSumAlgorithmType>MD5</HashSumAlgorithmType>\n            </HashSum>\n"
		     "          </File>\n        </TechnicalImageDetails>\n"
		     "      </ImageDetailsByTerritory>\n    </Image>\n",
		     a->icpn, n, ref, n, ref, px, px,
		     a->icpn, md5);
	g->s->c.images++;
}

static const char *release_type(const struct album *a)
{
	return a->ntracks <= 3 ? "Single" : a->ntracks <= 6 ? "EP" : "Album";
}

static void write_release_43(const struct gen *g, const struct album *a, const char *duration)
{
	struct sink *s = g->s;
	uint64_t n = a->idx + 1;
	emit(s, "    <Release>\n      <ReleaseReference>R%U</ReleaseReference>\n"
	     "      <ReleaseType>%s</ReleaseType>\n"
	     "      <ReleaseId>\n        <ICPN>%s</ICPN>\n      </ReleaseId>\n"
	     "      <DisplayTitleText>%s</DisplayTitleText>\n"
	     "      <DisplayTitle ApplicableTerritoryCode=\"Worldwide\" IsDefault=\"true\">\n"
	     "        <TitleText>%s</TitleText>\n      </DisplayTitle>\n"
	     "      <DisplayArtistName ApplicableTerritoryCode=\"Worldwide\" IsDefault=\"true\">%s</DisplayArtistName>\n"
	     "      <DisplayArtist SequenceNumber=\"1\">\n"
	     "        <ArtistPartyReference>PA%U</ArtistPartyReference>\n"
	     "        <DisplayArtistRole>MainArtist</DisplayArtistRole>\n      </DisplayArtist>\n"
	     "      <ReleaseLabelReference ApplicableTerritoryCode=\"Worldwide\">PL%u</ReleaseLabelReference>\n",
	     n, release_type(a), a->icpn, a->title, a->title, a->artist, n, a->label + 1);
	emit(s, "      <PLine>\n        <Year>%u</Year>\n        <PLineText>(P) %u %s</PLineText>\n      </PLine>\n"
	     "      <CLine>\n        <Year>%u</Year>\n        <CLineText>(C) %u %s</CLineText>\n      </CLine>\n"
	     "      <Duration>%s</Duration>\n"
	     "      <Genre ApplicableTerritoryCode=\"Worldwide\">\n        <GenreText>%s</GenreText>\n      </Genre>\n"
	     "      <ReleaseDate>%4-%2-%2</ReleaseDate>\n"
	     "      <OriginalReleaseDate>%4-%2-%2</OriginalReleaseDate>\n"
	     "      <ParentalWarningType>%s</ParentalWarningType>\n"
	     "      <ResourceGroup>\n        <SequenceNumber>1</SequenceNumber>\n",
	     a->year, a->year, labels[a->label], a->year, a->year, labels[a->label], duration,
	     genres[a->genre], a->year, a->month, a->day, a->orig_year, a->month, a->day,
	     warnings[a->warn]);
	for (unsigned t = 1; t <= a->ntracks; t++)
		emit(s, "        <ResourceGroupContentItem>\n          <SequenceNumber>%u</SequenceNumber>\n"
		     "          <ReleaseResourceReference>A%U_%u</ReleaseResourceReference>\n"
		     "        </ResourceGroupContentItem>\n", t, n, t);
	emit(s, "        <LinkedReleaseResourceReference>A%U_%u</LinkedReleaseResourceReference>\n"
	     "      </ResourceGroup>\n    </Release>\n", n, a->ntracks + 1);
}

static void write_release_382(const struct gen *g, const struct album *a, const char *duration)
{
	struct sink *s = g->s;
	uint64_t n = a->idx + 1;
	emit(s, "    <Release LanguageAndScriptCode=\"en\" IsMainRelease=\"true\">\n"
	     "      <ReleaseId>\n        <ICPN IsEan=\"true\">%s</ICPN>\n      </ReleaseId>\n"
	     "      <ReleaseReference>R%U</ReleaseReference>\n"
	     "      <ReferenceTitle>\n        <TitleText>%s</TitleText>\n      </ReferenceTitle>\n"
	     "      <ReleaseResourceReferenceList>\n", a->icpn, n, a->title);
	for (unsigned t = 1; t <= a->ntracks + 1; t++)
		emit(s, "        <ReleaseResourceReference ReleaseResourceType=\"%s\">A%U_%u</ReleaseResourceReference>\n",
		     t <= a->ntracks ? "PrimaryResource" : "SecondaryResource", n, t);
	emit(s, "      </ReleaseResourceReferenceList>\n      <ReleaseType>%s</ReleaseType>\n"
	     "      <ReleaseDetailsByTerritory>\n        <TerritoryCode>Worldwide</TerritoryCode>\n"
	     "        <DisplayArtistName>%s</DisplayArtistName>\n        <LabelName>%s</LabelName>\n"
	     "        <Title TitleType=\"DisplayTitle\">\n          <TitleText>%s</TitleText>\n        </Title>\n"
	     "        <DisplayArtist SequenceNumber=\"1\">\n"
	     "          <PartyName>\n            <FullName>%s</FullName>\n          </PartyName>\n"
	     "          <ArtistRole>MainArtist</ArtistRole>\n        </DisplayArtist>\n"
	     "        <ParentalWarningType>%s</ParentalWarningType>\n"
	     "        <ResourceGroup>\n          <ResourceGroup>\n            <SequenceNumber>1</SequenceNumber>\n",
	     release_type(a), a->artist, labels[a->label], a->title, a->artist, warnings[a->warn]);
	for (unsigned t = 1; t <= a->ntracks; t++)
		emit(s, "            <ResourceGroupContentItem>\n              <SequenceNumber>%u</SequenceNumber>\n"
		     "              <ResourceType>SoundRecording</ResourceType>\n"
		     "              <ReleaseResourceReference ReleaseResourceType=\"PrimaryResource\">A%U_%u</ReleaseResourceReference>\n"
		     "            </ResourceGroupContentItem>\n", t, n, t);
	emit(s, "          </ResourceGroup>\n          <ResourceGroupContentItem>\n"
	     "            <ResourceType>Image</ResourceType>\n"
	     "            <ReleaseResourceReference ReleaseResourceType=\"SecondaryResource\">A%U_%u</ReleaseResourceReference>\n"
	     "          </ResourceGroupContentItem>\n        </ResourceGroup>\n"
	     "        <Genre>\n          <GenreText>%s</GenreText>\n        </Genre>\n"
	     "        <OriginalReleaseDate>%4-%2-%2</OriginalReleaseDate>\n"
	     "      </ReleaseDetailsByTerritory>\n"
	     "      <Duration>%s</Duration>\n"
	     "      <PLine>\n        <Year>%u</Year>\n        <PLineText>(P) %u %s</PLineText>\n      </PLine>\n"
	     "      <CLine>\n        <Year>%u</Year>\n        <CLineText>(C) %u %s</CLineText>\n      </CLine>\n"
	     "    </Release>\n", n, a->ntracks + 1, genres[a->genre], a->orig_year, a->month, a->day,
	     duration, a->year, a->year, labels[a->label], a->year, a->year, labels[a->label]);
}

static void write_release(const struct gen *g, const struct album *a)
{
	struct track k;
	unsigned secs = 0, millis = 0;
	char duration[32];
	for (unsigned t = 1; t <= a->ntracks; t++) {
		track_init(g, a, t, &k);
		secs += k.secs;
		millis += k.millis < 1000 ? k.millis : 0;
	}
	format_duration(duration, secs + millis / 1000, 1000, g->v4);
	if (g->v4)
		write_release_43(g, a, duration);
	else
		write_release_382(g, a, duration);
	g->s->c.releases++;
}

/* ERN 4.3 has a TrackRelease element; 3.8.2 says the same with a Release
 * of type TrackRelease. */
static void write_track_releases(const struct gen *g, const struct album *a)
{
	struct sink *s = g->s;
	struct track k;
	uint64_t n = a->idx + 1;
	for (unsigned t = 1; t <= a->ntracks; t++) {
		track_init(g, a, t, &k);
		if (g->v4) {
			emit(s, "    <TrackRelease>\n      <ReleaseReference>R%U_%u</ReleaseReference>\n"
			     "      <ReleaseId>\n", n, t);
			if (k.isrc_id)
				emit(s, "        <ISRC>%s</ISRC>\n", k.isrc);
			else
				emit(s, "        <ProprietaryId Namespace=\"PADPIDA2024010101X\">%s_%s_R%u</ProprietaryId>\n",
				     a->icpn, k.isrc, t);
			emit(s, "      </ReleaseId>\n"
			     "      <ReleaseResourceReference>A%U_%u</ReleaseResourceReference>\n"
			     "      <ReleaseLabelReference ApplicableTerritoryCode=\"Worldwide\">PL%u</ReleaseLabelReference>\n"
			     "      <Genre ApplicableTerritoryCode=\"Worldwide\">\n        <GenreText>%s</GenreText>\n"
			     "      </Genre>\n    </TrackRelease>\n", n, t, a->label + 1, genres[a->genre]);
			s->c.track_releases++;
			continue;
		}
		emit(s, "    <Release LanguageAndScriptCode=\"en\">\n"
		     "      <ReleaseId>\n        <ISRC>%s</ISRC>\n      </ReleaseId>\n"
		     "      <ReleaseReference>R%U_%u</ReleaseReference>\n"
		     "      <ReferenceTitle>\n        <TitleText>%s</TitleText>\n      </ReferenceTitle>\n"
		     "      <ReleaseResourceReferenceList>\n"
		     "        <ReleaseResourceReference ReleaseResourceType=\"PrimaryResource\">A%U_%u</ReleaseResourceReference>\n"
		     "      </ReleaseResourceReferenceList>\n      <ReleaseType>TrackRelease</ReleaseType>\n"
		     "      <ReleaseDetailsByTerritory>\n        <TerritoryCode>Worldwide</TerritoryCode>\n"
		     "        <DisplayArtistName>%s</DisplayArtistName>\n        <LabelName>%s</LabelName>\n"
		     "        <Title TitleType=\"DisplayTitle\">\n          <TitleText>%s</TitleText>\n        </Title>\n"
		     "        <ParentalWarningType>%s</ParentalWarningType>\n"
		     "        <Genre>\n          <GenreText>%s</GenreText>\n        </Genre>\n"
		     "      </ReleaseDetailsByTerritory>\n"
		     "      <Duration>%s</Duration>\n"
		     "      <PLine>\n        <Year>%u</Year>\n        <PLineText>(P) %u %s</PLineText>\n      </PLine>\n"
		     "    </Release>\n", k.isrc, n, t, k.title, n, t, a->artist, labels[a->label], k.title,
		     warnings[k.warn], genres[a->genre], k.duration, a->year, a->year, labels[a->label]);
		s->c.releases++;
	}
}

/* One ReleaseDeal per album covering the album and its tracks, with one to
 * three deals under distinct commercial models. */
static void write_deal(const struct gen *g, const struct album *a)
{
	struct sink *s = g->s;
	struct rng r = {a->h ^ 0xa54ff53a5f1d36f1ULL};
	uint64_t n = a->idx + 1;
	unsigned ndeals = 1 + pick(&r, 3), first = pick(&r, COUNT(models));
	unsigned sy = a->year < 2005 ? 2005 : a->year;

	emit(s, "    <ReleaseDeal>\n      <DealReleaseReference>R%U</DealReleaseReference>\n", n);
	for (unsigned t = 1; t <= a->ntracks; t++)
		emit(s, "      <DealReleaseReference>R%U_%u</DealReleaseReference>\n", n, t);
	for (unsigned d = 0; d < ndeals; d++) {
		const struct model *m = &models[(first + d) % COUNT(models)];
		unsigned terr = pick(&r, COUNT(territories));
		int priced = m->priced && pick(&r, 2);
		unsigned price = 399 + 100 * pick(&r, 8);
		emit(s, "      <Deal>\n        <DealTerms>\n");
		if (g->v4) {
			emit(s, "          <TerritoryCode>%s</TerritoryCode>\n"
			     "          <ValidityPeriod>\n            <StartDate>%4-%2-%2</StartDate>\n"
			     "          </ValidityPeriod>\n"
			     "          <CommercialModelType>%s</CommercialModelType>\n",
			     territories[terr], sy, a->month, a->day, m->type);
			for (unsigned u = 0; u < 2 && m->use[u]; u++)
				emit(s, "          <UseType>%s</UseType>\n", m->use[u]);
		} else {
			emit(s, "          <CommercialModelType>%s</CommercialModelType>\n          <Usage>\n", m->type);
			for (unsigned u = 0; u < 2 && m->use[u]; u++)
				emit(s, "            <UseType>%s</UseType>\n", m->use[u]);
			emit(s, "          </Usage>\n          <TerritoryCode>%s</TerritoryCode>\n", territories[terr]);
		}
		if (priced)
			emit(s, "          <PriceInformation%s>\n"
			     "            <WholesalePricePerUnit CurrencyCode=\"%s\">%u.%2</WholesalePricePerUnit>\n"
			     "          </PriceInformation>\n", g->v4 ? "" : " PriceType=\"WholesalePrice\"",
			     currencies[terr], price / 100, price % 100);
		if (!g->v4)
			emit(s, "          <ValidityPeriod>\n            <StartDate>%4-%2-%2</StartDate>\n"
			     "          </ValidityPeriod>\n", sy, a->month, a->day);
		emit(s, "        </DealTerms>\n      </Deal>\n");
		s->c.deals++;
	}
	if (!g->v4)
		emit(s, "      <EffectiveDate>%4-%2-%2</EffectiveDate>\n", sy, a->month, a->day);
	emit(s, "    </ReleaseDeal>\n");
	s->c.release_deals++;
}

typedef void (*album_fn)(const struct gen *, const struct album *);

static void walk(const struct gen *g, album_fn fn)
{
	struct album a;
	for (uint64_t i = 0; i < g->n_albums && !g->s->err; i++) {
		album_init(g, i, &a);
		fn(g, &a);
	}
}

/* One list: its tags around fn, then fn2 if any, applied to every album. */
static void write_list(const struct gen *g, const char *name, album_fn fn, album_fn fn2)
{
	emit(g->s, "  <%s>\n", name);
	walk(g, fn);
	if (fn2)
		walk(g, fn2);
	emit(g->s, "  </%s>\n", name);
}

static void write_message(const struct gen *g)
{
	write_header(g);
	if (g->v4)
		write_list(g, "PartyList", write_parties, NULL);
	write_list(g, "ResourceList", write_sound_recordings, write_image);
	write_list(g, "ReleaseList", write_release, write_track_releases);
	write_list(g, "DealList", write_deal, NULL);
	emit(g->s, "</ern:NewReleaseMessage>\n");
}

static uint64_t album_bytes(const struct gen *g, const struct album *a)
{
	uint64_t before = g->s->bytes;
	if (g->v4)
		write_parties(g, a);
	write_sound_recordings(g, a);
	write_image(g, a);
	write_release(g, a);
	write_track_releases(g, a);
	write_deal(g, a);
	return g->s->bytes - before;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Beyond this, measuring every album would delay the first byte by more
 * than a second or two (about 0.4 s a gigabyte): the album count is
 * estimated from a sample instead. */
#define PLAN_EXACT (4ULL << 30)
#define PLAN_SAMPLES 2048

/* Mean album size over PLAN_SAMPLES albums spread across the first n
 * (sizes drift with the index as identifiers get longer), three times,
 * each with the count the last mean gives. */
static void plan_estimate(struct gen *g, uint64_t fixed)
{
	struct album a;
	uint64_t n = PLAN_SAMPLES;
	for (int round = 0; round < 3; round++) {
		uint64_t stride = n / PLAN_SAMPLES ? n / PLAN_SAMPLES : 1, sum = 0, k = 0;
		for (uint64_t i = 0; i < n && k < PLAN_SAMPLES; i += stride, k++) {
			album_init(g, i, &a);
			sum += album_bytes(g, &a);
		}
		uint64_t mean = sum / k ? sum / k : 1;
		n = (g->size - fixed) / mean;
		if (n == 0)
			n = 1;
	}
	g->n_albums = n;
}

/* Measuring walk (the sink counts only): how many albums, and how many
 * tracks on the last, bring the message closest to g->size. */
static void plan(struct gen *g)
{
	struct album a;
	g->n_albums = 0;
	g->last_tracks = 0;
	write_message(g);
	uint64_t total = g->s->bytes;
	if (g->size > PLAN_EXACT) {
		plan_estimate(g, total);
		return;
	}
	for (uint64_t i = 0;; i++) {
		album_init(g, i, &a);
		uint64_t sz = album_bytes(g, &a);
		if (total + sz <= g->size) {
			total += sz;
			g->n_albums++;
			continue;
		}
		uint64_t best = g->n_albums ? g->size - total : UINT64_MAX;
		unsigned best_k = 0, natural = a.ntracks;
		for (unsigned k = 1; k <= natural; k++) {
			a.ntracks = k;
			sz = album_bytes(g, &a);
			if (distance(total + sz, g->size) < best) {
				best = distance(total + sz, g->size);
				best_k = k;
			}
			if (total + sz >= g->size)
				break;
		}
		if (best_k) {
			g->n_albums++;
			g->last_tracks = best_k;
		}
		return;
	}
}

int dm_gen_write(FILE *out, const struct dm_gen_opts *o,
                 struct dm_gen_counts *counts, struct dm_error *err)
{
	struct sink s;
	struct gen g = {&s, o->seed, o->size, 0, 0, o->ern == 43};

	if (counts)
		memset(counts, 0, sizeof *counts);
	if (o->size == 0)
		return dm_error_set(err, DM_EUSAGE, "size must be at least 1 byte");
	if (o->ern != 43 && o->ern != 382)
		return dm_error_set(err, DM_EUSAGE, "ERN version %d is not supported (43 or 382)", o->ern);

	memset(&s.c, 0, sizeof s.c);
	s.f = NULL;
	s.bytes = 0;
	s.err = 0;
	s.len = 0;
	plan(&g);

	memset(&s.c, 0, sizeof s.c);
	s.f = out;
	s.bytes = 0;
	write_message(&g);
	sink_flush(&s);
	if (!s.err && ferror(out))
		s.err = EIO;
	s.c.bytes = s.bytes;
	if (counts)
		*counts = s.c;
	if (s.err)
		return dm_error_set(err, DM_EIO, "write failed: %s", strerror(s.err));
	return 0;
}

/* The ERN rule tables: which element paths of 3.x and 4.x messages become
 * which record fields, and their compilation into ern_rules.h's tables. */
#include "config.h"
#include "ern_rules.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct rule_src {
	uint8_t mask, action;
	uint16_t arg;         /* field, or group for A_OPEN */
	const char *path;
	const char *attr;
};

static const struct rule_src rule_src[] = {
	/* header */
	{M_H, A_CAP, DM_F_MESSAGE_ID, "^/MessageId", NULL},
	{M_H, A_CAP, DM_F_THREAD_ID, "^/MessageThreadId", NULL},
	{M_H, A_CAP, DM_F_SENDER_ID, "MessageSender/PartyId", NULL},
	{M_H, A_CAP, DM_F_SENDER_NAME, "MessageSender/PartyName/FullName", NULL},
	{M_H, A_CAP, DM_F_RECIPIENT_ID, "MessageRecipient/PartyId", NULL},
	{M_H, A_CAP, DM_F_RECIPIENT_NAME, "MessageRecipient/PartyName/FullName", NULL},
	{M_H, A_CAP, DM_F_CREATED, "^/MessageCreatedDateTime", NULL},
	{M_H, A_CAP, DM_F_CONTROL_TYPE, "^/MessageControlType", NULL},
	/* party (4.x PartyList) */
	{M_P, A_CAP, DM_F_REFERENCE, "^/PartyReference", NULL},
	{M_P, A_CAP, DM_F_NAME, "PartyName/FullName", NULL},
	/* resources and releases: references and types */
	{M_S, A_CAP, DM_F_REFERENCE, "^/ResourceReference", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/SoundRecordingType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/ImageType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/VideoType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/TextType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/SheetMusicType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/SoftwareType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/MidiType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/UserDefinedResourceType", NULL},
	{M_S, A_CAP, DM_F_SUBTYPE, "^/Type", NULL},
	{M_R, A_CAP, DM_F_REFERENCE, "^/ReleaseReference", NULL},
	{M_R, A_CAP, DM_F_SUBTYPE, "^/ReleaseType", NULL},
	{M_R, A_ATTR, DM_F_IS_MAIN, "^", "IsMainRelease"},
	/* well-known ids as plain fields */
	{M_S, A_CAP, DM_F_ISRC, "SoundRecordingId/ISRC", NULL},
	{M_S, A_CAP, DM_F_ISRC, "ResourceId/ISRC", NULL},
	{M_S, A_CAP, DM_F_ISRC, "VideoId/ISRC", NULL},
	{M_R, A_CAP, DM_F_ICPN, "ReleaseId/ICPN", NULL},
	{M_R, A_CAP, DM_F_GRID, "ReleaseId/GRid", NULL},
	{M_R, A_CAP, DM_F_ISRC, "ReleaseId/ISRC", NULL},
	{M_R, A_CAP, DM_F_CATALOG_NUMBER, "ReleaseId/CatalogNumber", NULL},
	/* titles: 3.x ReferenceTitle, 4.x DisplayTitleText; the first wins */
	{M_SR, A_CAP, DM_F_TITLE, "^/ReferenceTitle/TitleText", NULL},
	{M_SR, A_CAP, DM_F_TITLE, "^/DisplayTitleText", NULL},
	{M_SR, A_CAP, DM_F_TITLE, "^/DisplayTitle/TitleText", NULL},
	{M_SR, A_CAP, DM_F_TITLE, "^/Title/TitleText", NULL},
	/* (and the titles of every *DetailsByTerritory: see details[]) */
	{M_SR, A_CAP, DM_F_SUBTITLE, "^/ReferenceTitle/SubTitle", NULL},
	{M_SR, A_CAP, DM_F_SUBTITLE, "^/DisplayTitle/SubTitle", NULL},
	/* every title as a variant (and those of *DetailsByTerritory, below) */
	{M_SR, A_VARIANT, DM_G_TITLE, "^/ReferenceTitle", NULL},
	{M_SR, A_VARIANT, DM_G_TITLE, "^/DisplayTitle", NULL},
	{M_SR, A_VARIANT, DM_G_TITLE, "^/DisplayTitleText", NULL},
	{M_SR, A_VARIANT, DM_G_TITLE, "^/Title", NULL},
	{M_SR, A_VARIANT, DM_G_TITLE, "^/AdditionalTitle", NULL},
	{M_SR, A_CAP, DM_F_TV_TEXT, "^/DisplayTitleText", NULL},
	{M_SR, A_CAP, DM_F_TV_TEXT, "ReferenceTitle/TitleText", NULL},
	{M_SR, A_CAP, DM_F_TV_TEXT, "DisplayTitle/TitleText", NULL},
	{M_SR, A_CAP, DM_F_TV_TEXT, "Title/TitleText", NULL},
	{M_SR, A_CAP, DM_F_TV_TEXT, "AdditionalTitle/TitleText", NULL},
	{M_SR, A_ATTR, DM_F_TV_LANG, "TitleText", "LanguageAndScriptCode"},
	{M_SR, A_CAP, DM_F_TV_SUBTITLE, "ReferenceTitle/SubTitle", NULL},
	{M_SR, A_CAP, DM_F_TV_SUBTITLE, "DisplayTitle/SubTitle", NULL},
	{M_SR, A_CAP, DM_F_TV_SUBTITLE, "Title/SubTitle", NULL},
	{M_SR, A_CAP, DM_F_TV_SUBTITLE, "AdditionalTitle/SubTitle", NULL},
	/* artists */
	{M_SR, A_CAP, DM_F_DISPLAY_ARTIST, "DisplayArtistName", NULL},
	{M_SR, A_VARIANT, DM_G_ARTIST_NAME, "DisplayArtistName", NULL},
	{M_SR, A_CAP, DM_F_DAN_NAME, "DisplayArtistName", NULL},
	{M_SR, A_OPEN, DM_G_ARTIST, "DisplayArtist", NULL},
	{M_SR, A_CAP, DM_F_ARTIST_NAME, "DisplayArtist/PartyName/FullName", NULL},
	{M_SR, A_CAP, DM_F_ARTIST_REF, "DisplayArtist/ArtistPartyReference", NULL},
	{M_SR, A_CAP, DM_F_ARTIST_ROLE, "DisplayArtist/ArtistRole", NULL},
	{M_SR, A_CAP, DM_F_ARTIST_ROLE, "DisplayArtist/DisplayArtistRole", NULL},
	/* contributors: 3.x (Indirect)ResourceContributor, 4.x Contributor */
	{M_S, A_OPEN, DM_G_CONTRIB, "ResourceContributor", NULL},
	{M_S, A_OPEN, DM_G_CONTRIB, "IndirectResourceContributor", NULL},
	{M_S, A_OPEN, DM_G_CONTRIB, "^/Contributor", NULL},
	{M_S, A_CAP, DM_F_CONTRIB_NAME, "ResourceContributor/PartyName/FullName", NULL},
	{M_S, A_CAP, DM_F_CONTRIB_NAME, "IndirectResourceContributor/PartyName/FullName", NULL},
	{M_S, A_CAP, DM_F_CONTRIB_REF, "Contributor/ContributorPartyReference", NULL},
	{M_S, A_CAP, DM_F_CONTRIB_ROLE, "ResourceContributor/ResourceContributorRole", NULL},
	{M_S, A_CAP, DM_F_CONTRIB_ROLE, "IndirectResourceContributor/IndirectResourceContributorRole", NULL},
	{M_S, A_CAP, DM_F_CONTRIB_ROLE, "Contributor/Role", NULL},
	/* descriptive */
	{M_SR, A_CAP, DM_F_DURATION, "^/Duration", NULL},
	{M_SR, A_CAP, DM_F_PARENTAL_WARNING, "ParentalWarningType", NULL},
	{M_S, A_CAP, DM_F_LANGUAGE, "^/LanguageOfPerformance", NULL},
	{M_S, A_CAP, DM_F_CREATION_DATE, "^/CreationDate", NULL},
	{M_SR, A_CAP, DM_F_LABEL, "LabelName", NULL},
	{M_R, A_CAP, DM_F_LABEL_REF, "ReleaseLabelReference", NULL},
	{M_SR, A_CAP, DM_F_GENRE, "Genre/GenreText", NULL},
	{M_SR, A_CAP, DM_F_SUBGENRE, "Genre/SubGenre", NULL},
	{M_R, A_CAP, DM_F_RELEASE_DATE, "ReleaseDate", NULL},
	{M_R, A_CAP, DM_F_RELEASE_DATE, "GlobalReleaseDate", NULL},
	{M_R, A_CAP, DM_F_ORIGINAL_RELEASE_DATE, "OriginalReleaseDate", NULL},
	{M_R, A_CAP, DM_F_ORIGINAL_RELEASE_DATE, "GlobalOriginalReleaseDate", NULL},
	{M_SR, A_CAP, DM_F_PLINE, "PLine/PLineText", NULL},
	{M_SR, A_CAP, DM_F_PLINE_YEAR, "PLine/Year", NULL},
	{M_SR, A_CAP, DM_F_CLINE, "CLine/CLineText", NULL},
	{M_SR, A_CAP, DM_F_CLINE_YEAR, "CLine/Year", NULL},
	{M_R, A_CAP, DM_F_RESOURCE_REF, "ReleaseResourceReference", NULL},
	{M_R, A_CAP, DM_F_RESOURCE_REF, "LinkedReleaseResourceReference", NULL},
	/* technical details: 3.x Technical*Details, 4.x DeliveryFile */
	{M_S, A_OPEN, DM_G_FILE, "TechnicalSoundRecordingDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalImageDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalVideoDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalTextDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalSheetMusicDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalSoftwareDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalMidiDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "TechnicalUserDefinedResourceDetails", NULL},
	{M_S, A_OPEN, DM_G_FILE, "DeliveryFile", NULL},
	{M_S, A_CAP, DM_F_FILE_NAME, "File/FileName", NULL},
	{M_S, A_CAP, DM_F_FILE_PATH, "File/FilePath", NULL},
	{M_S, A_CAP, DM_F_FILE_URI, "File/URI", NULL},
	{M_S, A_CAP, DM_F_CODEC, "AudioCodecType", NULL},
	{M_S, A_CAP, DM_F_CODEC, "VideoCodecType", NULL},
	{M_S, A_CAP, DM_F_CODEC, "ImageCodecType", NULL},
	{M_S, A_CAP, DM_F_BIT_RATE, "BitRate", NULL},
	{M_S, A_CAP, DM_F_SAMPLING_RATE, "SamplingRate", NULL},
	{M_S, A_CAP, DM_F_HASH, "HashSum/HashSum", NULL},
	{M_S, A_CAP, DM_F_HASH, "HashSum/HashSumValue", NULL},
	{M_S, A_CAP, DM_F_HASH_ALGORITHM, "HashSum/HashSumAlgorithmType", NULL},
	{M_S, A_CAP, DM_F_HASH_ALGORITHM, "HashSum/Algorithm", NULL},
	/* deals */
	{M_D, A_CAP, DM_F_RELEASE_REF, "^/DealReleaseReference", NULL},
	{M_D, A_CAP, DM_F_EFFECTIVE_DATE, "^/EffectiveDate", NULL},
	{M_D, A_OPEN, DM_G_DEAL, "^/Deal", NULL},
	/* DealTerms straight inside ReleaseDeal, without a Deal around them
	 * (schema-invalid, but delivered): they are the deal */
	{M_D, A_OPEN, DM_G_DEAL, "^/DealTerms", NULL},
	{M_D, A_CAP, DM_F_COMMERCIAL_MODEL, "CommercialModelType", NULL},
	{M_D, A_CAP, DM_F_USE_TYPE, "UseType", NULL},
	{M_D, A_CAP, DM_F_TERRITORY, "DealTerms/TerritoryCode", NULL},
	{M_D, A_CAP, DM_F_EXCLUDED_TERRITORY, "DealTerms/ExcludedTerritoryCode", NULL},
	{M_D, A_PERIOD, 0, "ValidityPeriod", NULL},
	{M_D, A_CAP, DM_F_START, "ValidityPeriod/StartDate", NULL},
	{M_D, A_CAP, DM_F_START, "ValidityPeriod/StartDateTime", NULL},
	{M_D, A_CAP, DM_F_END, "ValidityPeriod/EndDate", NULL},
	{M_D, A_CAP, DM_F_END, "ValidityPeriod/EndDateTime", NULL},
	{M_D, A_CAP, DM_F_TAKEDOWN, "DealTerms/TakeDown", NULL},
	{M_D, A_OPEN, DM_G_PRICE, "PriceInformation", NULL},
	{M_D, A_CAP, DM_F_PRICE_TYPE, "PriceInformation/PriceType", NULL},
	{M_D, A_CAP, DM_F_PRICE_TYPE, "PriceInformation/PriceCode", NULL},
	{M_D, A_CAP, DM_F_PRICE_TYPE, "PriceInformation/PriceRangeType", NULL},
	{M_D, A_CAP, DM_F_PRICE_AMOUNT, "PriceInformation/WholesalePricePerUnit", NULL},
	{M_D, A_CAP, DM_F_PRICE_AMOUNT, "PriceInformation/SuggestedRetailPrice", NULL},
	{M_D, A_ATTR, DM_F_PRICE_CURRENCY, "PriceInformation/WholesalePricePerUnit", "CurrencyCode"},
	{M_D, A_ATTR, DM_F_PRICE_CURRENCY, "PriceInformation/SuggestedRetailPrice", "CurrencyCode"},
};

/* Identifier containers and the identifiers inside them: each becomes an
 * {"type","namespace","value"} entry of the record's "ids". */
static const char *const id_parents[] = {
	"SoundRecordingId", "ResourceId", "ReleaseId", "ImageId", "VideoId",
	"TextId", "SheetMusicId", "SoftwareId", "MidiId", "UserDefinedResourceId", "PartyId",
};
static const char *const id_children[] = {
	"ISRC", "ICPN", "GRid", "CatalogNumber", "ProprietaryId", "ISAN", "VISAN",
	"ISBN", "ISMN", "ISWC", "EAN", "UPC", "ISNI", "DPID", "IpiNameNumber",
	"IPN", "CisacSocietyId", "GlobalReleaseId",
};

/* 3.x *DetailsByTerritory, directly in a record: each opens the details
 * its titles and display artist names inherit a language and territories
 * from, and holds titles. */
static const struct {
	uint8_t mask;
	const char *name;
} details[] = {
	{M_S, "SoundRecordingDetailsByTerritory"}, {M_S, "VideoDetailsByTerritory"},
	{M_S, "ImageDetailsByTerritory"}, {M_S, "TextDetailsByTerritory"},
	{M_S, "SheetMusicDetailsByTerritory"}, {M_S, "SoftwareDetailsByTerritory"},
	{M_S, "MidiDetailsByTerritory"}, {M_S, "UserDefinedResourceDetailsByTerritory"},
	{M_R, "ReleaseDetailsByTerritory"},
};
#define DETAILS_RULES 7

/* add_rule drops what does not fit; make sure everything fits. */
_Static_assert(sizeof rule_src / sizeof rule_src[0] +
               4 * (sizeof id_parents / sizeof id_parents[0]) *
                   (sizeof id_children / sizeof id_children[0]) +
               DETAILS_RULES * (sizeof details / sizeof details[0]) <= MAX_RULES,
               "MAX_RULES is too small for the rule table");

static const char *const struct_names[] = {
	NULL, "MessageHeader", "ResourceList", "PartyList", "Party", "ReleaseList",
	"Release", "TrackRelease", "DealList", "ReleaseDeal", "PurgedRelease",
	"UpdateReleaseList", "TakedownReleaseList", "RelatedRelease", "RelatedResource",
};

static struct ern_tables T;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Table building is static data only; the sizes are fixed so it cannot
 * fail at run time (a test checks every rule compiled). */
static unsigned intern(const char *s, size_t n)
{
	unsigned id = ern_lookup(&T, s, n);
	if (id)
		return id;
	if (T.nnames + 1 >= MAX_NAMES || n > UINT8_MAX) {
		T.dropped++;
		return 0;
	}
	id = ++T.nnames;
	T.names[id] = s;
	T.lens[id] = (uint8_t)n;
	ern_name_keys(s, n, T.keys[id]);
	uint32_t h = ern_hash_keys(T.keys[id], n) & (HASH_SLOTS - 1);
	while (T.slots[h])
		h = (h + 1) & (HASH_SLOTS - 1);
	T.slots[h] = (uint16_t)id;
	return id;
}

static void add_rule(uint8_t mask, uint8_t action, uint16_t arg, const char *const *parts,
                     unsigned n, const char *attr)
{
	if (T.nrules >= MAX_RULES || n == 0 || n > MAX_PATH) {
		T.dropped++;
		return;
	}
	struct ern_rule *r = &T.rules[T.nrules++];
	r->mask = mask;
	r->action = action;
	r->arg = arg;
	r->attr = attr;
	r->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		r->ids[i] = strcmp(parts[i], "^") == 0 ? ID_RECROOT
		                                        : (uint16_t)intern(parts[i], strlen(parts[i]));
}

/* Paths in the rule table are string literals; split "A/B/C" by pointing
 * into a per-rule copy kept in static storage. */
static char path_store[16384];
static size_t path_used;

static unsigned split_path(const char *path, const char **parts)
{
	size_t len = strlen(path) + 1;
	if (path_used + len > sizeof path_store)
		return 0;
	char *s = path_store + path_used;
	memcpy(s, path, len);
	path_used += len;
	unsigned n = 0;
	for (char *p = s; n < MAX_PATH;) {
		parts[n++] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	return n;
}

static void build_automaton(void);

static void build_tables(void)
{
	for (int f = 0; f < DM_F_COUNT; f++) {
		T.field_group[f] = (uint8_t)dm_field_group((enum dm_field)f);
		T.field_multi[f] = (uint8_t)dm_field_multi((enum dm_field)f);
	}
	for (unsigned i = 1; i < N_STRUCT_END; i++)
		intern(struct_names[i], strlen(struct_names[i]));
	for (size_t i = 0; i < sizeof rule_src / sizeof rule_src[0]; i++) {
		const struct rule_src *s = &rule_src[i];
		const char *parts[MAX_PATH];
		unsigned n = split_path(s->path, parts);
		if (n == 1 && strcmp(parts[0], "^") == 0) {
			if (T.nrec_rules < MAX_REC_RULES) {
				struct ern_rule *r = &T.rec_rules[T.nrec_rules++];
				r->mask = s->mask;
				r->action = s->action;
				r->arg = s->arg;
				r->attr = s->attr;
				r->n = 1;
			} else {
				T.dropped++;
			}
			continue;
		}
		add_rule(s->mask, s->action, s->arg, parts, n, s->attr);
	}
	for (size_t d = 0; d < sizeof details / sizeof *details; d++) {
		static const struct {
			uint8_t action;
			uint16_t arg;
			const char *before, *after;
		} per[DETAILS_RULES] = {
			{A_VARIANT, DM_G_DETAILS, "^/", ""},
			{A_CAP, DM_F_DT_TERRITORY, "", "/TerritoryCode"},
			{A_CAP, DM_F_DT_EXCLUDED, "", "/ExcludedTerritoryCode"},
			{A_VARIANT, DM_G_TITLE, "", "/Title"},
			{A_VARIANT, DM_G_TITLE, "", "/DisplayTitle"},
			{A_CAP, DM_F_TITLE, "", "/Title/TitleText"},
			{A_CAP, DM_F_TITLE, "", "/DisplayTitle/TitleText"},
		};
		for (unsigned k = 0; k < DETAILS_RULES; k++) {
			char path[128];
			snprintf(path, sizeof path, "%s%s%s", per[k].before, details[d].name,
			         per[k].after);
			const char *parts[MAX_PATH];
			unsigned n = split_path(path, parts);
			add_rule(details[d].mask, per[k].action, per[k].arg, parts, n, NULL);
		}
	}
	for (size_t p = 0; p < sizeof id_parents / sizeof *id_parents; p++)
		for (size_t c = 0; c < sizeof id_children / sizeof *id_children; c++) {
			const char *parts[2] = {id_parents[p], id_children[c]};
			uint8_t mask = strcmp(id_parents[p], "PartyId") == 0 ? M_P
			             : strcmp(id_parents[p], "ReleaseId") == 0 ? M_R : M_S;
			add_rule(mask, A_OPEN, DM_G_ID, parts, 2, NULL);
			add_rule(mask, A_NAME, DM_F_ID_TYPE, parts, 2, NULL);
			add_rule(mask, A_ATTR, DM_F_ID_NS, parts, 2, "Namespace");
			add_rule(mask, A_CAP, DM_F_ID_VALUE, parts, 2, NULL);
		}
	build_automaton();
}

/* ---- the automaton --------------------------------------------------------
 *
 * A state of an element inside a record is the set of its partial matches:
 * (rule << 3 | k) for each rule whose ids[0..k] are the last k + 1 names of
 * the path from the record's element down to this one (ID_RECROOT only at
 * the record's element, which also matches by its own name), k < n - 1,
 * in ascending order; plus the rules the element itself completes, which
 * are what entering it does. States are found breadth first from the root
 * and told apart by a hash of everything they hold. All of it is static
 * data of fixed size: building cannot fail at run time, and a test checks
 * that nothing was dropped. */
#define MAX_PARTIALS 8192
static uint32_t partials[MAX_PARTIALS];
static unsigned npartials;
static struct {
	uint32_t p;            /* partials[p, +np) */
	uint16_t np;
	uint16_t list;         /* K_LIST: the list's name id */
} bstate[MAX_STATES];
#define STATE_SLOTS (2 * MAX_STATES)
static uint16_t state_slots[STATE_SLOTS];    /* state + 1, 0 = empty */
/* each record type's rules by first id (ID_RECROOT last): starts[t] in
 * [start_at[t][id], start_at[t][id + 1]), table order within an id */
static uint16_t starts[DM_REC_TYPES][MAX_RULES];
static uint16_t start_at[DM_REC_TYPES][MAX_NAMES + 2];

static uint32_t state_hash(const struct ern_state *st, unsigned list, const uint32_t *p,
                           unsigned np, const uint16_t *a)
{
	uint32_t h = 2166136261u;
	uint32_t head[4] = {st->kind, st->rtype, st->begins, list};
	for (unsigned i = 0; i < 4; i++)
		h = (h ^ head[i]) * 16777619u;
	for (unsigned i = 0; i < np; i++)
		h = (h ^ p[i]) * 16777619u;
	for (unsigned i = 0; i < st->nact; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

/* The state holding all this, added (to be expanded later) if new. */
static unsigned find_state(enum ern_kind kind, unsigned rtype, int begins, unsigned list,
                           const uint32_t *p, unsigned np, const uint16_t *a, unsigned na)
{
	struct ern_state want = {(uint8_t)kind, (uint8_t)rtype, (uint8_t)begins, (uint8_t)na, 0};
	uint32_t h = state_hash(&want, list, p, np, a) & (STATE_SLOTS - 1);
	for (; state_slots[h]; h = (h + 1) & (STATE_SLOTS - 1)) {
		unsigned s = state_slots[h] - 1u;
		const struct ern_state *st = &T.states[s];
		if (st->kind == kind && st->rtype == rtype && st->begins == begins &&
		    st->nact == na && bstate[s].list == list && bstate[s].np == np &&
		    (!np || memcmp(&partials[bstate[s].p], p, np * sizeof *p) == 0) &&
		    (!na || memcmp(&T.acts[st->act], a, na * sizeof *a) == 0))
			return s;
	}
	if (T.nstates >= MAX_STATES || npartials + np > MAX_PARTIALS ||
	    T.nacts + na > MAX_ACTS || na > UINT8_MAX) {
		T.dropped++;
		return 0;
	}
	unsigned s = T.nstates++;
	want.act = (uint16_t)T.nacts;
	if (na)
		memcpy(&T.acts[T.nacts], a, na * sizeof *a);
	T.nacts += na;
	T.states[s] = want;
	bstate[s].p = npartials;
	bstate[s].np = (uint16_t)np;
	bstate[s].list = (uint16_t)list;
	if (np)
		memcpy(&partials[npartials], p, np * sizeof *p);
	npartials += np;
	state_slots[h] = (uint16_t)(s + 1);
	return s;
}

/* Append rules[r] begun at this element: a match if it has one name,
 * else a partial match. */
static void begin_rule(unsigned r, uint32_t *p, unsigned *np, uint16_t *a, unsigned *na)
{
	if (T.rules[r].n == 1) {
		if (*na < MAX_RULES)
			a[(*na)++] = (uint16_t)r;
	} else if (*np < MAX_RULES) {
		p[(*np)++] = (uint32_t)r << 3;
	}
}

/* Sorted merge of two ascending runs of a (in place through tmp). */
static unsigned merge_acts(uint16_t *a, unsigned n1, unsigned n)
{
	uint16_t tmp[MAX_RULES];
	unsigned i = 0, j = n1, o = 0;
	while (i < n1 || j < n)
		tmp[o++] = j >= n || (i < n1 && a[i] < a[j]) ? a[i++] : a[j++];
	memcpy(a, tmp, o * sizeof *a);
	return o;
}

static unsigned merge_partials(uint32_t *p, unsigned n1, unsigned n)
{
	uint32_t tmp[MAX_RULES];
	unsigned i = 0, j = n1, o = 0;
	while (i < n1 || j < n)
		tmp[o++] = j >= n || (i < n1 && p[i] < p[j]) ? p[i++] : p[j++];
	memcpy(p, tmp, o * sizeof *p);
	return o;
}

/* The state of a record's own element of type t named id. */
static unsigned record_state(unsigned t, unsigned id)
{
	uint32_t p[MAX_RULES];
	uint16_t a[MAX_REC_RULES];
	unsigned np = 0, na = 0;
	/* "^/..." rules, then those whose first name is the element's */
	for (unsigned i = start_at[t][MAX_NAMES]; i < start_at[t][MAX_NAMES + 1]; i++)
		if (T.rules[starts[t][i]].n > 1)
			p[np++] = (uint32_t)starts[t][i] << 3;
	unsigned n1 = np;
	for (unsigned i = start_at[t][id]; i < start_at[t][id + 1]; i++)
		if (T.rules[starts[t][i]].n > 1)
			p[np++] = (uint32_t)starts[t][i] << 3;
	np = merge_partials(p, n1, np);
	for (unsigned i = 0; i < T.nrec_rules; i++)
		if (T.rec_rules[i].mask & (1u << t))
			a[na++] = (uint16_t)(REC_RULE_REF + i);
	return find_state(K_REC, t, 1, 0, p, np, a, na);
}

/* The state of a child named id of an element in a record of type t
 * whose partial matches going on with id are the n at from (ascending). */
static unsigned child_state(unsigned t, unsigned id, const uint32_t *from, unsigned n)
{
	uint32_t p[MAX_RULES];
	uint16_t a[MAX_RULES];
	unsigned np = 0, na = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned r = from[i] >> 3, k = (from[i] & 7) + 1;
		if (k + 1 == T.rules[r].n)
			a[na++] = (uint16_t)r;
		else
			p[np++] = (uint32_t)r << 3 | k;
	}
	unsigned pn1 = np, an1 = na;
	for (unsigned i = start_at[t][id]; i < start_at[t][id + 1]; i++)
		begin_rule(starts[t][i], p, &np, a, &na);
	np = merge_partials(p, pn1, np);
	na = merge_acts(a, an1, na);
	return find_state(K_REC, t, 0, 0, p, np, a, na);
}

/* The record type a child named id of this list begins, or -1. */
static int list_record(unsigned list, unsigned id)
{
	switch (list) {
	case N_ResourceList: return DM_REC_RESOURCE;
	case N_PartyList: return id == N_Party ? DM_REC_PARTY : -1;
	case N_ReleaseList: return id == N_Release || id == N_TrackRelease ? DM_REC_RELEASE : -1;
	case N_DealList: return id == N_ReleaseDeal ? DM_REC_DEAL : -1;
	case N_UpdateReleaseList:
	case N_TakedownReleaseList: return DM_REC_RELEASE;
	}
	return -1;
}

static void index_starts(void)
{
	for (unsigned t = 0; t < DM_REC_TYPES; t++) {
		/* counting sort by first id, ID_RECROOT as MAX_NAMES */
		uint16_t count[MAX_NAMES + 1] = {0};
		for (unsigned r = 0; r < T.nrules; r++)
			if (T.rules[r].mask & (1u << t)) {
				unsigned f = T.rules[r].ids[0];
				count[f == ID_RECROOT ? MAX_NAMES : f]++;
			}
		unsigned at = 0;
		for (unsigned i = 0; i <= MAX_NAMES; i++) {
			start_at[t][i] = (uint16_t)at;
			at += count[i];
		}
		start_at[t][MAX_NAMES + 1] = (uint16_t)at;
		uint16_t fill[MAX_NAMES + 1];
		memcpy(fill, start_at[t], sizeof fill);
		for (unsigned r = 0; r < T.nrules; r++)
			if (T.rules[r].mask & (1u << t)) {
				unsigned f = T.rules[r].ids[0];
				starts[t][fill[f == ID_RECROOT ? MAX_NAMES : f]++] = (uint16_t)r;
			}
	}
}

static int is_list(unsigned id)
{
	return id == N_ResourceList || id == N_PartyList || id == N_ReleaseList ||
	       id == N_DealList || id == N_UpdateReleaseList || id == N_TakedownReleaseList;
}

/* A child of a record state whose partial matches it extends none of is
 * in the state the same child of an empty path would be in: each type's
 * row of those, computed once, is every row's start. */
static uint16_t fresh[DM_REC_TYPES][MAX_NAMES];

static unsigned next_id(uint32_t m)
{
	return T.rules[m >> 3].ids[(m & 7) + 1];
}

static void fill_record_row(unsigned s, uint16_t *row, unsigned skip)
{
	unsigned t = T.states[s].rtype;
	memcpy(row, fresh[t], T.nsyms * sizeof *row);
	/* the partial matches by the name they go on with (stable, so each
	 * run stays ascending): one child state for each such name */
	uint32_t by[MAX_RULES];
	unsigned n = bstate[s].np;
	for (unsigned i = 0; i < n; i++) {
		uint32_t m = partials[bstate[s].p + i];
		unsigned j = i;
		for (; j > 0 && next_id(by[j - 1]) > next_id(m); j--)
			by[j] = by[j - 1];
		by[j] = m;
	}
	for (unsigned i = 0, j; i < n; i = j) {
		unsigned id = next_id(by[i]);
		for (j = i + 1; j < n && next_id(by[j]) == id; j++)
			;
		if (id < T.nsyms)
			row[id] = (uint16_t)child_state(t, id, by + i, j - i);
	}
	row[N_RelatedRelease] = row[N_RelatedResource] = (uint16_t)skip;
}

static void build_automaton(void)
{
	index_starts();
	T.nsyms = T.nnames + 1;
	unsigned out = find_state(K_OUT, 0, 0, 0, NULL, 0, NULL, 0);
	unsigned skip = find_state(K_SKIP, 0, 0, 0, NULL, 0, NULL, 0);
	T.doc_state = (uint16_t)find_state(K_DOC, 0, 0, 0, NULL, 0, NULL, 0);
	for (unsigned t = 0; t < DM_REC_TYPES; t++) {
		for (unsigned id = 0; id < T.nsyms; id++)
			fresh[t][id] = (uint16_t)child_state(t, id, NULL, 0);
	}
	/* states are appended as they are found: expanding them in order
	 * reaches every one */
	for (unsigned s = 0; s < T.nstates; s++) {
		uint16_t *row = &T.next[s * T.nsyms];
		const struct ern_state *st = &T.states[s];
		if (st->kind == K_REC) {
			fill_record_row(s, row, skip);
			continue;
		}
		for (unsigned id = 0; id < T.nsyms; id++) {
			if (st->kind >= K_CLOSED)
				row[id] = (uint16_t)s;
			else if (st->kind == K_DOC)
				row[id] = (uint16_t)(id == N_MessageHeader ? record_state(DM_REC_HEADER, id)
				                   : id == N_PurgedRelease ? record_state(DM_REC_RELEASE, id)
				                   : is_list(id) ? find_state(K_LIST, 0, 0, id, NULL, 0, NULL, 0)
				                                 : out);
			else if (st->kind == K_LIST) {
				int t = list_record(bstate[s].list, id);
				row[id] = (uint16_t)(t >= 0 ? record_state((unsigned)t, id) : out);
			}
		}
	}
}

const struct ern_tables *dm_ern_rules(void)
{
	pthread_once(&tables_once, build_tables);
	return &T;
}

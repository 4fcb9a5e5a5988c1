/* ERN element state machine: path rules -> record values -> records.
 *
 * Every element's local name is interned to a small id; the ids of the open
 * elements form a stack. A rule is a path suffix (e.g. "ReleaseId/ICPN",
 * with "^" standing for the record's own element) plus an action: capture
 * the element's text into a field, take an attribute, record the element's
 * name, or open an instance of a repeated sub-object. Rules are indexed by
 * their last name, so an element costs one hash lookup and a short scan. */
#include "config.h"
#include "ern.h"
#include "pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_SEP '\x01'
#define MAX_NAMES 512
#define HASH_SLOTS 2048
#define MAX_PATH 5
#define MAX_RULES 1024
#define ID_RECROOT 0xFFFF
#define MAX_CAPS 8

/* A_VARIANT opens an instance of a variant group (display artist names,
 * titles, 3.x details by territory) and takes its attributes in one pass. */
enum action { A_CAP, A_OPEN, A_ATTR, A_NAME, A_VARIANT };
enum { M_H = 1 << DM_REC_HEADER, M_P = 1 << DM_REC_PARTY, M_S = 1 << DM_REC_RESOURCE,
       M_R = 1 << DM_REC_RELEASE, M_D = 1 << DM_REC_DEAL, M_SR = M_S | M_R };

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

/* Structural names the machine itself looks at. */
enum {
	N_MessageHeader = 1, N_ResourceList, N_PartyList, N_Party, N_ReleaseList,
	N_Release, N_TrackRelease, N_DealList, N_ReleaseDeal, N_PurgedRelease,
	N_UpdateReleaseList, N_TakedownReleaseList, N_RelatedRelease, N_RelatedResource,
	N_STRUCT_END
};
static const char *const struct_names[] = {
	NULL, "MessageHeader", "ResourceList", "PartyList", "Party", "ReleaseList",
	"Release", "TrackRelease", "DealList", "ReleaseDeal", "PurgedRelease",
	"UpdateReleaseList", "TakedownReleaseList", "RelatedRelease", "RelatedResource",
};

/* record.c's field table, copied into arrays once: looked up per value */
static uint8_t field_group[DM_F_COUNT];
static uint8_t field_multi_tab[DM_F_COUNT];

struct rule {
	uint8_t mask, action, n;
	uint16_t arg;
	uint16_t ids[MAX_PATH];
	const char *attr;
	/* next rule with the same last name for that record type, -1 ends */
	int16_t next[DM_REC_TYPES];
};

struct tables {
	const char *names[MAX_NAMES];
	uint8_t lens[MAX_NAMES];
	unsigned nnames;
	uint16_t slots[HASH_SLOTS];   /* name id, 0 = empty */
	struct rule rules[MAX_RULES];
	unsigned nrules;
	/* per record type: the first rule ending in that name, and the last
	 * (to append in table order); a record only walks its own rules */
	int16_t first[DM_REC_TYPES][MAX_NAMES];
	int16_t last[DM_REC_TYPES][MAX_NAMES];
};

static struct tables T;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static uint32_t hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static unsigned lookup(const char *s, size_t n)
{
	uint32_t h = hash_name(s, n) & (HASH_SLOTS - 1);
	for (;;) {
		unsigned id = T.slots[h];
		if (!id)
			return 0;
		if (T.lens[id] == n && memcmp(T.names[id], s, n) == 0)
			return id;
		h = (h + 1) & (HASH_SLOTS - 1);
	}
}

/* Table building is static data only; the sizes are fixed so it cannot
 * fail at run time (a test checks every rule compiled). */
static unsigned intern(const char *s, size_t n)
{
	unsigned id = lookup(s, n);
	if (id || T.nnames + 1 >= MAX_NAMES)
		return id;
	id = ++T.nnames;
	T.names[id] = s;
	T.lens[id] = (uint8_t)n;
	uint32_t h = hash_name(s, n) & (HASH_SLOTS - 1);
	while (T.slots[h])
		h = (h + 1) & (HASH_SLOTS - 1);
	T.slots[h] = (uint16_t)id;
	return id;
}

static void add_rule(uint8_t mask, uint8_t action, uint16_t arg, const char *const *parts,
                     unsigned n, const char *attr)
{
	if (T.nrules >= MAX_RULES || n == 0 || n > MAX_PATH)
		return;
	struct rule *r = &T.rules[T.nrules];
	r->mask = mask;
	r->action = action;
	r->arg = arg;
	r->attr = attr;
	r->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		r->ids[i] = strcmp(parts[i], "^") == 0 ? ID_RECROOT
		                                        : (uint16_t)intern(parts[i], strlen(parts[i]));
	/* "^" alone: the record element itself, matched by the caller */
	uint16_t last = r->ids[n - 1];
	if (last == ID_RECROOT)
		return; /* handled by record-start rules below */
	/* keep table order: an id's OPEN must run before its captures */
	for (int t = 0; t < DM_REC_TYPES; t++) {
		r->next[t] = -1;
		if (!(mask & (1u << t)))
			continue;
		if (T.first[t][last] < 0)
			T.first[t][last] = (int16_t)T.nrules;
		else
			T.rules[T.last[t][last]].next[t] = (int16_t)T.nrules;
		T.last[t][last] = (int16_t)T.nrules;
	}
	T.nrules++;
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

/* Rules whose whole path is "^" apply to the record element; kept apart. */
static struct rule rec_rules[8];
static unsigned nrec_rules;

static void build_tables(void)
{
	for (int f = 0; f < DM_F_COUNT; f++) {
		field_group[f] = (uint8_t)dm_field_group((enum dm_field)f);
		field_multi_tab[f] = (uint8_t)dm_field_multi((enum dm_field)f);
	}
	for (int t = 0; t < DM_REC_TYPES; t++)
		for (int i = 0; i < MAX_NAMES; i++)
			T.first[t][i] = -1;
	for (unsigned i = 1; i < N_STRUCT_END; i++)
		intern(struct_names[i], strlen(struct_names[i]));
	for (size_t i = 0; i < sizeof rule_src / sizeof rule_src[0]; i++) {
		const struct rule_src *s = &rule_src[i];
		const char *parts[MAX_PATH];
		unsigned n = split_path(s->path, parts);
		if (n == 1 && strcmp(parts[0], "^") == 0) {
			if (nrec_rules < 8) {
				struct rule *r = &rec_rules[nrec_rules++];
				r->mask = s->mask;
				r->action = s->action;
				r->arg = s->arg;
				r->attr = s->attr;
				r->n = 1;
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
}

/* ---- the machine ------------------------------------------------------ */

struct capture {
	uint32_t depth;
	uint32_t start;       /* arena offset of the text */
	uint32_t nidx;
	uint32_t idx[3];      /* values that receive the text */
	int closed;           /* an inner capture began: no more text */
};

struct dm_ern {
	struct dm_acct *acct;
	const struct dm_config *cfg;
	const struct dm_consumer *cons;
	void *ctx;
	const char *file;

	uint16_t *stack;       /* name ids by depth; stack[0] unused */
	size_t stack_cap;
	size_t depth;

	int saw_root;
	char version[16];
	char ns[160];          /* holds any URI dm_ern_root_namespace accepts */
	/* root element name and MessageSchemaVersionId, each NUL-terminated,
	 * as long as the document makes them (up to buffer_size) */
	struct dm_buf doc;
	size_t schema_off;

	/* the record in flight */
	int in_rec;
	size_t rec_depth;
	size_t skip_depth;     /* inside a Related* element at this depth; 0 = no */
	enum dm_rec_type rtype;
	size_t kind_len;       /* the record's element name opens its arena */
	uint64_t rline, rcol, roff;
	struct dm_buf arena;
	struct dm_value *vals;
	size_t nvals, vcap;
	uint64_t set_bits[2];
	/* repeated sub-objects: instances so far, and the open one: G_CLOSED,
	 * G_PENDING (its element is open but holds no value yet, so it has no
	 * number), or its number */
	uint32_t gcount[DM_G_COUNT];
	int64_t gcur[DM_G_COUNT];
	size_t gdepth[DM_G_COUNT];
	unsigned gopen;        /* bit g: gcur[g] is not G_CLOSED */
	struct capture caps[MAX_CAPS];
	unsigned ncaps;
	/* the values that open the current DetailsByTerritory (its language,
	 * TerritoryCode and ExcludedTerritoryCode come first): [dt_lo, +dt_n) */
	size_t dt_lo, dt_n;

	struct dm_ern_counts counts;
	uint64_t seq;
	/* record text and value arrays come from these when set, and go back
	 * when the record has been handed on */
	struct dm_pool *text_pool, *vals_pool;
};

#define G_CLOSED (-1)
#define G_PENDING (-2)

static int field_multi(unsigned f) { return field_multi_tab[f]; }

static void release_buffers(struct dm_ern *e);

struct dm_ern *dm_ern_new(struct dm_acct *a, const struct dm_config *cfg,
                          const struct dm_consumer *cons, void *ctx)
{
	pthread_once(&tables_once, build_tables);
	struct dm_ern *e = dm_acct_calloc(a, DM_TAG_PARSER, 1, sizeof *e);
	if (!e)
		return NULL;
	e->acct = a;
	e->cfg = cfg;
	e->cons = cons;
	e->ctx = ctx;
	dm_buf_init(&e->arena, a, DM_TAG_RECORDS);
	dm_buf_init(&e->doc, a, DM_TAG_PARSER);
	dm_ern_reset(e, "");
	return e;
}

void dm_ern_free(struct dm_ern *e)
{
	if (!e)
		return;
	release_buffers(e);
	dm_buf_fini(&e->arena);
	dm_buf_fini(&e->doc);
	dm_acct_dealloc(e->vals);
	dm_acct_dealloc(e->stack);
	dm_acct_dealloc(e);
}

static void release_buffers(struct dm_ern *e)
{
	if (e->text_pool && e->arena.data) {
		dm_pool_put(e->text_pool, e->arena.data);
		e->arena.data = NULL;
		e->arena.cap = 0;
	}
	if (e->vals_pool && e->vals) {
		dm_pool_put(e->vals_pool, e->vals);
		e->vals = NULL;
		e->vcap = 0;
	}
}

/* A record begins: take its buffers from the pools (when there are). */
static int acquire_buffers(struct dm_ern *e, struct dm_error *err)
{
	size_t cap;
	if (e->text_pool && !e->arena.data) {
		e->arena.data = dm_pool_get(e->text_pool, 4096, &cap);
		if (!e->arena.data)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (record text)");
		e->arena.cap = cap;
	}
	if (e->vals_pool && !e->vals) {
		e->vals = dm_pool_get(e->vals_pool, 64 * sizeof *e->vals, &cap);
		if (!e->vals)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (record values)");
		e->vcap = cap / sizeof *e->vals;
	}
	return 0;
}

void dm_ern_set_pools(struct dm_ern *e, struct dm_pool *text, struct dm_pool *vals)
{
	release_buffers(e);
	dm_buf_fini(&e->arena);
	dm_buf_init(&e->arena, e->acct, DM_TAG_RECORDS);
	dm_acct_dealloc(e->vals);
	e->vals = NULL;
	e->vcap = 0;
	e->text_pool = text;
	e->vals_pool = vals;
}

static void clear_record(struct dm_ern *e)
{
	e->in_rec = 0;
	e->skip_depth = 0;
	e->nvals = 0;
	dm_buf_reset(&e->arena);
	release_buffers(e);
	e->set_bits[0] = e->set_bits[1] = 0;
	e->ncaps = 0;
	e->dt_lo = e->dt_n = 0;
	for (int g = 0; g < DM_G_COUNT; g++) {
		e->gcount[g] = 0;
		e->gcur[g] = G_CLOSED;
	}
	e->gopen = 0;
}

void dm_ern_reset(struct dm_ern *e, const char *file)
{
	e->file = file;
	e->depth = 0;
	e->saw_root = 0;
	e->version[0] = e->ns[0] = '\0';
	dm_buf_reset(&e->doc);
	e->schema_off = 0;
	memset(&e->counts, 0, sizeof e->counts);
	e->seq = 0;
	clear_record(e);
}

int dm_ern_root_namespace(const char *uri, size_t len, char *version, size_t vsize)
{
	static const char p1[] = "http://ddex.net/xml/ern/";
	static const char p2[] = "http://ddex.net/xml/20";
	const char *v = NULL;
	size_t vl = 0;
	if (len > sizeof p1 - 1 && memcmp(uri, p1, sizeof p1 - 1) == 0) {
		v = uri + sizeof p1 - 1;
		vl = len - (sizeof p1 - 1);
	} else if (len > sizeof p2 - 1 && memcmp(uri, p2, sizeof p2 - 1) == 0) {
		/* http://ddex.net/xml/20YY/ern-main/NN */
		const char *rest = uri + sizeof p2 - 1;
		size_t rl = len - (sizeof p2 - 1);
		if (rl > 12 && rest[0] >= '0' && rest[0] <= '9' && rest[1] >= '0' &&
		    rest[1] <= '9' && memcmp(rest + 2, "/ern-main/", 10) == 0) {
			v = rest + 12;
			vl = rl - 12;
		}
	}
	if (!v || vl < 2 || vl > 6 || (v[0] != '3' && v[0] != '4'))
		return 0;
	for (size_t i = 0; i < vl; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'A' && v[i] <= 'Z')))
			return 0;
	/* "43" -> 4.3, "411" -> 4.1.1, "37D2" -> 3.7D2 */
	size_t o = 0;
	for (size_t i = 0; i < vl && o + 2 < vsize; i++) {
		if (i > 0 && v[i] >= '0' && v[i] <= '9' && v[i - 1] >= '0' && v[i - 1] <= '9')
			version[o++] = '.';
		version[o++] = v[i];
	}
	version[o] = '\0';
	return 1;
}

static void split_name(const char *name, const char **uri, size_t *ulen,
                       const char **local, size_t *llen)
{
	const char *sep = strchr(name, NS_SEP);
	if (sep) {
		*uri = name;
		*ulen = (size_t)(sep - name);
		*local = sep + 1;
	} else {
		*uri = "";
		*ulen = 0;
		*local = name;
	}
	*llen = strlen(*local);
}

/* Input text quoted in an error: at most size - 1 bytes, cut at a
 * character boundary, control characters (C0, DEL, C1: a newline inside an
 * element, a terminal escape) as spaces, so that the message stays one
 * harmless line of valid UTF-8. */
static void quote_text(char *out, size_t size, const char *s, size_t n)
{
	if (n > size - 1) {
		/* cut before a continuation byte (s[n] is inside the text here) */
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F) {
			out[o++] = ' ';
			i++;
		} else {
			out[o++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
		}
	}
	out[o] = '\0';
}

/* A name or attribute the record must carry whole is longer than the
 * text limit: refused, never cut. */
static int limit_error(const struct dm_ern *e, struct dm_error *err, const char *what)
{
	char lim[32];
	dm_format_size(e->cfg->buffer_size, lim, sizeof lim);
	return dm_error_set(err, DM_ELIMIT, "%s longer than buffer_size (%s)", what, lim);
}

static int begin_root(struct dm_ern *e, const char *name, const char **atts,
                      struct dm_error *err)
{
	const char *uri, *local;
	size_t ulen, llen;
	split_name(name, &uri, &ulen, &local, &llen);
	if (!dm_ern_root_namespace(uri, ulen, e->version, sizeof e->version)) {
		char quri[201], qlocal[101];
		quote_text(quri, sizeof quri, uri, ulen);
		quote_text(qlocal, sizeof qlocal, local, llen);
		return dm_error_set(err, DM_ENOTERN, "not a DDEX ERN message: root is {%s}%s", quri,
		                    qlocal);
	}
	e->saw_root = 1;
	snprintf(e->ns, sizeof e->ns, "%.*s", (int)ulen, uri);
	const char *schema = "";
	for (const char **a = atts; a[0]; a += 2)
		if (strcmp(a[0], "MessageSchemaVersionId") == 0)
			schema = a[1];
	size_t slen = strlen(schema);
	if (llen > e->cfg->buffer_size)
		return limit_error(e, err, "root element name");
	if (slen > e->cfg->buffer_size)
		return limit_error(e, err, "MessageSchemaVersionId");
	dm_buf_put(&e->doc, local, llen);
	dm_buf_putc(&e->doc, '\0');
	e->schema_off = e->doc.len;
	dm_buf_put(&e->doc, schema, slen);
	dm_buf_putc(&e->doc, '\0');
	if (e->doc.failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (root element)");
	return 0;
}

/* The open instance of g receives its first value: it becomes an instance
 * and gets the next number (a price makes its deal one too). */
static int number_instance(struct dm_ern *e, enum dm_group g, struct dm_error *err)
{
	if (g == DM_G_PRICE && number_instance(e, DM_G_DEAL, err) < 0)
		return -1;
	if (e->gcur[g] != G_PENDING)
		return 0;
	if (e->gcount[g] == UINT32_MAX) {
		dm_error_set(err, DM_ELIMIT, "more than %lu %s in one record",
		             (unsigned long)UINT32_MAX, dm_group_name(g));
		return -1;
	}
	e->gcur[g] = e->gcount[g]++;
	return 0;
}

static int push_value(struct dm_ern *e, unsigned field, struct dm_error *err)
{
	if (e->nvals == e->vcap) {
		size_t cap = e->vcap ? e->vcap * 2 : 64;
		struct dm_value *v = dm_acct_realloc(e->acct, DM_TAG_RECORDS, e->vals, cap * sizeof *v);
		if (!v)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
		e->vals = v;
		e->vcap = cap;
	}
	struct dm_value *v = &e->vals[e->nvals];
	v->field = (uint16_t)field;
	v->pad = 0;
	v->inst = v->inst2 = 0;
	enum dm_group g = field_group[field];
	if (g != DM_G_NONE) {
		if (e->gcur[g] == G_CLOSED)
			return 1; /* outside its sub-object: not ours */
		if (number_instance(e, g, err) < 0)
			return DM_ELIMIT;
		v->inst = (uint32_t)e->gcur[g];
		if (g == DM_G_PRICE)
			v->inst2 = (uint32_t)e->gcur[DM_G_DEAL];
	} else if (!field_multi(field)) {
		uint64_t bit = 1ULL << (field & 63);
		if (e->set_bits[field >> 6] & bit)
			return 1; /* the first value wins */
		e->set_bits[field >> 6] |= bit;
	}
	v->off = (uint32_t)e->arena.len;
	v->len = 0;
	if (g == DM_G_DETAILS && e->nvals == e->dt_lo + e->dt_n)
		e->dt_n++;
	e->nvals++;
	return 0;
}

static int put_text_value(struct dm_ern *e, unsigned field, const char *s, size_t n,
                          struct dm_error *err)
{
	int rc = push_value(e, field, err);
	if (rc)
		return rc < 0 ? rc : 0;
	dm_buf_put(&e->arena, s, n);
	if (e->arena.failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
	e->vals[e->nvals - 1].len = (uint32_t)n;
	return 0;
}

static int open_group(struct dm_ern *e, unsigned g)
{
	if (g == DM_G_PRICE && e->gcur[DM_G_DEAL] == G_CLOSED)
		return 0;
	if (g == DM_G_DEAL)
		e->gcount[DM_G_PRICE] = 0;
	e->gcur[g] = G_PENDING;
	e->gdepth[g] = e->depth;
	e->gopen |= 1u << g;
	return 0;
}

/* The attributes a variant group takes, by field; 0 = not taken. */
struct variant_keys {
	uint16_t lang, territory, excluded, is_default, type;
};
static const struct variant_keys vkeys[DM_G_COUNT] = {
	[DM_G_ARTIST_NAME] = {DM_F_DAN_LANG, DM_F_DAN_TERRITORY, DM_F_DAN_EXCLUDED,
	                      DM_F_DAN_DEFAULT, 0},
	[DM_G_TITLE] = {DM_F_TV_LANG, DM_F_TV_TERRITORY, DM_F_TV_EXCLUDED, DM_F_TV_DEFAULT,
	                DM_F_TV_TYPE},
	[DM_G_DETAILS] = {DM_F_DT_LANG, 0, 0, 0, 0},
};

static unsigned variant_attr(const struct variant_keys *k, const char *name)
{
	switch (name[0]) {
	case 'L': return strcmp(name, "LanguageAndScriptCode") == 0 ? k->lang : 0;
	case 'A': return strcmp(name, "ApplicableTerritoryCode") == 0 ? k->territory : 0;
	case 'I': return strcmp(name, "IsDefault") == 0 ? k->is_default : 0;
	case 'T': return strcmp(name, "TitleType") == 0 ? k->type : 0;
	}
	return 0;
}

/* A variant of a name or title begins: its own attributes, then what it
 * does not say itself taken from the DetailsByTerritory around it (3.x
 * gives the territory there, not on the name). */
static int open_variant(struct dm_ern *e, enum dm_group g, const char **atts,
                        struct dm_error *err)
{
	open_group(e, g);
	if (g == DM_G_DETAILS) {
		e->dt_lo = e->nvals;
		e->dt_n = 0;
	}
	const struct variant_keys *k = &vkeys[g];
	int have_lang = 0, have_territory = 0;
	for (const char **a = atts; a[0]; a += 2) {
		unsigned f = variant_attr(k, a[0]);
		if (!f)
			continue;
		int rc = put_text_value(e, f, a[1], strlen(a[1]), err);
		if (rc < 0)
			return rc;
		have_lang |= f == k->lang;
		have_territory |= f == k->territory;
	}
	if (g == DM_G_DETAILS || e->gcur[DM_G_DETAILS] < 0)
		return 0;
	for (size_t i = e->dt_lo; i < e->dt_lo + e->dt_n; i++) {
		unsigned from = e->vals[i].field, to = 0;
		if (from == DM_F_DT_LANG && !have_lang)
			to = k->lang;
		else if (from == DM_F_DT_TERRITORY && !have_territory)
			to = k->territory;
		else if (from == DM_F_DT_EXCLUDED && !have_territory)
			to = k->excluded;
		if (!to)
			continue;
		int rc = push_value(e, to, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			/* the same text, not a copy of it */
			e->vals[e->nvals - 1].off = e->vals[i].off;
			e->vals[e->nvals - 1].len = e->vals[i].len;
		}
	}
	return 0;
}

static int apply(struct dm_ern *e, const struct rule *r, const char *local, size_t llen,
                 const char **atts, struct capture *cap, struct dm_error *err)
{
	switch (r->action) {
	case A_OPEN:
		return open_group(e, r->arg);
	case A_VARIANT:
		return open_variant(e, r->arg, atts, err);
	case A_NAME:
		return put_text_value(e, r->arg, local, llen, err);
	case A_ATTR:
		for (const char **a = atts; a[0]; a += 2)
			if (strcmp(a[0], r->attr) == 0)
				return put_text_value(e, r->arg, a[1], strlen(a[1]), err);
		return 0;
	case A_CAP: {
		int rc = push_value(e, r->arg, err);
		if (rc < 0)
			return rc;
		if (rc == 0 && cap->nidx < 3)
			cap->idx[cap->nidx++] = (uint32_t)(e->nvals - 1);
		return 0;
	}
	}
	return 0;
}

/* (the rule is one of the record type's: see tables.first) */
static int rule_matches(const struct dm_ern *e, const struct rule *r)
{
	size_t d = e->depth;
	for (int k = r->n - 2; k >= 0; k--) {
		size_t pos = d - (size_t)(r->n - 1 - k);
		if (pos < e->rec_depth)
			return 0;
		if (r->ids[k] == ID_RECROOT) {
			if (pos != e->rec_depth)
				return 0;
		} else if (e->stack[pos] != r->ids[k]) {
			return 0;
		}
	}
	return 1;
}

/* Does an element of this name at this depth start a record? */
static int record_type_for(const struct dm_ern *e, unsigned id, enum dm_rec_type *t)
{
	if (e->depth == 2) {
		if (id == N_MessageHeader) { *t = DM_REC_HEADER; return 1; }
		if (id == N_PurgedRelease) { *t = DM_REC_RELEASE; return 1; }
		return 0;
	}
	if (e->depth != 3)
		return 0;
	switch (e->stack[2]) {
	case N_ResourceList: *t = DM_REC_RESOURCE; return 1;
	case N_PartyList: *t = DM_REC_PARTY; return id == N_Party;
	case N_ReleaseList: *t = DM_REC_RELEASE; return id == N_Release || id == N_TrackRelease;
	case N_DealList: *t = DM_REC_DEAL; return id == N_ReleaseDeal;
	case N_UpdateReleaseList:
	case N_TakedownReleaseList: *t = DM_REC_RELEASE; return 1;
	}
	return 0;
}

static int grow_stack(struct dm_ern *e)
{
	size_t cap = e->stack_cap ? e->stack_cap * 2 : 64;
	uint16_t *s = dm_acct_realloc(e->acct, DM_TAG_PARSER, e->stack, cap * sizeof *s);
	if (!s)
		return -1;
	e->stack = s;
	e->stack_cap = cap;
	return 0;
}

int dm_ern_start(struct dm_ern *e, const char *name, const char **atts, struct dm_error *err)
{
	e->depth++;
	if (e->depth >= e->stack_cap && grow_stack(e) != 0)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (element stack at depth %zu)",
		                    e->depth);
	if (e->depth == 1) {
		e->stack[1] = 0;
		return begin_root(e, name, atts, err);
	}
	const char *uri, *local;
	size_t ulen, llen;
	split_name(name, &uri, &ulen, &local, &llen);
	unsigned id = lookup(local, llen);
	e->stack[e->depth] = (uint16_t)id;

	int started = 0;
	if (!e->in_rec) {
		enum dm_rec_type t;
		if (!record_type_for(e, id, &t))
			return 0;
		int rc0 = acquire_buffers(e, err);
		if (rc0 < 0)
			return rc0;
		e->in_rec = 1;
		e->rec_depth = e->depth;
		e->rtype = t;
		if (llen > e->cfg->buffer_size)
			return limit_error(e, err, "record element name");
		dm_buf_put(&e->arena, local, llen);
		if (e->arena.failed)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
		e->kind_len = llen;
		for (unsigned i = 0; i < nrec_rules; i++)
			if (rec_rules[i].mask & (1u << t)) {
				struct capture dummy = {0};
				int rc = apply(e, &rec_rules[i], local, llen, atts, &dummy, err);
				if (rc < 0)
					return rc;
			}
		return 1;
	}
	/* what a record says about another release or resource (its ids,
	 * titles, dates) is not about the record itself */
	if (e->skip_depth)
		return started;
	if (id == N_RelatedRelease || id == N_RelatedResource) {
		e->skip_depth = e->depth;
		return started;
	}
	if (!id || T.first[e->rtype][id] < 0)
		return started;

	struct capture cap = {0};
	for (int ri = T.first[e->rtype][id]; ri >= 0; ri = T.rules[ri].next[e->rtype]) {
		const struct rule *r = &T.rules[ri];
		if (!rule_matches(e, r))
			continue;
		int rc = apply(e, r, local, llen, atts, &cap, err);
		if (rc < 0)
			return rc;
	}
	if (cap.nidx && e->ncaps < MAX_CAPS) {
		if (e->ncaps) {
			struct capture *outer = &e->caps[e->ncaps - 1];
			if (!outer->closed) {
				outer->closed = 1;
				for (uint32_t i = 0; i < outer->nidx; i++)
					e->vals[outer->idx[i]].len = (uint32_t)(e->arena.len - outer->start);
			}
		}
		cap.depth = (uint32_t)e->depth;
		cap.start = (uint32_t)e->arena.len;
		for (uint32_t i = 0; i < cap.nidx; i++)
			e->vals[cap.idx[i]].off = cap.start;
		e->caps[e->ncaps++] = cap;
	}
	return 0;
}

int dm_ern_text(struct dm_ern *e, const char *s, size_t len, struct dm_error *err)
{
	if (!e->ncaps)
		return 0;
	struct capture *c = &e->caps[e->ncaps - 1];
	if (c->closed || c->depth != e->depth)
		return 0;
	if (e->arena.len - c->start + len > e->cfg->buffer_size) {
		char lim[32];
		dm_format_size(e->cfg->buffer_size, lim, sizeof lim);
		return dm_error_set(err, DM_ELIMIT, "text value longer than buffer_size (%s)", lim);
	}
	dm_buf_put(&e->arena, s, len);
	if (e->arena.failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void end_capture(struct dm_ern *e)
{
	struct capture *c = &e->caps[--e->ncaps];
	uint32_t start = c->start;
	uint32_t end = c->closed ? start + (c->nidx ? e->vals[c->idx[0]].len : 0)
	                         : (uint32_t)e->arena.len;
	while (start < end && is_space(e->arena.data[start]))
		start++;
	while (end > start && is_space(e->arena.data[end - 1]))
		end--;
	for (uint32_t i = 0; i < c->nidx; i++) {
		struct dm_value *v = &e->vals[c->idx[i]];
		v->off = start;
		v->len = end - start;
		if (v->len == 0) {
			/* an empty element says nothing; let a later one speak */
			unsigned f = v->field;
			if (field_group[f] == DM_G_NONE && !field_multi(f))
				e->set_bits[f >> 6] &= ~(1ULL << (f & 63));
			v->field = DM_F_NONE;
		}
	}
}

static int finish_record(struct dm_ern *e, struct dm_error *err)
{
	struct dm_record r;
	memset(&r, 0, sizeof r);
	r.type = e->rtype;
	r.arena = e->arena.data ? e->arena.data : "";
	r.kind = r.arena;
	r.kind_len = e->kind_len;
	r.file = e->file;
	r.line = e->rline;
	r.column = e->rcol;
	r.offset = e->roff;
	r.seq = e->seq++;
	r.ern_version = e->version;
	r.root = e->doc.data;
	r.namespace_uri = e->ns;
	r.schema_version = e->doc.data + e->schema_off;
	r.values = e->vals;
	r.nvalues = e->nvals;
	r.duration_seconds = -1;

	size_t dlen;
	const char *dur = dm_record_get(&r, DM_F_DURATION, &dlen);
	if (dur && dm_parse_iso_duration(dur, dlen, &r.duration_seconds) != 0) {
		struct dm_error rec_err;
		dm_error_clear(&rec_err);
		dm_error_at(&rec_err, e->file, e->rline, e->rcol, e->roff);
		char quoted[65], kind[65];
		quote_text(quoted, sizeof quoted, dur, dlen);
		quote_text(kind, sizeof kind, r.kind, r.kind_len);
		dm_error_set(&rec_err, DM_ERECORD, "%s: duration '%s' is not ISO 8601 (e.g. PT3M20S)",
		             kind, quoted);
		if (!e->cfg->continue_on_error) {
			if (err)
				*err = rec_err;
			return DM_ERECORD;
		}
		e->counts.skipped++;
		if (e->cons->record_error)
			e->cons->record_error(e->ctx, &rec_err);
		if (e->counts.skipped > e->cfg->max_errors) {
			if (err)
				*err = rec_err;
			return dm_error_set(err, DM_ERECORD, "too many invalid records (%llu, max_errors %llu)",
			                    (unsigned long long)e->counts.skipped,
			                    (unsigned long long)e->cfg->max_errors);
		}
		return 0;
	}
	e->counts.records[e->rtype]++;
	return e->cons->record ? e->cons->record(e->ctx, &r) : 0;
}

int dm_ern_end(struct dm_ern *e, struct dm_error *err)
{
	int rc = 0;
	if (e->in_rec) {
		if (e->skip_depth == e->depth)
			e->skip_depth = 0;
		if (e->ncaps && e->caps[e->ncaps - 1].depth == e->depth)
			end_capture(e);
		for (unsigned open = e->gopen; open; open &= open - 1) {
			unsigned g = (unsigned)__builtin_ctz(open);
			if (e->gdepth[g] == e->depth) {
				e->gcur[g] = G_CLOSED;
				e->gopen &= ~(1u << g);
			}
		}
		if (e->depth == e->rec_depth) {
			rc = finish_record(e, err);
			clear_record(e);
		}
	}
	e->depth--;
	return rc;
}

void dm_ern_set_pos(struct dm_ern *e, uint64_t line, uint64_t col, uint64_t offset)
{
	e->rline = line;
	e->rcol = col;
	e->roff = offset;
}

int dm_ern_between_records(const struct dm_ern *e, const char *list)
{
	unsigned id = lookup(list, strlen(list));
	return id && e->depth == 2 && !e->in_rec && e->stack[2] == id;
}

int dm_ern_saw_root(const struct dm_ern *e) { return e->saw_root; }
const char *dm_ern_version(const struct dm_ern *e) { return e->version; }

void dm_ern_counts(const struct dm_ern *e, struct dm_ern_counts *out)
{
	*out = e->counts;
}

uint64_t dm_ern_shrink(struct dm_ern *e, size_t keep)
{
	uint64_t before = e->arena.cap + e->vcap * sizeof *e->vals;
	dm_buf_shrink(&e->arena, e->arena.len > keep ? e->arena.len : keep);
	size_t vkeep = keep / sizeof *e->vals;
	if (vkeep < e->nvals)
		vkeep = e->nvals;
	if (e->vcap > vkeep && vkeep > 0) {
		struct dm_value *v = dm_acct_realloc(e->acct, DM_TAG_RECORDS, e->vals, vkeep * sizeof *v);
		if (v) {
			e->vals = v;
			e->vcap = vkeep;
		}
	}
	uint64_t after = e->arena.cap + e->vcap * sizeof *e->vals;
	return before > after ? before - after : 0;
}

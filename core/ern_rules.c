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
	struct ern_rule *r = &T.rules[T.nrules];
	r->mask = mask;
	r->action = action;
	r->arg = arg;
	r->attr = attr;
	r->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		r->ids[i] = strcmp(parts[i], "^") == 0 ? ID_RECROOT
		                                        : (uint16_t)intern(parts[i], strlen(parts[i]));
	r->parent = n >= 2 ? r->ids[n - 2] : 0;
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

static void build_tables(void)
{
	for (int f = 0; f < DM_F_COUNT; f++) {
		T.field_group[f] = (uint8_t)dm_field_group((enum dm_field)f);
		T.field_multi[f] = (uint8_t)dm_field_multi((enum dm_field)f);
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
}

const struct ern_tables *dm_ern_rules(void)
{
	pthread_once(&tables_once, build_tables);
	return &T;
}

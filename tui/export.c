/* e: the report of the recording so far, next to it. */
#include "config.h"
#include "export.h"

#include <locale.h>

#include "acct.h"
#include "buf.h"
#include "dash.h"
#include "outfile.h"
#include "report.h"

int dm_tui_export_report(struct dm_tui_dash *d, const char *path)
{
	char out[DM_OUT_PATH_MAX];
	if (dm_report_out_name(path, ".html", out, sizeof out) != 0) {
		dm_tui_model_log(d->m, DM_TUI_ERROR, "export: %s: name too long for its report (e)", path);
		return -1;
	}
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_report *rep = acct ? dm_report_new(acct, &err) : NULL;
	int rc = rep ? dm_report_read(rep, path, NULL, NULL, &err) : DM_ENOMEM;
	if (rc == 0) {
		struct dm_buf b;
		dm_buf_init(&b, acct, DM_TAG_OUTPUT);
		/* numbers in the page are written with '.', whatever the locale */
		setlocale(LC_NUMERIC, "C");
		rc = dm_report_render(rep, DM_REPORT_HTML, path, &b);
		if (rc == 0)
			rc = dm_write_atomic(out, b.data, b.len, &err);
		else
			dm_error_set(&err, rc, "%s: out of memory drawing the report", out);
		dm_buf_fini(&b);
	} else if (rc == DM_ENOMEM && !err.msg[0]) {
		dm_error_set(&err, rc, "out of memory");
	}
	if (rc == 0)
		dm_tui_model_log(d->m, DM_TUI_INFO, "report of %s written to %s (e)", path, out);
	else
		dm_tui_model_log(d->m, DM_TUI_ERROR, "export: %s (e)", err.msg);
	dm_report_free(rep);
	dm_acct_free(acct);
	return rc == 0 ? 0 : -1;
}

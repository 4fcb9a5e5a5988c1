/* The accounting allocator's side for expat, private to core/: only the
 * parser (and the allocator's own tests) drive expat, so <expat.h> stays
 * out of acct.h and of every header the dashboard includes. */
#ifndef DM_ACCT_INT_H
#define DM_ACCT_INT_H

#include <expat.h>
#include "acct.h"

/* expat's memory suite has no user pointer, so expat's mallocs are charged
 * to the accountant bound to the calling thread. The parser binds its
 * accountant around every expat call; realloc and free find their block's
 * accountant from the header and need no binding. */
const XML_Memory_Handling_Suite *dm_acct_expat_suite(void);
struct dm_acct *dm_acct_bind(struct dm_acct *a); /* returns the previous one */

#endif

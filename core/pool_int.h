/* The pools' side for expat, private to core/ as acct_int.h is: the
 * memory suite that takes expat's input buffers from the pool bound with
 * dm_pool_bind_expat (pool.h), and charges everything else as
 * dm_acct_expat_suite does. The parser hands it to XML_ParserCreate_MM and
 * binds its accountant around expat calls as before. */
#ifndef DM_POOL_INT_H
#define DM_POOL_INT_H

#include <expat.h>
#include "pool.h"

const XML_Memory_Handling_Suite *dm_pool_expat_suite(void);

#endif

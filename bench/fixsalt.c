/* fixsalt: LD_PRELOAD shim that makes expat's hash salt the same on every
 * run, so that instruction counts under callgrind repeat exactly.
 *
 * expat salts its hash tables from arc4random_buf (or getrandom) for every
 * parser; the salt decides how often lookups collide, which moves a 20 MB
 * parse by a few million instructions from run to run. Only for
 * measurements (bench/bench-ir.sh): never for real use.
 *
 *   cc -O2 -shared -fPIC bench/fixsalt.c -o fixsalt.so */
#include <string.h>
#include <sys/types.h>

void arc4random_buf(void *buf, size_t n);
unsigned arc4random(void);
ssize_t getrandom(void *buf, size_t n, unsigned flags);

void arc4random_buf(void *buf, size_t n)
{
	memset(buf, 0x5a, n);
}

unsigned arc4random(void)
{
	return 0x5a5a5a5au;
}

ssize_t getrandom(void *buf, size_t n, unsigned flags)
{
	(void)flags;
	memset(buf, 0x5a, n);
	return (ssize_t)n;
}

/* Monotonic and wall clocks, and monotonic condition-variable sleeps. */
#include "config.h"
#include "clock.h"

#include <time.h>

double dm_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t dm_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dm_cond_init_mono(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int rc = pthread_condattr_init(&a);
	if (rc)
		return rc;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!rc)
		rc = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return rc;
}

int dm_cond_wait_s(pthread_cond_t *cv, pthread_mutex_t *mu, double secs)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (secs < 0)
		secs = 0;
	time_t whole = (time_t)secs;
	long ns = ts.tv_nsec + (long)((secs - (double)whole) * 1e9);
	ts.tv_sec += whole + ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	return pthread_cond_timedwait(cv, mu, &ts);
}

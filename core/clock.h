/* The program's clocks: one monotonic clock for every interval, timeout
 * and session time, the wall clock only for timestamps people read, and
 * condition variables that sleep on the monotonic clock (a wall-clock
 * jump must not change a sampling period). Any thread. */
#ifndef DM_CLOCK_H
#define DM_CLOCK_H

#include <pthread.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in seconds. */
double dm_mono_s(void);
/* CLOCK_REALTIME in ms since the epoch. */
int64_t dm_wall_ms(void);

/* pthread_cond_init with CLOCK_MONOTONIC. 0 or an errno. */
int dm_cond_init_mono(pthread_cond_t *cv);
/* Wait on a condition from dm_cond_init_mono for at most secs (mu held).
 * Returns like pthread_cond_timedwait (0 or ETIMEDOUT). */
int dm_cond_wait_s(pthread_cond_t *cv, pthread_mutex_t *mu, double secs);

#endif

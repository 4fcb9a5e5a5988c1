/* The dashboard's event queue: events come out oldest first and copied
 * (no pointer into the caller's memory survives the push), the ring wraps
 * without losing or reordering anything, a full ring refuses progress,
 * samples and record errors before anything else and counts every refusal
 * exactly once, and producers on several threads against a draining UI
 * thread lose nothing they were not told about. */
#include "config.h"
#include "queue.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* The events are built here only, so a change to struct dm_event touches
 * these helpers and not the tests. */
static void ev_plain(struct dm_event *ev, enum dm_event_type type, double t)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->t = t;
}

static int push(struct dm_tui_queue *q, enum dm_event_type type, double t)
{
	struct dm_event ev;
	ev_plain(&ev, type, t);
	return dm_tui_queue_push(q, &ev);
}

static size_t drain_all(struct dm_tui_queue *q, struct dm_tui_event *out, size_t max)
{
	size_t n = 0, k;
	while (n < max && (k = dm_tui_queue_drain(q, out + n, max - n)) > 0)
		n += k;
	return n;
}

Test(queue, oldest_first_and_everything_copied)
{
	struct dm_tui_queue *q = dm_tui_queue_new(16);
	cr_assert_not_null(q);
	char path[64] = "/data/in/batch-07.xml";
	char msg[64] = "line 3: unclosed token";
	struct dm_file_info fi;
	memset(&fi, 0, sizeof fi);
	fi.index = 7;
	fi.path = path;
	fi.bytes = 4096;
	fi.state = DM_FILE_FAILED;
	fi.error = msg;
	struct dm_event ev;
	ev_plain(&ev, DM_EV_FILE_DONE, 1.5);
	ev.u.file.file = &fi;
	cr_assert_eq(dm_tui_queue_push(q, &ev), 0);
	char key[16] = "chunk_size", value[16] = "128K";
	ev_plain(&ev, DM_EV_SETTING, 2.0);
	ev.u.setting.key = key;
	ev.u.setting.value = value;
	cr_assert_eq(dm_tui_queue_push(q, &ev), 0);
	cr_assert_eq(push(q, DM_EV_SUMMARY, 3.0), 0);

	/* the caller's memory is gone or reused once push returned */
	memset(path, 'x', sizeof path - 1);
	memset(msg, 'y', sizeof msg - 1);
	memset(key, 'z', sizeof key - 1);
	memset(value, 'w', sizeof value - 1);

	struct dm_tui_event out[8];
	cr_assert_eq(dm_tui_queue_drain(q, out, 8), 3);
	cr_assert_eq(out[0].type, DM_EV_FILE_DONE);
	cr_assert_eq(out[0].t, 1.5);
	cr_assert(out[0].has_file);
	cr_assert_eq(out[0].file.index, 7);
	cr_assert_eq(out[0].file.bytes, 4096);
	cr_assert_null(out[0].file.path, "no pointer into the caller's memory");
	cr_assert_null(out[0].file.error);
	cr_assert_str_eq(out[0].name, "batch-07.xml");
	cr_assert_str_eq(out[0].text, "line 3: unclosed token");
	cr_assert_eq(out[1].type, DM_EV_SETTING);
	cr_assert_str_eq(out[1].text, "chunk_size");
	cr_assert_str_eq(out[1].text2, "128K");
	cr_assert_eq(out[2].type, DM_EV_SUMMARY);
	cr_assert_eq(dm_tui_queue_drain(q, out, 8), 0, "drained means empty");
	cr_assert_eq(dm_tui_queue_dropped(q), 0);
	dm_tui_queue_free(q);
}

Test(queue, long_strings_are_cut_and_terminated)
{
	struct dm_tui_queue *q = dm_tui_queue_new(4);
	char path[DM_TUI_NAME_MAX * 3], msg[DM_TUI_TEXT_MAX * 2];
	memset(path, 'p', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	memset(msg, 'm', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	struct dm_file_info fi;
	memset(&fi, 0, sizeof fi);
	fi.path = path;
	fi.error = msg;
	struct dm_event ev;
	ev_plain(&ev, DM_EV_FILE_DONE, 0);
	ev.u.file.file = &fi;
	cr_assert_eq(dm_tui_queue_push(q, &ev), 0);
	struct dm_tui_event out;
	cr_assert_eq(dm_tui_queue_drain(q, &out, 1), 1);
	cr_assert_eq(strlen(out.name), DM_TUI_NAME_MAX - 1);
	cr_assert_eq(strlen(out.text), DM_TUI_TEXT_MAX - 1);
	dm_tui_queue_free(q);
}

Test(queue, drain_takes_at_most_max_and_keeps_the_rest_in_order)
{
	struct dm_tui_queue *q = dm_tui_queue_new(16);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(push(q, DM_EV_NOTE, i), 0);
	struct dm_tui_event out[16];
	cr_assert_eq(dm_tui_queue_drain(q, out, 3), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(out[i].t, i);
	cr_assert_eq(dm_tui_queue_drain(q, out, 0), 0);
	cr_assert_eq(dm_tui_queue_drain(q, out, 16), 7);
	for (int i = 0; i < 7; i++)
		cr_assert_eq(out[i].t, i + 3);
	dm_tui_queue_free(q);
}

/* Pushes and drains of uneven sizes so head and tail pass the end of the
 * ring at every offset. */
Test(queue, wraps_around_without_loss_or_reordering)
{
	const size_t cap = 7;
	struct dm_tui_queue *q = dm_tui_queue_new(cap);
	struct dm_tui_event out[16];
	int next_in = 0, next_out = 0;
	for (int round = 0; round < 200; round++) {
		int npush = 1 + round % (int)cap;
		for (int i = 0; i < npush && next_in - next_out < (int)cap; i++)
			cr_assert_eq(push(q, DM_EV_FILE_DONE, next_in++), 0, "round %d: refused with room",
			             round);
		size_t n = dm_tui_queue_drain(q, out, 1 + (size_t)round % 5);
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(out[i].t, next_out++, "round %d: out of order", round);
	}
	size_t n = drain_all(q, out, 16);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(out[i].t, next_out++);
	cr_assert_eq(next_out, next_in, "everything accepted came out");
	cr_assert_gt(next_in, 400, "the ring wrapped many times");
	cr_assert_eq(dm_tui_queue_dropped(q), (uint64_t)0, "refusals counted, but there were none");
	dm_tui_queue_free(q);
}

/* A full ring keeps the last quarter for events that are news on their
 * own (file done, settings, leaks, the summary): progress, samples and
 * record errors stop at three quarters, since the next one repeats them. */
Test(queue, full_ring_refuses_supersedable_events_first)
{
	const size_t cap = 8;
	struct dm_tui_queue *q = dm_tui_queue_new(cap);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(push(q, DM_EV_SAMPLE, i), 0, "sample %d of 6 fits", i);
	cr_assert_eq(push(q, DM_EV_SAMPLE, 6), -1, "no sample past three quarters");
	cr_assert_eq(push(q, DM_EV_PROGRESS, 6), -1);
	cr_assert_eq(push(q, DM_EV_ERROR, 6), -1);
	cr_assert_eq(push(q, DM_EV_FILE_DONE, 10), 0, "news still fits");
	cr_assert_eq(push(q, DM_EV_LEAK_CONFIRMED, 11), 0);
	cr_assert_eq(push(q, DM_EV_SUMMARY, 12), -1, "a full ring refuses everything");
	cr_assert_eq(dm_tui_queue_dropped(q), 4, "each refusal counted once");
	cr_assert_eq(dm_tui_queue_dropped(q), 0, "reading the count resets it");

	/* what was accepted is intact, the refused are not there */
	struct dm_tui_event out[16];
	cr_assert_eq(drain_all(q, out, 16), 8);
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(out[i].type, DM_EV_SAMPLE);
		cr_assert_eq(out[i].t, i);
	}
	cr_assert_eq(out[6].type, DM_EV_FILE_DONE);
	cr_assert_eq(out[7].type, DM_EV_LEAK_CONFIRMED);

	/* room again once drained */
	cr_assert_eq(push(q, DM_EV_SAMPLE, 20), 0);
	cr_assert_eq(dm_tui_queue_dropped(q), 0);
	dm_tui_queue_free(q);
}

Test(queue, every_kind_but_the_supersedable_fills_the_whole_ring)
{
	for (int type = 0; type < DM_EV_COUNT; type++) {
		struct dm_tui_queue *q = dm_tui_queue_new(8);
		int accepted = 0;
		while (accepted < 100 && push(q, type, accepted) == 0)
			accepted++;
		int supersedable = type == DM_EV_PROGRESS || type == DM_EV_SAMPLE ||
		                   type == DM_EV_ERROR;
		cr_assert_eq(accepted, supersedable ? 6 : 8, "%s: %d accepted",
		             dm_event_name(type), accepted);
		cr_assert_eq(dm_tui_queue_dropped(q), 1);
		dm_tui_queue_free(q);
	}
}

Test(queue, tiny_capacities_still_hold_events)
{
	struct dm_tui_queue *q = dm_tui_queue_new(0);
	cr_assert_not_null(q);
	cr_assert_eq(push(q, DM_EV_SAMPLE, 0), 0, "a zero-sized ring would drop all");
	cr_assert_eq(push(q, DM_EV_FILE_DONE, 1), 0);
	struct dm_tui_event out[4];
	cr_assert_eq(dm_tui_queue_drain(q, out, 4), 2);
	dm_tui_queue_free(q);
	dm_tui_queue_free(NULL);
}

/* Producers on four threads (as workers and the sampler are) against a
 * consumer draining as the UI does. Every event is tagged with its
 * producer and sequence number: each producer's events must come out in
 * its order, and accepted + refused = pushed, refused = what
 * dm_tui_queue_dropped reported. */
#define PRODUCERS 4
#define PER_PRODUCER 20000

static atomic_int producers_done;

struct producer {
	struct dm_tui_queue *q;
	int id;
	long accepted, refused;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct dm_file_info fi;
	memset(&fi, 0, sizeof fi);
	fi.index = p->id;
	fi.path = "producer";
	for (int i = 0; i < PER_PRODUCER; i++) {
		struct dm_event ev;
		/* mostly progress, some news: both limits are hit */
		ev_plain(&ev, i % 5 ? DM_EV_PROGRESS : DM_EV_FILE_DONE, i);
		fi.bytes = (uint64_t)i;
		ev.u.file.file = &fi;
		if (dm_tui_queue_push(p->q, &ev) == 0)
			p->accepted++;
		else
			p->refused++;
	}
	atomic_fetch_add(&producers_done, 1);
	return NULL;
}

Test(queue, concurrent_producers_lose_nothing_unreported)
{
	struct dm_tui_queue *q = dm_tui_queue_new(64);
	struct producer prod[PRODUCERS];
	pthread_t th[PRODUCERS];
	for (int i = 0; i < PRODUCERS; i++) {
		prod[i] = (struct producer){q, i, 0, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, produce, &prod[i]), 0);
	}
	long last[PRODUCERS], received[PRODUCERS] = {0};
	for (int i = 0; i < PRODUCERS; i++)
		last[i] = -1;
	uint64_t reported = 0;
	static struct dm_tui_event out[32];
	int finished;
	do {
		/* read the producers' state before draining: once they are all
		 * done, draining to empty sees everything they pushed */
		finished = atomic_load(&producers_done) == PRODUCERS;
		size_t n;
		while ((n = dm_tui_queue_drain(q, out, 32)) > 0) {
			for (size_t k = 0; k < n; k++) {
				int id = out[k].file.index;
				cr_assert(id >= 0 && id < PRODUCERS);
				cr_assert_gt((long)out[k].t, last[id], "producer %d out of order", id);
				cr_assert_eq(out[k].file.bytes, (uint64_t)out[k].t, "torn copy");
				last[id] = (long)out[k].t;
				received[id]++;
			}
			if (!finished)
				break;
		}
		reported += dm_tui_queue_dropped(q);
	} while (!finished);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	long refused = 0;
	for (int i = 0; i < PRODUCERS; i++) {
		cr_assert_eq(received[i], prod[i].accepted, "producer %d: %ld accepted, %ld out", i,
		             prod[i].accepted, received[i]);
		cr_assert_eq(prod[i].accepted + prod[i].refused, PER_PRODUCER);
		refused += prod[i].refused;
	}
	cr_assert_eq(reported, (uint64_t)refused, "dropped reported %llu, refused %ld",
	             (unsigned long long)reported, refused);
	dm_tui_queue_free(q);
}

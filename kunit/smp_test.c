// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_smp: the allocator with every online CPU in it at once.
 *
 * Each case binds one kthread to each online CPU (kthread_bind()) while
 * the test's own thread reads debugfs or drops caches.  The workers note
 * every CPU they run on; each case asserts that this is exactly the online
 * set and logs it ("ran on CPUs 0-1, online 0-1"), so the x86_64 tier's
 * log shows both CPUs at work.  In UML (one CPU) the same cases run on
 * CPU 0 and exercise preemption instead.
 *
 *   storms            each CPU allocates, fills, checks and frees blocks
 *                     of random sizes 1..1024, small and large
 *   debugfs           the same storms while the test thread reads
 *                     classes, arenas and summary; every snapshot must be
 *                     consistent in itself
 *   cross-CPU frees   the worker on CPU n hands its blocks to the worker
 *                     on the next CPU, which checks and frees them: in
 *                     bulk (parcels of 63 blocks) and one by one
 *   arena drain       CPU 0 fills whole arenas of the 512-byte class and
 *                     frees them all, so that they go empty and are cached
 *                     or given back, while the others allocate and free
 *                     in the same class
 *   shrinker          every CPU does that drain while the test thread
 *                     runs the shrinkers (drop_caches) in a loop
 *
 * Every block carries a header (its size, the CPU that allocated it and a
 * seed) and a pattern, checked before it is freed.  Afterwards every
 * counter of pymm is back where it started.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "pymm_test.h"

#define SMP_SLOTS	256
#define SMP_MAX_SIZE	1024		/* beyond PYMM_SMALL_MAX: large too */
#define SMP_MAILBOX	64
#define SMP_PARCEL	63		/* blocks per bulk parcel */
#define SMP_DRAIN_CLS	(PYMM_NR_CLASSES - 1)

struct smp_run;

/* Block header, at the start of every block of a worker. */
struct smp_hdr {
	u16 size;
	u8 cpu;
	u8 seed;
};

struct smp_worker {
	struct smp_run *run;
	struct completion done;
	unsigned int cpu;
	struct rnd_state rnd;
	unsigned long ops;
	unsigned long bad;		/* blocks that lost their contents */
	unsigned long nomem;
	unsigned long wrong_cpu;	/* ran off the CPU it is bound to */
	unsigned long cross;		/* freed blocks allocated elsewhere */
	unsigned long handed;		/* blocks given to the next worker */
	unsigned long received;
	unsigned long drains;		/* arena drain rounds */
	/* pymm blocks (not large ones) this worker allocated and freed */
	unsigned long small_allocs, small_frees;
	void *slot[SMP_SLOTS];
	/* cross-CPU frees: filled by the previous worker, emptied by us */
	void *mailbox[SMP_MAILBOX];
};

struct smp_run {
	struct kunit *test;
	void (*body)(struct smp_worker *w);
	unsigned int nr;		/* workers: one per online CPU */
	struct smp_worker *w;
	unsigned long ops;		/* per worker, for the bodies that count */
	unsigned int min_size, max_size;
	bool bulk;
	bool drained;			/* the drainer is done */
	atomic_t running;
	struct cpumask seen;
};

static void smp_note_cpu(struct smp_worker *w)
{
	unsigned int cpu = raw_smp_processor_id();

	if (cpu != w->cpu)
		w->wrong_cpu++;
	cpumask_set_cpu(cpu, &w->run->seen);
}

static struct smp_worker *smp_next(struct smp_worker *w)
{
	struct smp_run *run = w->run;

	return &run->w[(w - run->w + 1) % run->nr];
}

static size_t smp_rand_size(struct smp_worker *w)
{
	struct smp_run *run = w->run;
	u32 span = run->max_size - run->min_size + 1;

	return run->min_size + prandom_u32_state(&w->rnd) % span;
}

/* Allocate a block of at least 4 bytes with a header and a pattern. */
static void *smp_alloc(struct smp_worker *w, size_t size)
{
	u32 r = prandom_u32_state(&w->rnd);
	struct smp_hdr *h;

	size = max_t(size_t, size, sizeof(*h));
	/* One in eight as if from atomic context. */
	h = pymm_malloc(size, r & 7 ? GFP_KERNEL : GFP_ATOMIC);
	if (!h) {
		w->nomem++;
		return NULL;
	}
	if (size <= PYMM_SMALL_MAX)
		w->small_allocs++;
	h->size = size;
	h->cpu = raw_smp_processor_id();
	h->seed = r >> 8;
	pt_fill_pattern(h + 1, size - sizeof(*h), h->seed);
	return h;
}

/* Check a block's header and pattern, then free it. */
static void smp_check_free(struct smp_worker *w, void *p)
{
	struct smp_hdr *h = p;

	if (!p)
		return;
	if (h->size < sizeof(*h) || h->size > SMP_MAX_SIZE ||
	    pt_check_pattern(h + 1, h->size - sizeof(*h), h->seed) >= 0)
		w->bad++;
	if (h->cpu != raw_smp_processor_id())
		w->cross++;
	if (h->size <= PYMM_SMALL_MAX)
		w->small_frees++;
	pymm_free(p);
}

/* One step of a storm: free a random slot's block, or fill it. */
static void smp_storm_step(struct smp_worker *w)
{
	unsigned int i = prandom_u32_state(&w->rnd) % SMP_SLOTS;

	if (w->slot[i]) {
		smp_check_free(w, w->slot[i]);
		w->slot[i] = NULL;
	} else {
		w->slot[i] = smp_alloc(w, smp_rand_size(w));
	}
	if (!(++w->ops % 64)) {
		smp_note_cpu(w);
		cond_resched();
	}
}

static void smp_free_slots(struct smp_worker *w)
{
	unsigned int i;

	for (i = 0; i < SMP_SLOTS; i++) {
		smp_check_free(w, w->slot[i]);
		w->slot[i] = NULL;
	}
}

static void smp_storm(struct smp_worker *w)
{
	while (w->ops < w->run->ops)
		smp_storm_step(w);
	smp_free_slots(w);
}

static int smp_thread(void *arg)
{
	struct smp_worker *w = arg;

	smp_note_cpu(w);
	w->run->body(w);
	smp_note_cpu(w);
	atomic_dec(&w->run->running);
	kthread_complete_and_exit(&w->done, 0);
}

static struct smp_run *smp_run_new(struct kunit *test,
				   void (*body)(struct smp_worker *w),
				   unsigned long ops)
{
	struct smp_run *run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	u64 seed = get_random_u64();
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, run);
	run->test = test;
	run->body = body;
	run->ops = ops;
	run->min_size = 1;
	run->max_size = SMP_MAX_SIZE;
	run->nr = num_online_cpus();
	run->w = kunit_kcalloc(test, run->nr, sizeof(*run->w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run->w);
	for (i = 0; i < run->nr; i++) {
		run->w[i].run = run;
		init_completion(&run->w[i].done);
		prandom_seed_state(&run->w[i].rnd, seed + i);
	}
	kunit_info(test, "seed %llx, %u workers\n", seed, run->nr);
	return run;
}

/* Create one worker per online CPU, bound to it, and start them all. */
static void smp_start(struct kunit *test, struct smp_run *run)
{
	struct task_struct **tsk;
	unsigned int i = 0, cpu;

	tsk = kunit_kcalloc(test, run->nr, sizeof(*tsk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tsk);
	atomic_set(&run->running, run->nr);
	for_each_online_cpu(cpu) {
		if (i == run->nr)
			break;
		run->w[i].cpu = cpu;
		tsk[i] = kthread_create(smp_thread, &run->w[i], "pymm-smp/%u",
					cpu);
		if (IS_ERR(tsk[i])) {
			/* Those created run their course, then we give up. */
			while (i--) {
				wake_up_process(tsk[i]);
				wait_for_completion(&run->w[i].done);
			}
			KUNIT_FAIL_AND_ABORT(test, "kthread_create failed");
		}
		kthread_bind(tsk[i], cpu);
		i++;
	}
	KUNIT_ASSERT_EQ(test, i, run->nr);
	for (i = 0; i < run->nr; i++)
		wake_up_process(tsk[i]);
}

static void smp_wait(struct smp_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr; i++)
		wait_for_completion(&run->w[i].done);
}

/* What every case asserts once its workers are done. */
static void smp_expect_clean(struct kunit *test, struct smp_run *run)
{
	unsigned long ops = 0;
	unsigned int i;

	for (i = 0; i < run->nr; i++) {
		struct smp_worker *w = &run->w[i];

		kunit_info(test, "cpu %u: %lu ops, %lu freed from another CPU, %lu handed on, %lu drains\n",
			   w->cpu, w->ops, w->cross, w->handed, w->drains);
		KUNIT_EXPECT_EQ_MSG(test, w->bad, 0, "cpu %u", w->cpu);
		KUNIT_EXPECT_EQ_MSG(test, w->nomem, 0, "cpu %u", w->cpu);
		KUNIT_EXPECT_EQ_MSG(test, w->wrong_cpu, 0, "cpu %u", w->cpu);
		ops += w->ops;
	}
	kunit_info(test, "ran on CPUs %*pbl, online %*pbl, %lu ops\n",
		   cpumask_pr_args(&run->seen), cpumask_pr_args(cpu_online_mask),
		   ops);
	KUNIT_EXPECT_TRUE(test, cpumask_equal(&run->seen, cpu_online_mask));
	KUNIT_EXPECT_GT(test, ops, 0);
}

static void storms_on_every_cpu_keep_contents(struct kunit *test)
{
	struct smp_run *run = smp_run_new(test, smp_storm, 60000);
	struct pt_settled s0;

	pt_settle(test, &s0);
	smp_start(test, run);
	smp_wait(run);
	smp_expect_clean(test, run);
	pt_expect_settled(test, &s0);
}

/*
 * After a run: the classes file counted exactly the blocks the workers
 * allocated and freed (their own counts, not debugfs's sums).
 */
static void smp_expect_counted(struct kunit *test, const struct smp_run *run,
			       const struct pt_classes *c0)
{
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long allocs = 0, frees = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < run->nr; i++) {
		allocs += run->w[i].small_allocs;
		frees += run->w[i].small_frees;
	}
	KUNIT_EXPECT_EQ(test, allocs, frees);
	pt_read_classes(test, c);
	KUNIT_EXPECT_EQ(test, c->total.allocs - c0->total.allocs, allocs);
	KUNIT_EXPECT_EQ(test, c->total.frees - c0->total.frees, frees);
	KUNIT_EXPECT_EQ(test, c->total.inuse, c0->total.inuse);
	kunit_kfree(test, c);
}

/*
 * An arenas snapshot, copied under the arena lock: arenas with free pools,
 * sorted by free pools, except that the last of them may be the cached
 * (empty) one; then the full ones.
 */
static void smp_check_arenas(struct kunit *test, const struct pt_arenas *a)
{
	unsigned int i, k = 0;

	while (k < a->n && a->rows[k].free)
		k++;
	for (i = k; i < a->n; i++)
		KUNIT_EXPECT_EQ_MSG(test, a->rows[i].free, 0, "arena row %u", i);
	for (i = 0; i < a->n; i++)
		KUNIT_EXPECT_LE_MSG(test, a->rows[i].free, a->rows[i].pools,
				    "arena row %u", i);
	if (k && a->rows[k - 1].free == a->rows[k - 1].pools)
		k--;	/* possibly the cached one */
	for (i = 1; i < k; i++)
		KUNIT_EXPECT_LE_MSG(test, a->rows[i - 1].free, a->rows[i].free,
				    "arena rows %u, %u", i - 1, i);
}

static void debugfs_snapshots_stay_consistent_during_storms(struct kunit *test)
{
	struct smp_run *run = smp_run_new(test, smp_storm, 60000);
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct pt_classes *c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	struct pt_settled s0;
	struct tl_summary s;
	unsigned long reads = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	pt_settle(test, &s0);
	pt_read_classes(test, c0);
	smp_start(test, run);
	while (atomic_read(&run->running)) {
		/* The workers make no errors; the files parse at any time. */
		pt_read_summary(test, &s);
		for (i = TL_ERR_INVALID; i <= TL_ERR_CORRUPTION; i++)
			KUNIT_EXPECT_EQ(test, s.v[i], s0.s.v[i]);
		pt_read_classes(test, c);
		pt_read_arenas(test, a);
		smp_check_arenas(test, a);
		reads++;
	}
	smp_wait(run);
	kunit_info(test, "%lu snapshots of summary, classes and arenas\n",
		   reads);
	KUNIT_EXPECT_GT(test, reads, 0);
	smp_expect_clean(test, run);
	smp_expect_counted(test, run, c0);
	pt_expect_settled(test, &s0);
}

/*
 * Cross-CPU frees: put parcels into the next worker's mailbox (a parcel is
 * one block, or in bulk a block holding SMP_PARCEL of them), and empty our
 * own.  Runs until every parcel of every worker has been received.
 */
static void smp_receive(struct smp_worker *w)
{
	unsigned int i, j;
	void **parcel;

	for (i = 0; i < SMP_MAILBOX; i++) {
		parcel = xchg(&w->mailbox[i], NULL);
		if (!parcel)
			continue;
		if (w->run->bulk) {
			for (j = 0; j < SMP_PARCEL; j++)
				smp_check_free(w, parcel[j]);
			pymm_free(parcel);
		} else {
			smp_check_free(w, parcel);
		}
		w->received++;
	}
}

static void *smp_make_parcel(struct smp_worker *w)
{
	void **parcel;
	unsigned int j;

	if (!w->run->bulk)
		return smp_alloc(w, smp_rand_size(w));
	parcel = pymm_malloc(SMP_PARCEL * sizeof(*parcel), GFP_KERNEL);
	if (!parcel) {
		w->nomem++;
		return NULL;
	}
	for (j = 0; j < SMP_PARCEL; j++)
		parcel[j] = smp_alloc(w, smp_rand_size(w));
	return parcel;
}

static void smp_hand_over(struct smp_worker *w)
{
	struct smp_run *run = w->run;
	struct smp_worker *next = smp_next(w);
	unsigned long total = run->ops * run->nr;
	unsigned int i = 0;
	void *parcel = NULL;

	for (;;) {
		if (!parcel && w->handed < run->ops)
			parcel = smp_make_parcel(w);
		/* Only this worker fills next's mailbox. */
		if (parcel && !READ_ONCE(next->mailbox[i])) {
			/* Pairs with next's xchg(): contents before pointer. */
			smp_store_release(&next->mailbox[i], parcel);
			parcel = NULL;
			w->handed++;
		}
		i = (i + 1) % SMP_MAILBOX;
		smp_receive(w);
		if (!(++w->ops % 64)) {
			smp_note_cpu(w);
			cond_resched();
		}
		/* Everybody handed everything: leave once it is received. */
		if (w->handed == run->ops && !parcel) {
			unsigned long got = 0;
			unsigned int k;

			for (k = 0; k < run->nr; k++)
				got += READ_ONCE(run->w[k].received);
			if (got == total)
				break;
		}
	}
}

static void run_cross_cpu(struct kunit *test, bool bulk, unsigned long n)
{
	struct smp_run *run = smp_run_new(test, smp_hand_over, n);
	unsigned long blocks = 0, cross = 0;
	struct pt_settled s0;
	unsigned int i;

	run->bulk = bulk;
	run->min_size = sizeof(struct smp_hdr);
	pt_settle(test, &s0);
	smp_start(test, run);
	smp_wait(run);
	smp_expect_clean(test, run);
	for (i = 0; i < run->nr; i++) {
		KUNIT_EXPECT_EQ(test, run->w[i].handed, n);
		KUNIT_EXPECT_EQ(test, run->w[i].received, n);
		cross += run->w[i].cross;
		blocks += n * (bulk ? SMP_PARCEL : 1);
	}
	/* With two CPUs or more, each block was freed on another one. */
	KUNIT_EXPECT_EQ(test, cross, run->nr > 1 ? blocks : 0);
	pt_expect_settled(test, &s0);
}

static void blocks_freed_on_another_cpu_in_bulk(struct kunit *test)
{
	run_cross_cpu(test, true, 1000);
}

static void blocks_freed_on_another_cpu_one_by_one(struct kunit *test)
{
	run_cross_cpu(test, false, 40000);
}

/*
 * Arena drain: fill eight arenas' worth of the 512-byte class, then free it
 * all in random order.  Emptied arenas are cached or given back to the page
 * allocator.  Eight, because some arenas may stay: the other workers' live
 * blocks of the class (at most SMP_SLOTS, so four arenas' worth of pools at
 * worst), each CPU's current pool, and the cached arena.
 */
#define SMP_DRAIN_BLOCKS	(8 * PT_ARENA_POOLS * (PAGE_SIZE / 512))

static void smp_drain_round(struct smp_worker *w, void **blocks)
{
	unsigned int i, j, n = SMP_DRAIN_BLOCKS;

	for (i = 0; i < n; i++)
		blocks[i] = smp_alloc(w, 512 - (prandom_u32_state(&w->rnd) % 8));
	for (i = n; i > 0; i--) {
		j = prandom_u32_state(&w->rnd) % i;
		smp_check_free(w, blocks[j]);
		blocks[j] = blocks[i - 1];
		if (!(i % 64)) {
			smp_note_cpu(w);
			cond_resched();
		}
	}
	w->ops += 2 * n;
	w->drains++;
}

static void smp_drainer(struct smp_worker *w)
{
	void **blocks = kvmalloc_array(SMP_DRAIN_BLOCKS, sizeof(*blocks),
				       GFP_KERNEL);
	unsigned long round;

	if (blocks) {
		for (round = 0; round < w->run->ops; round++)
			smp_drain_round(w, blocks);
		kvfree(blocks);
	} else {
		w->nomem++;
	}
	WRITE_ONCE(w->run->drained, true);
}

/* Worker 0 drains arenas; the others storm in the same class meanwhile. */
static void smp_drain_or_storm(struct smp_worker *w)
{
	if (w == &w->run->w[0]) {
		smp_drainer(w);
		return;
	}
	while (!READ_ONCE(w->run->drained))
		smp_storm_step(w);
	smp_free_slots(w);
}

static void arena_emptied_on_one_cpu_while_others_allocate(struct kunit *test)
{
	struct smp_run *run = smp_run_new(test, smp_drain_or_storm, 20);
	struct pt_settled s0;
	struct tl_summary s1;

	run->min_size = pt_class_size(SMP_DRAIN_CLS - 1) + 1;
	run->max_size = pt_class_size(SMP_DRAIN_CLS);
	/* No arena is kept by a current pool of earlier cases' blocks. */
	pt_drop_slab(test);
	pt_settle(test, &s0);
	smp_start(test, run);
	smp_wait(run);
	smp_expect_clean(test, run);
	KUNIT_EXPECT_EQ(test, run->w[0].drains, run->ops);
	pt_read_summary(test, &s1);
	kunit_info(test, "arenas allocated %lld, freed %lld\n",
		   s1.v[TL_ARENAS_ALLOCATED] - s0.s.v[TL_ARENAS_ALLOCATED],
		   s1.v[TL_ARENAS_FREED] - s0.s.v[TL_ARENAS_FREED]);
	/* The drained arenas really went back to the page allocator. */
	KUNIT_EXPECT_GT(test, s1.v[TL_ARENAS_FREED], s0.s.v[TL_ARENAS_FREED]);
	pt_expect_settled(test, &s0);
}

static void shrinker_races_allocation(struct kunit *test)
{
	struct smp_run *run = smp_run_new(test, smp_drainer, 10);
	struct pt_settled s0;
	struct tl_summary s1;
	unsigned long shrinks = 0;

	pt_settle(test, &s0);
	smp_start(test, run);
	while (atomic_read(&run->running)) {
		pt_drop_slab(test);
		shrinks++;
		usleep_range(100, 200);
	}
	smp_wait(run);
	smp_expect_clean(test, run);
	kunit_info(test, "%lu shrinks during the drains\n", shrinks);
	KUNIT_EXPECT_GT(test, shrinks, 0);
	/* Nothing is in use any more: one more shrink leaves nothing cached. */
	pt_drop_slab(test);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_CACHED], 0);
	KUNIT_EXPECT_GT(test, s1.v[TL_ARENAS_FREED], s0.s.v[TL_ARENAS_FREED]);
	pt_expect_settled(test, &s0);
}

static struct kunit_case pymm_smp_cases[] = {
	KUNIT_CASE(storms_on_every_cpu_keep_contents),
	KUNIT_CASE(debugfs_snapshots_stay_consistent_during_storms),
	KUNIT_CASE(blocks_freed_on_another_cpu_in_bulk),
	KUNIT_CASE(blocks_freed_on_another_cpu_one_by_one),
	KUNIT_CASE(arena_emptied_on_one_cpu_while_others_allocate),
	KUNIT_CASE(shrinker_races_allocation),
	{}
};

static struct kunit_suite pymm_smp_suite = {
	.name = "pymm_smp",
	.test_cases = pymm_smp_cases,
};

kunit_test_suites(&pymm_smp_suite);

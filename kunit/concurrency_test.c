// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_context: GFP_ATOMIC allocations, frees, zallocs and reallocs from
 * hardirq (hrtimer callback), softirq (timer_list and tasklet) and with
 * interrupts off under a spinlock, small and large, including one that
 * needs a fresh pool.  Lockdep and atomic-sleep checking (in the kernel
 * the harness boots) must stay silent.
 *
 * pymm_concurrency: kthreads hammering alloc/free/realloc of random sizes
 * 1..1024 with a content check before every free; blocks handed between
 * threads through a shared array and freed by another thread; and the same
 * mixed with hardirq and softirq users.  The kthreads are bound round-robin
 * to the online CPUs (kthread_bind()), and each case asserts that every
 * one ran only where it was bound and that all those CPUs were used.  No
 * block may lose its contents, and every block and pool must come back.
 */
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include "pymm_test.h"

/* Context tests */

static const size_t ctx_sizes[] = { 8, 100, 296, 512, 513, 3000 };
#define CTX_N		ARRAY_SIZE(ctx_sizes)
#define CTX_FRESH	37	/* class drained first: needs a new pool */

struct ctx {
	struct hrtimer hrt;
	struct timer_list tl;
	struct tasklet_struct tasklet;
	struct completion done;
	void *given[CTX_N];	/* allocated in the test, freed in context */
	void *got[CTX_N];	/* allocated in context, checked in the test */
	void *fresh, *zeroed, *moved;
	unsigned int bad;	/* content errors seen in context */
	bool hardirq, softirq, irqs_off;
};

/* Runs in the context under test. */
static void ctx_work(struct ctx *c)
{
	unsigned int i;

	c->hardirq = in_hardirq();
	c->softirq = in_serving_softirq();
	c->irqs_off = irqs_disabled();
	for (i = 0; i < CTX_N; i++) {
		if (pt_check_pattern(c->given[i], ctx_sizes[i], i) >= 0)
			c->bad++;
		pymm_free(c->given[i]);
		c->given[i] = NULL;
		c->got[i] = pymm_malloc(ctx_sizes[i], GFP_ATOMIC);
		if (c->got[i])
			pt_fill_pattern(c->got[i], ctx_sizes[i], 50 + i);
	}
	c->fresh = pymm_malloc(pt_class_size(CTX_FRESH), GFP_ATOMIC);
	c->zeroed = pymm_zalloc(200, GFP_ATOMIC);
	c->moved = pymm_malloc(64, GFP_ATOMIC);
	if (c->moved) {
		pt_fill_pattern(c->moved, 64, 77);
		c->moved = pymm_realloc(c->moved, 1200, GFP_ATOMIC);
	}
	complete(&c->done);
}

static enum hrtimer_restart ctx_hrtimer(struct hrtimer *t)
{
	ctx_work(container_of(t, struct ctx, hrt));
	return HRTIMER_NORESTART;
}

static void ctx_timer(struct timer_list *t)
{
	struct ctx *c = from_timer(c, t, tl);

	ctx_work(c);
}

static void ctx_tasklet(struct tasklet_struct *t)
{
	struct ctx *c = from_tasklet(c, t, tasklet);

	ctx_work(c);
}

static struct ctx *ctx_prepare(struct kunit *test, struct pt_blocks *bag)
{
	struct ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_completion(&c->done);
	pt_drain_class(test, bag, CTX_FRESH);
	for (i = 0; i < CTX_N; i++) {
		c->given[i] = pymm_malloc(ctx_sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, c->given[i]);
		pt_fill_pattern(c->given[i], ctx_sizes[i], i);
	}
	return c;
}

/* Back in the test: check and free what the context allocated. */
static void ctx_check(struct kunit *test, struct ctx *c, struct pt_blocks *bag)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, c->bad, 0);
	for (i = 0; i < CTX_N; i++) {
		KUNIT_EXPECT_NULL(test, c->given[i]);
		pymm_free(c->given[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, c->got[i], "size %zu",
					  ctx_sizes[i]);
		if (!c->got[i])
			continue;
		KUNIT_EXPECT_EQ(test, pt_check_pattern(c->got[i], ctx_sizes[i],
						       50 + i), -1);
		KUNIT_EXPECT_GE(test, pymm_usable_size(c->got[i]), ctx_sizes[i]);
		pymm_free(c->got[i]);
	}
	KUNIT_EXPECT_NOT_NULL(test, c->fresh);
	if (c->fresh) {
		KUNIT_EXPECT_EQ(test, pt_offset(c->fresh), pt_first(test));
		pymm_free(c->fresh);
	}
	KUNIT_EXPECT_NOT_NULL(test, c->zeroed);
	if (c->zeroed) {
		KUNIT_EXPECT_NULL(test, memchr_inv(c->zeroed, 0, 200));
		pymm_free(c->zeroed);
	}
	KUNIT_EXPECT_NOT_NULL(test, c->moved);
	if (c->moved) {
		KUNIT_EXPECT_EQ(test, pt_check_pattern(c->moved, 64, 77), -1);
		KUNIT_EXPECT_EQ(test, pymm_usable_size(c->moved),
				kmalloc_size_roundup(1200));
		pymm_free(c->moved);
	}
	pt_blocks_free_all(bag);
}

static void gfp_atomic_works_in_hardirq(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_settled b0;
	struct ctx *c;

	pt_settle(test, &b0);
	c = ctx_prepare(test, bag);
	hrtimer_init(&c->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	c->hrt.function = ctx_hrtimer;
	hrtimer_start(&c->hrt, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 10 * HZ), 0UL);
	hrtimer_cancel(&c->hrt);
	/* PREEMPT_RT runs soft hrtimers in a thread: pymm is not for hardirq. */
	KUNIT_EXPECT_EQ(test, c->hardirq, !IS_ENABLED(CONFIG_PREEMPT_RT));
	ctx_check(test, c, bag);
	pt_expect_settled(test, &b0);
}

static void gfp_atomic_works_in_timer_softirq(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_settled b0;
	struct ctx *c;

	pt_settle(test, &b0);
	c = ctx_prepare(test, bag);
	timer_setup(&c->tl, ctx_timer, 0);
	mod_timer(&c->tl, jiffies + 1);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 10 * HZ), 0UL);
	timer_shutdown_sync(&c->tl);
	KUNIT_EXPECT_TRUE(test, c->softirq);
	KUNIT_EXPECT_FALSE(test, c->hardirq);
	ctx_check(test, c, bag);
	pt_expect_settled(test, &b0);
}

static void gfp_atomic_works_in_tasklet(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_settled b0;
	struct ctx *c;

	pt_settle(test, &b0);
	c = ctx_prepare(test, bag);
	tasklet_setup(&c->tasklet, ctx_tasklet);
	tasklet_schedule(&c->tasklet);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 10 * HZ), 0UL);
	tasklet_kill(&c->tasklet);
	KUNIT_EXPECT_TRUE(test, c->softirq);
	ctx_check(test, c, bag);
	pt_expect_settled(test, &b0);
}

static DEFINE_SPINLOCK(ctx_lock);

static void gfp_atomic_works_with_irqs_off_under_spinlock(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned long flags;
	struct pt_settled b0;
	struct ctx *c;

	pt_settle(test, &b0);
	c = ctx_prepare(test, bag);
	spin_lock_irqsave(&ctx_lock, flags);
	ctx_work(c);
	spin_unlock_irqrestore(&ctx_lock, flags);
	/* On PREEMPT_RT a spinlock_t leaves interrupts on. */
	KUNIT_EXPECT_EQ(test, c->irqs_off, !IS_ENABLED(CONFIG_PREEMPT_RT));
	ctx_check(test, c, bag);
	pt_expect_settled(test, &b0);
}

/*
 * On PREEMPT_RT pymm's locks sleep, so a call with preemption off is
 * reported by the entry point itself, even where no lock would be reached
 * (a NULL free), once per entry point and load.  !RT allows it: no report.
 * The harness counts the reports in the window (check-report.py), and
 * fails the tier on any outside one.
 */
static void preempt_off_calls_are_reported_on_rt_only(struct kunit *test)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		tl_expect_warn_begin("rt_context=1");
	preempt_disable();
	pymm_free(NULL);
	preempt_enable();
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		tl_expect_warn_end();
	/* Preemptible again: allowed everywhere, no report. */
	pymm_free(NULL);
}

static struct kunit_case pymm_context_cases[] = {
	KUNIT_CASE(gfp_atomic_works_in_hardirq),
	KUNIT_CASE(gfp_atomic_works_in_timer_softirq),
	KUNIT_CASE(gfp_atomic_works_in_tasklet),
	KUNIT_CASE(preempt_off_calls_are_reported_on_rt_only),
	KUNIT_CASE(gfp_atomic_works_with_irqs_off_under_spinlock),
	{}
};

static struct kunit_suite pymm_context_suite = {
	.name = "pymm_context",
	.init = pt_pin_cpu,
	.test_cases = pymm_context_cases,
};

/* Hammering */

#define SLOTS		64
#define SHARED		128
#define MAX_SIZE	1024
#define NR_THREADS	4

struct hammer;

/* One user of pymm: a kthread, the hrtimer or the tasklet. */
struct worker {
	struct hammer *h;
	struct completion done;
	unsigned int id;
	struct rnd_state rnd;
	void *slot[SLOTS];
	u16 size[SLOTS];
	u8 seed[SLOTS];
	unsigned long ops, bad, nomem, cross, first_bad_op;
	unsigned int cpu;		/* kthreads: the CPU it is bound to */
	unsigned long wrong_cpu;	/* steps run off that CPU */
	unsigned int bad_kinds;		/* BAD_* bits seen */
	size_t bad_size, bad_usable;	/* first usable size mismatch */
};

enum {
	BAD_CONTENT	= BIT(0),	/* own block changed before free */
	BAD_REALLOC	= BIT(1),	/* realloc lost contents */
	BAD_ZALLOC	= BIT(2),	/* zalloc not zeroed */
	BAD_USABLE	= BIT(3),	/* wrong usable size */
	BAD_SHARED	= BIT(4),	/* shared block changed */
	BAD_CONTEXT	= BIT(5),	/* callback not in the expected context */
};

struct hammer {
	void *shared[SHARED];
	struct worker w[NR_THREADS + 2];	/* + hardirq + softirq */
	struct hrtimer hrt;
	struct tasklet_struct tasklet;
	unsigned int ops;		/* per kthread */
	bool local, share, stop;
	struct cpumask bound;		/* CPUs the kthreads are bound to */
	struct cpumask seen;		/* CPUs the kthreads ran on */
};

#define IRQ_WORKER	NR_THREADS
#define SOFTIRQ_WORKER	(NR_THREADS + 1)

static void note_bad(struct worker *w, unsigned int kind)
{
	if (!w->bad++)
		w->first_bad_op = w->ops;
	w->bad_kinds |= kind;
}

/*
 * A fresh small block has exactly its class size; one that realloc kept in
 * place may be larger (a shrink by under a quarter does not move).
 */
static bool usable_ok(const void *p, size_t size, bool fresh)
{
	size_t usable = pymm_usable_size(p);

	if (size > PYMM_SMALL_MAX)
		return usable >= size;
	if (usable == round_up(size, PYMM_ALIGN))
		return true;
	return !fresh && usable >= size && 4 * size > 3 * usable;
}

/* Alloc, realloc or check-and-free one of the worker's own slots. */
static void local_op(struct worker *w, gfp_t gfp)
{
	u32 r = prandom_u32_state(&w->rnd);
	unsigned int i = r % SLOTS;
	size_t size = 1 + (r >> 8) % MAX_SIZE;
	u8 *p = w->slot[i];
	bool fresh = !p;

	if (p) {
		if (memchr_inv(p, w->seed[i], w->size[i]))
			note_bad(w, BAD_CONTENT);
		if ((r >> 28) == 0) {
			u8 *q = pymm_realloc(p, size, gfp);

			if (!q) {
				w->nomem++;
				return;
			}
			if (memchr_inv(q, w->seed[i], min_t(size_t, size, w->size[i])))
				note_bad(w, BAD_REALLOC);
			p = q;
		} else {
			pymm_free(p);
			w->slot[i] = NULL;
			return;
		}
	} else if ((r >> 29) == 0) {
		p = pymm_zalloc(size, gfp);
		if (p && memchr_inv(p, 0, size))
			note_bad(w, BAD_ZALLOC);
	} else {
		p = pymm_malloc(size, gfp);
	}
	if (!p) {
		w->nomem++;
		w->slot[i] = NULL;
		return;
	}
	if (!usable_ok(p, size, fresh)) {
		if (!(w->bad_kinds & BAD_USABLE)) {
			w->bad_size = size | (fresh ? 1UL << 31 : 0);
			w->bad_usable = pymm_usable_size(p);
		}
		note_bad(w, BAD_USABLE);
	}
	w->slot[i] = p;
	w->size[i] = size;
	w->seed[i] = r >> 20;
	memset(p, w->seed[i], size);
}

/*
 * Put a block into, or take one out of, the shared array; a block taken
 * out is checked and freed, often by another worker than its allocator.
 * Layout: u16 size, u8 owner, u8 seed, then size - 4 seed bytes.
 */
static void shared_op(struct worker *w, gfp_t gfp)
{
	struct hammer *h = w->h;
	u32 r = prandom_u32_state(&w->rnd);
	unsigned int j = r % SHARED;
	u8 *p = NULL, *old;

	if (r & BIT(31)) {
		size_t size = 4 + (r >> 8) % (MAX_SIZE - 3);

		p = pymm_malloc(size, gfp);
		if (!p) {
			w->nomem++;
			return;
		}
		*(u16 *)p = size;
		p[2] = w->id;
		p[3] = r >> 20;
		memset(p + 4, p[3], size - 4);
	}
	old = xchg(&h->shared[j], p);
	if (!old)
		return;
	if (*(u16 *)old < 4 || *(u16 *)old > MAX_SIZE ||
	    !usable_ok(old, *(u16 *)old, true) ||
	    memchr_inv(old + 4, old[3], *(u16 *)old - 4))
		note_bad(w, BAD_SHARED);
	if (old[2] != w->id)
		w->cross++;
	pymm_free(old);
}

static void worker_step(struct worker *w, gfp_t gfp)
{
	struct hammer *h = w->h;

	if (h->local)
		local_op(w, gfp);
	if (h->share)
		shared_op(w, gfp);
	w->ops++;
}

static void worker_drop_slots(struct worker *w)
{
	unsigned int i;

	for (i = 0; i < SLOTS; i++) {
		if (w->slot[i] && memchr_inv(w->slot[i], w->seed[i], w->size[i]))
			note_bad(w, BAD_CONTENT);
		pymm_free(w->slot[i]);
		w->slot[i] = NULL;
	}
}

static int hammer_thread(void *data)
{
	struct worker *w = data;
	unsigned int n;

	for (n = 0; n < w->h->ops; n++) {
		/* Mostly sleeping allocations, some atomic ones. */
		worker_step(w, n % 8 ? GFP_KERNEL : GFP_ATOMIC);
		if (n % 128 == 0) {
			unsigned int cpu = raw_smp_processor_id();

			if (cpu != w->cpu)
				w->wrong_cpu++;
			cpumask_set_cpu(cpu, &w->h->seen);
			cond_resched();
		}
	}
	worker_drop_slots(w);
	kthread_complete_and_exit(&w->done, 0);
}

static enum hrtimer_restart hammer_hrtimer(struct hrtimer *t)
{
	struct hammer *h = container_of(t, struct hammer, hrt);
	struct worker *w = &h->w[IRQ_WORKER];
	ktime_t t0 = ktime_get();
	unsigned int n;
	s64 took;

	if (READ_ONCE(h->stop))
		return HRTIMER_NORESTART;
	if (in_hardirq() || IS_ENABLED(CONFIG_PREEMPT_RT)) {
		for (n = 0; n < 4; n++)
			worker_step(w, GFP_ATOMIC);
	} else {
		note_bad(w, BAD_CONTEXT);
	}
	tasklet_schedule(&h->tasklet);
	/*
	 * Every 400 us, or 8 times as long as this took: under qemu's TCG
	 * with KASAN a step can take longer than the period, and the CPU
	 * would then run nothing but this timer and the tasklet, and starve
	 * the kthreads bound to it (and RCU).
	 */
	took = ktime_to_ns(ktime_sub(ktime_get(), t0));
	hrtimer_forward_now(t, ns_to_ktime(max_t(s64, 400 * NSEC_PER_USEC, 8 * took)));
	return HRTIMER_RESTART;
}

static void hammer_tasklet(struct tasklet_struct *t)
{
	struct hammer *h = from_tasklet(h, t, tasklet);
	struct worker *w = &h->w[SOFTIRQ_WORKER];
	unsigned int n;

	if (!in_serving_softirq())
		note_bad(w, BAD_CONTEXT);
	for (n = 0; n < 4; n++)
		worker_step(w, GFP_ATOMIC);
}

static void hammer_free(void *data)
{
	struct hammer *h = data;
	unsigned int j;

	for (j = 0; j < SHARED; j++)
		pymm_free(h->shared[j]);
	kfree(h);
}

/*
 * Run NR_THREADS kthreads of @ops steps each, plus the hardirq and softirq
 * workers if @irqs; check that no content was lost and all is freed.
 */
static void run_hammer(struct kunit *test, unsigned int ops, bool local,
		       bool share, bool irqs)
{
	struct task_struct *tsk[NR_THREADS];
	unsigned long bad = 0, cross = 0;
	struct pt_settled b0;
	struct hammer *h;
	unsigned int i, cpu = nr_cpu_ids;
	u64 seed = get_random_u64();

	kunit_info(test, "seed %llx\n", seed);
	pt_settle(test, &b0);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hammer_free, h), 0);
	h->ops = ops;
	h->local = local;
	h->share = share;
	for (i = 0; i < ARRAY_SIZE(h->w); i++) {
		h->w[i].h = h;
		h->w[i].id = i;
		init_completion(&h->w[i].done);
		prandom_seed_state(&h->w[i].rnd, seed + i);
	}
	for (i = 0; i < NR_THREADS; i++) {
		tsk[i] = kthread_create(hammer_thread, &h->w[i], "pymm-hammer/%u", i);
		if (IS_ERR(tsk[i])) {
			/* Threads already created must not be left waiting. */
			while (i--) {
				wake_up_process(tsk[i]);
				wait_for_completion(&h->w[i].done);
			}
			KUNIT_FAIL_AND_ABORT(test, "kthread_create failed");
		}
		/* Round-robin over the online CPUs. */
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		h->w[i].cpu = cpu;
		cpumask_set_cpu(cpu, &h->bound);
		kthread_bind(tsk[i], cpu);
	}
	if (irqs) {
		tasklet_setup(&h->tasklet, hammer_tasklet);
		hrtimer_init(&h->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		h->hrt.function = hammer_hrtimer;
		hrtimer_start(&h->hrt, ns_to_ktime(200 * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);
	}
	for (i = 0; i < NR_THREADS; i++)
		wake_up_process(tsk[i]);
	for (i = 0; i < NR_THREADS; i++)
		wait_for_completion(&h->w[i].done);
	if (irqs) {
		WRITE_ONCE(h->stop, true);
		hrtimer_cancel(&h->hrt);
		tasklet_kill(&h->tasklet);
		worker_drop_slots(&h->w[IRQ_WORKER]);
		worker_drop_slots(&h->w[SOFTIRQ_WORKER]);
	}
	for (i = 0; i < SHARED; i++) {
		u8 *old = xchg(&h->shared[i], NULL);

		if (old && memchr_inv(old + 4, old[3], *(u16 *)old - 4))
			bad++;
		pymm_free(old);
	}
	for (i = 0; i < ARRAY_SIZE(h->w); i++) {
		struct worker *w = &h->w[i];

		if (w->bad)
			kunit_info(test, "worker %u: %lu bad (kinds %#x), first at op %lu, size %#zx usable %zu\n",
				   i, w->bad, w->bad_kinds, w->first_bad_op,
				   w->bad_size, w->bad_usable);
		bad += w->bad;
		cross += w->cross;
		KUNIT_EXPECT_EQ_MSG(test, w->nomem, 0, "worker %u", i);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	for (i = 0; i < NR_THREADS; i++) {
		KUNIT_EXPECT_EQ(test, h->w[i].ops, ops);
		KUNIT_EXPECT_EQ_MSG(test, h->w[i].wrong_cpu, 0,
				    "kthread %u, bound to CPU %u", i, h->w[i].cpu);
	}
	kunit_info(test, "kthreads bound to CPUs %*pbl, ran on %*pbl, online %*pbl\n",
		   cpumask_pr_args(&h->bound), cpumask_pr_args(&h->seen),
		   cpumask_pr_args(cpu_online_mask));
	KUNIT_EXPECT_TRUE(test, cpumask_equal(&h->seen, &h->bound));
	if (num_online_cpus() <= NR_THREADS)
		KUNIT_EXPECT_TRUE(test, cpumask_equal(&h->bound, cpu_online_mask));
	if (share)
		KUNIT_EXPECT_GT(test, cross, 0);
	if (irqs) {
		KUNIT_EXPECT_GT(test, h->w[IRQ_WORKER].ops, 0);
		KUNIT_EXPECT_GT(test, h->w[SOFTIRQ_WORKER].ops, 0);
		kunit_info(test, "hardirq ops %lu, softirq ops %lu\n",
			   h->w[IRQ_WORKER].ops, h->w[SOFTIRQ_WORKER].ops);
	}
	pt_expect_settled(test, &b0);
}

static void kthreads_hammer_alloc_free_with_content_checks(struct kunit *test)
{
	run_hammer(test, 40000, true, false, false);
}

static void blocks_are_freed_by_other_threads(struct kunit *test)
{
	run_hammer(test, 20000, false, true, false);
}

static void kthreads_hardirq_and_softirq_mix(struct kunit *test)
{
	run_hammer(test, 20000, true, true, true);
}

static struct kunit_case pymm_concurrency_cases[] = {
	KUNIT_CASE(kthreads_hammer_alloc_free_with_content_checks),
	KUNIT_CASE(blocks_are_freed_by_other_threads),
	KUNIT_CASE(kthreads_hardirq_and_softirq_mix),
	{}
};

static struct kunit_suite pymm_concurrency_suite = {
	.name = "pymm_concurrency",
	.test_cases = pymm_concurrency_cases,
};

kunit_test_suites(&pymm_context_suite, &pymm_concurrency_suite);

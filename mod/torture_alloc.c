// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_torture.ko, the allocator part: blocks, the live set, the queues
 * between contexts, the timer users and the bad input.
 *
 * Every block the torture holds has a struct tt_blk (kmalloc'ed: the
 * torture's own bookkeeping never lives in pymm's memory) that records its
 * owner context, the CPU it was allocated on, a sequence number and its
 * requested size; the block itself carries the same stamp in its first 16
 * bytes (when it has them) and a pattern derived from the sequence number
 * in the rest.  The stamp is checked before every free and realloc and
 * whenever a block changes hands.
 *
 * The live set is a hash of the blocks held, keyed by address.  A block
 * enters it as soon as pymm returns it and leaves it just before it goes
 * back to pymm; an allocation that returns an address already in the set
 * was handed out twice.  Such a block is left alone (it is its first
 * owner's) and counted as an error.
 *
 * Contexts: nthreads kthreads per online CPU that move between CPUs now and
 * then; a soft hrtimer (hardirq on !PREEMPT_RT, its own thread on RT) and
 * a timer_list (softirq) per CPU; all of them
 * allocate, free, realloc and check, and hand blocks to each other through
 * TT_NQ queues, so that most blocks are freed by another context and many
 * on another CPU.
 *
 * Bad input (the injector kthread): one bad call every inject_ms, made on
 * another CPU than the one that prepared it (by a kworker there, or by
 * migrating), between the expect-WARN markers.  The debugfs summary
 * is read before and after: exactly the err_* counter the bad input
 * amounts to must have gone up by one, and every block the injector held
 * meanwhile must be intact.  Double frees use blocks of the injector's own
 * size class (TT_INJECT_SIZE) and a second block of the same pool kept
 * live, so the freed block cannot be handed to anyone else in between and
 * its pool cannot go back to its arena.
 */
#include <linux/cpu.h>
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "torture_core.h"

#define TT_STAMP_MAGIC	0x7474626bU	/* "ttbk" */
#define TT_MAX_SIZE	2048		/* largest normal request */
#define TT_LOCAL	64		/* blocks a context keeps */
#define TT_NQ		8		/* hand-off queues */
#define TT_QLEN		64
#define TT_LIVE_BITS	10

struct tt_blk {
	void *p;
	size_t size;
	u32 seq;
	u16 owner;
	u16 cpu;
	bool exact;		/* usable size is the class of @size */
	struct hlist_node hnode;
};

/* What a block starts with when it has 16 bytes; the pattern follows. */
struct tt_stamp {
	u32 magic;
	u32 seq;
	u32 size;
	u16 owner;
	u16 cpu;
};

/* One allocating context: a kthread, a timer, the injector. */
struct tt_actx {
	struct rnd_state rnd;
	u16 id;
	unsigned int n;
	struct tt_blk *local[TT_LOCAL];
};

struct tt_queue {
	spinlock_t lock;	/* head, n, b */
	unsigned int head, n;
	struct tt_blk *b[TT_QLEN];
};

struct tt_bucket {
	spinlock_t lock;	/* head */
	struct hlist_head head;
};

static struct tt_bucket tt_live[1 << TT_LIVE_BITS];
static struct tt_queue tt_queues[TT_NQ];
static atomic_t tt_seq;

/* Contexts of the kthreads, freed after the threads stopped. */
static struct tt_actx **tt_thread_ctx;
static unsigned int tt_nthread_ctx;

static u8 tt_pat(u32 seq, size_t i)
{
	return seq + i * 13 + (i >> 8);
}

static void tt_fill_stamp(struct tt_stamp *s, const struct tt_blk *b)
{
	s->magic = TT_STAMP_MAGIC;
	s->seq = b->seq;
	s->size = b->size;
	s->owner = b->owner;
	s->cpu = b->cpu;
}

static void tt_stamp_write(const struct tt_blk *b)
{
	struct tt_stamp s;
	u8 *m = b->p;
	size_t i = 0;

	if (b->size >= sizeof(s)) {
		tt_fill_stamp(&s, b);
		memcpy(m, &s, sizeof(s));
		i = sizeof(s);
	}
	for (; i < b->size; i++)
		m[i] = tt_pat(b->seq, i);
}

/* Compare the first @n bytes at @m with @b's stamp; false and @bad if not. */
static bool tt_stamp_ok(const struct tt_blk *b, const u8 *m, size_t n,
			size_t *bad)
{
	struct tt_stamp s;
	size_t i = 0;

	if (b->size >= sizeof(s)) {
		tt_fill_stamp(&s, b);
		for (; i < min(n, sizeof(s)); i++)
			if (m[i] != ((u8 *)&s)[i])
				goto bad;
	}
	for (; i < n; i++)
		if (m[i] != tt_pat(b->seq, i))
			goto bad;
	return true;
bad:
	*bad = i;
	return false;
}

static bool tt_blk_check(const struct tt_blk *b, enum tt_err err,
			 const char *when)
{
	const u8 *m = b->p;
	size_t bad;

	if (tt_stamp_ok(b, m, b->size, &bad))
		return true;
	tt_error(err,
		 "%s: block %p (%zu bytes, seq %u, owner %u, allocated on CPU %u): byte %zu is %#x",
		 when, b->p, b->size, b->seq, b->owner, b->cpu, bad, m[bad]);
	return false;
}

static struct tt_bucket *tt_bucket(const void *p)
{
	return &tt_live[hash_ptr(p, TT_LIVE_BITS)];
}

/* Enter @b in the live set; false (and an error) if its address is there. */
static bool tt_live_add(struct tt_blk *b)
{
	struct tt_bucket *bk = tt_bucket(b->p);
	struct tt_blk *x, other = { };
	unsigned long flags;
	bool dup = false;

	spin_lock_irqsave(&bk->lock, flags);
	hlist_for_each_entry(x, &bk->head, hnode) {
		if (x->p == b->p) {
			other = *x;
			dup = true;
			break;
		}
	}
	if (!dup)
		hlist_add_head(&b->hnode, &bk->head);
	spin_unlock_irqrestore(&bk->lock, flags);
	if (dup)
		tt_error(TT_ERR_DUP,
			 "%p (%zu bytes) handed out on CPU %d while live (seq %u, %zu bytes, owner %u, allocated on CPU %u)",
			 b->p, b->size, raw_smp_processor_id(), other.seq,
			 other.size, other.owner, other.cpu);
	return !dup;
}

static void tt_live_del(struct tt_blk *b)
{
	struct tt_bucket *bk = tt_bucket(b->p);
	unsigned long flags;

	spin_lock_irqsave(&bk->lock, flags);
	hlist_del_init(&b->hnode);
	spin_unlock_irqrestore(&bk->lock, flags);
}

static bool tt_can_sleep(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp);
}

static void tt_alloc_failed(gfp_t gfp, const char *fn, size_t size)
{
	if (tt_can_sleep(gfp))
		tt_error(TT_ERR_ALLOC_FAIL, "%s(%zu, GFP_KERNEL) returned NULL",
			 fn, size);
	else
		tt_count(TT_OP_ATOMIC_FAIL);
}

static struct tt_blk *tt_blk_alloc(struct tt_actx *c, size_t size, gfp_t gfp,
				   bool zero)
{
	struct tt_blk *b;
	void *p;

	b = kmalloc(sizeof(*b), tt_can_sleep(gfp) ? GFP_KERNEL : GFP_ATOMIC);
	if (!b)
		return NULL;
	p = zero ? pymm_zalloc(size, gfp) : pymm_malloc(size, gfp);
	if (!p) {
		kfree(b);
		tt_alloc_failed(gfp, zero ? "pymm_zalloc" : "pymm_malloc", size);
		return NULL;
	}
	tt_count(zero ? TT_OP_ZALLOC : TT_OP_MALLOC);
	b->p = p;
	b->size = size;
	b->seq = atomic_inc_return(&tt_seq);
	b->owner = c->id;
	b->cpu = raw_smp_processor_id();
	b->exact = true;
	INIT_HLIST_NODE(&b->hnode);
	if (!tt_live_add(b)) {
		kfree(b);	/* the block is its first owner's: leave it */
		return NULL;
	}
	if (!IS_ALIGNED((unsigned long)p, PYMM_ALIGN))
		tt_error(TT_ERR_ALIGN, "%p (%zu bytes) is not %d-byte aligned",
			 p, size, PYMM_ALIGN);
	if (zero && memchr_inv(p, 0, size))
		tt_error(TT_ERR_ZERO, "pymm_zalloc(%zu) = %p is not zeroed",
			 size, p);
	tt_stamp_write(b);
	return b;
}

static void tt_blk_free(struct tt_blk *b)
{
	int cpu;

	tt_blk_check(b, TT_ERR_STAMP, "before free");
	tt_live_del(b);
	cpu = raw_smp_processor_id();
	pymm_free(b->p);
	tt_count(TT_OP_FREE);
	if (cpu != b->cpu)
		tt_count(TT_OP_FREE_XCPU);
	kfree(b);
}

static void tt_blk_usable(const struct tt_blk *b)
{
	size_t u = pymm_usable_size(b->p);
	bool ok;

	tt_count(TT_OP_USABLE);
	if (b->size > PYMM_SMALL_MAX)
		ok = u >= b->size;
	else if (b->exact)
		ok = u == ALIGN(b->size, PYMM_ALIGN);
	else	/* shrunk in place: still its old class */
		ok = u >= b->size && u <= PYMM_SMALL_MAX &&
		     IS_ALIGNED(u, PYMM_ALIGN);
	if (!ok)
		tt_error(TT_ERR_USABLE, "pymm_usable_size(%p) = %zu for a %zu-byte block",
			 b->p, u, b->size);
}

/* Resize @b; NULL if it was freed (size 0) or lost to a duplicate. */
static struct tt_blk *tt_blk_realloc(struct tt_actx *c, struct tt_blk *b,
				     size_t size, gfp_t gfp)
{
	struct tt_blk old = *b;
	size_t bad;
	void *q;

	tt_blk_check(b, TT_ERR_STAMP, "before realloc");
	tt_live_del(b);
	q = pymm_realloc(b->p, size, gfp);
	tt_count(TT_OP_REALLOC);
	if (!size) {
		if (q != ZERO_SIZE_PTR)
			tt_error(TT_ERR_REALLOC, "pymm_realloc(%p, 0) = %p, not ZERO_SIZE_PTR",
				 old.p, q);
		kfree(b);
		return NULL;
	}
	if (!q) {
		tt_alloc_failed(gfp, "pymm_realloc", size);
		if (!tt_live_add(b)) {
			kfree(b);
			return NULL;
		}
		return b;
	}
	b->p = q;
	b->cpu = raw_smp_processor_id();
	if (!tt_live_add(b)) {
		kfree(b);
		return NULL;
	}
	if (!tt_stamp_ok(&old, q, min(old.size, size), &bad))
		tt_error(TT_ERR_REALLOC, "pymm_realloc(%p, %zu) = %p lost byte %zu of %zu",
			 old.p, size, q, bad, old.size);
	b->exact = q != old.p || (old.exact && ALIGN(size, PYMM_ALIGN) ==
					   ALIGN(old.size, PYMM_ALIGN));
	b->size = size;
	b->seq = atomic_inc_return(&tt_seq);
	b->owner = c->id;
	tt_stamp_write(b);
	return b;
}

/* 1..2048 bytes, three in four small; never the injector's class. */
static size_t tt_rand_size(struct rnd_state *rnd)
{
	size_t s;

	if (tt_rand(rnd, 4))
		s = 1 + tt_rand(rnd, PYMM_SMALL_MAX);
	else
		s = PYMM_SMALL_MAX + 1 + tt_rand(rnd, TT_MAX_SIZE - PYMM_SMALL_MAX);
	if (s >= TT_INJECT_SIZE_MIN && s <= TT_INJECT_SIZE)
		s = TT_INJECT_SIZE + 1;
	return s;
}

static bool tt_push(struct tt_blk *b, struct rnd_state *rnd)
{
	struct tt_queue *q = &tt_queues[tt_rand(rnd, TT_NQ)];
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&q->lock, flags);
	ok = q->n < TT_QLEN;
	if (ok)
		q->b[(q->head + q->n++) % TT_QLEN] = b;
	spin_unlock_irqrestore(&q->lock, flags);
	return ok;
}

static struct tt_blk *tt_pop_queue(struct tt_queue *q)
{
	struct tt_blk *b = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (q->n) {
		b = q->b[q->head];
		q->head = (q->head + 1) % TT_QLEN;
		q->n--;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return b;
}

static void tt_local_add(struct tt_actx *c, struct tt_blk *b)
{
	unsigned int i;

	if (c->n < TT_LOCAL) {
		c->local[c->n++] = b;
		return;
	}
	i = tt_rand(&c->rnd, TT_LOCAL);
	tt_blk_free(c->local[i]);
	c->local[i] = b;
}

static struct tt_blk *tt_local_take(struct tt_actx *c)
{
	struct tt_blk *b;
	unsigned int i;

	if (!c->n)
		return NULL;
	i = tt_rand(&c->rnd, c->n);
	b = c->local[i];
	c->local[i] = c->local[--c->n];
	return b;
}

static void tt_local_free_all(struct tt_actx *c)
{
	while (c->n)
		tt_blk_free(c->local[--c->n]);
}

/* One random operation, from any context (@gfp says which). */
static void tt_step(struct tt_actx *c, gfp_t gfp)
{
	unsigned int r = tt_rand(&c->rnd, 100);
	struct tt_blk *b;
	size_t size;

	if (r < 30) {
		b = tt_blk_alloc(c, tt_rand_size(&c->rnd), gfp,
				 !tt_rand(&c->rnd, 4));
		if (b)
			tt_local_add(c, b);
	} else if (r < 45) {
		b = tt_local_take(c);
		if (b)
			tt_blk_free(b);
	} else if (r < 55) {
		b = tt_local_take(c);
		if (!b)
			return;
		size = tt_rand(&c->rnd, 20) ? tt_rand_size(&c->rnd) : 0;
		b = tt_blk_realloc(c, b, size, gfp);
		if (b)
			tt_local_add(c, b);
	} else if (r < 62) {
		if (c->n)
			tt_blk_usable(c->local[tt_rand(&c->rnd, c->n)]);
	} else if (r < 80) {
		b = tt_local_take(c);
		if (!b)
			return;
		if (tt_push(b, &c->rnd))
			tt_count(TT_OP_HANDOFF);
		else
			tt_local_add(c, b);
	} else {
		b = tt_pop_queue(&tt_queues[tt_rand(&c->rnd, TT_NQ)]);
		if (!b)
			return;
		if (tt_rand(&c->rnd, 2)) {
			tt_blk_free(b);
		} else {
			tt_blk_check(b, TT_ERR_STAMP, "after hand-off");
			tt_local_add(c, b);
		}
	}
}

/*
 * A small block allocated and freed under spin_lock_irqsave(): with
 * interrupts off on !PREEMPT_RT; on RT, where pymm may not be called with
 * interrupts off, under the spinlock_t that code takes instead.
 */
static DEFINE_SPINLOCK(tt_irqs_off_lock);

static void tt_irqs_off(struct tt_actx *c)
{
	unsigned long flags;
	struct tt_blk *b;

	spin_lock_irqsave(&tt_irqs_off_lock, flags);
	b = tt_blk_alloc(c, 1 + tt_rand(&c->rnd, PYMM_SMALL_MAX), GFP_ATOMIC,
			 false);
	if (b)
		tt_blk_free(b);
	spin_unlock_irqrestore(&tt_irqs_off_lock, flags);
	tt_count(TT_OP_IRQS_OFF);
}

static int tt_alloc_thread(void *arg)
{
	struct tt_actx *c = arg;
	unsigned int i;

	/* Started on its CPU (tt_spawn()); not pinned there: tt_move_to(). */
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	while (!kthread_should_stop()) {
		for (i = 0; i < 64; i++)
			tt_step(c, tt_rand(&c->rnd, 5) ? GFP_KERNEL : GFP_ATOMIC);
		if (!tt_rand(&c->rnd, 8))
			tt_irqs_off(c);
		tt_wander(&c->rnd);
		cond_resched();
	}
	tt_local_free_all(c);
	return 0;
}

void tt_alloc_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tt_live); i++) {
		spin_lock_init(&tt_live[i].lock);
		INIT_HLIST_HEAD(&tt_live[i].head);
	}
	for (i = 0; i < TT_NQ; i++)
		spin_lock_init(&tt_queues[i].lock);
}

int tt_alloc_start(void)
{
	unsigned int i = 0, j, n = num_online_cpus() * tt_nthreads;
	struct tt_actx *c;
	int cpu, err;

	tt_thread_ctx = kcalloc(n, sizeof(*tt_thread_ctx), GFP_KERNEL);
	if (!tt_thread_ctx)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		for (j = 0; j < tt_nthreads && i < n; j++, i++) {
			c = kzalloc(sizeof(*c), GFP_KERNEL);
			if (!c)
				return -ENOMEM;
			c->id = i + 1;
			tt_rnd_init(&c->rnd, c->id);
			tt_thread_ctx[tt_nthread_ctx++] = c;
			err = tt_spawn(tt_alloc_thread, c, cpu, "alloc", i);
			if (err)
				return err;
		}
	}
	return 0;
}

void tt_alloc_stop(void)
{
	struct tt_blk *b;
	unsigned int i;

	/* The threads freed their own blocks; the queues hold the rest. */
	for (i = 0; i < TT_NQ; i++)
		while ((b = tt_pop_queue(&tt_queues[i])))
			tt_blk_free(b);
	for (i = 0; i < tt_nthread_ctx; i++)
		kfree(tt_thread_ctx[i]);
	kfree(tt_thread_ctx);
	tt_thread_ctx = NULL;
	tt_nthread_ctx = 0;
}

/* Each CPU's hardirq and softirq users. */
struct tt_timer {
	struct hrtimer hr;
	struct timer_list tl;
	struct tt_actx hctx, sctx;
	int cpu;
};

static struct tt_timer **tt_timers;
static unsigned int tt_ntimers;
static bool tt_timers_stopping;

static enum hrtimer_restart tt_hrtimer_fn(struct hrtimer *hr)
{
	struct tt_timer *t = container_of(hr, struct tt_timer, hr);
	unsigned int i;

	if (tt_parts & TT_PART_ALLOC) {
		for (i = 0; i < 4; i++)
			tt_step(&t->hctx, GFP_ATOMIC);
		tt_count(TT_OP_HARDIRQ);
	}
	if (tt_parts & TT_PART_OBJ)
		tt_obj_irq(&t->hctx.rnd, true);
	if (READ_ONCE(tt_timers_stopping))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(hr, ns_to_ktime((u64)tt_timer_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void tt_timer_fn(struct timer_list *tl)
{
	struct tt_timer *t = from_timer(t, tl, tl);
	unsigned int i;

	if (tt_parts & TT_PART_ALLOC) {
		for (i = 0; i < 4; i++)
			tt_step(&t->sctx, GFP_ATOMIC);
		tt_count(TT_OP_SOFTIRQ);
	}
	if (tt_parts & TT_PART_OBJ)
		tt_obj_irq(&t->sctx.rnd, false);
	if (!READ_ONCE(tt_timers_stopping))
		mod_timer(tl, jiffies + max(usecs_to_jiffies(tt_timer_us), 1UL));
}

/*
 * Pinned hrtimers start on the CPU that starts them.  Soft ones: they
 * allocate, which PREEMPT_RT allows in no hard interrupt (on !RT they
 * still run in hardirq context).
 */
static void tt_hrtimer_start_here(void *arg)
{
	struct tt_timer *t = arg;

	hrtimer_start(&t->hr, ns_to_ktime((u64)tt_timer_us * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED);
}

void tt_timers_start(void)
{
	struct tt_timer *t;
	int cpu;

	tt_timers = kcalloc(nr_cpu_ids, sizeof(*tt_timers), GFP_KERNEL);
	if (!tt_timers)
		return;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		t = kzalloc(sizeof(*t), GFP_KERNEL);
		if (!t)
			break;
		t->cpu = cpu;
		t->hctx.id = 1000 + 2 * cpu;
		t->sctx.id = 1001 + 2 * cpu;
		tt_rnd_init(&t->hctx.rnd, t->hctx.id);
		tt_rnd_init(&t->sctx.rnd, t->sctx.id);
		hrtimer_init(&t->hr, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
		t->hr.function = tt_hrtimer_fn;
		timer_setup(&t->tl, tt_timer_fn, 0);
		tt_timers[tt_ntimers++] = t;
		smp_call_function_single(cpu, tt_hrtimer_start_here, t, 1);
		t->tl.expires = jiffies + 1;
		add_timer_on(&t->tl, cpu);
	}
	cpus_read_unlock();
}

void tt_timers_stop(void)
{
	struct tt_timer *t;
	unsigned int i;

	WRITE_ONCE(tt_timers_stopping, true);
	for (i = 0; i < tt_ntimers; i++) {
		t = tt_timers[i];
		hrtimer_cancel(&t->hr);
		timer_shutdown_sync(&t->tl);
		tt_local_free_all(&t->hctx);
		tt_local_free_all(&t->sctx);
		kfree(t);
	}
	kfree(tt_timers);
	tt_timers = NULL;
	tt_ntimers = 0;
}

/* Bad input. */

enum tt_api { TT_API_FREE, TT_API_USABLE, TT_API_REALLOC, TT_NR_API };

static const char * const tt_api_names[TT_NR_API] = {
	"pymm_free", "pymm_usable_size", "pymm_realloc"
};

struct tt_bad {
	const void *p;
	enum tt_api api;
	size_t size;		/* what pymm_usable_size() returned */
	void *q;		/* what pymm_realloc() returned */
};

static void tt_bad_call(struct tt_bad *bad)
{
	switch (bad->api) {
	case TT_API_FREE:
		pymm_free(bad->p);
		break;
	case TT_API_USABLE:
		bad->size = pymm_usable_size(bad->p);
		break;
	default:
		bad->q = pymm_realloc((void *)bad->p, 64, GFP_ATOMIC);
		break;
	}
}

static long tt_bad_work(void *arg)
{
	tt_bad_call(arg);
	return 0;
}

/*
 * Make the bad call @bad on @cpu (by a kworker there, or by moving there),
 * or here if @cpu is this one or went offline; only this call inside the
 * expect-WARN window.  Not by IPI: pymm takes locks that PREEMPT_RT does
 * not allow in hard interrupt context, which lockdep checks on every
 * kernel with PROVE_RAW_LOCK_NESTING (README, "Calling contexts").
 */
static void tt_bad_on(struct tt_actx *c, struct tt_bad *bad, int cpu,
		      const char *what, const char *kinds)
{
	unsigned int how = tt_rand(&c->rnd, 2);
	long err = -ENODEV;

	tl_expect_warn_begin("%s", kinds);
	if (how == 0) {
		err = work_on_cpu_safe(cpu, tt_bad_work, bad);
	} else if (!tt_move_to(cpu)) {
		/* Moved there, and kept there for the call. */
		migrate_disable();
		tt_bad_call(bad);
		migrate_enable();
		err = 0;
	}
	if (err)
		tt_bad_call(bad);
	tl_expect_warn_end();
	if (bad->api == TT_API_USABLE && bad->size)
		tt_error(TT_ERR_INJ_RET, "%s: pymm_usable_size(%p) = %zu, not 0",
			 what, bad->p, bad->size);
	if (bad->api == TT_API_REALLOC && bad->q)
		tt_error(TT_ERR_INJ_RET, "%s: pymm_realloc(%p, 64) = %p, not NULL",
			 what, bad->p, bad->q);
}

/* The err_* counter a bad input must move by one, and an alternative. */
enum tt_errc { TT_EC_NONE = -1, TT_EC_INVALID, TT_EC_MIDDLE, TT_EC_DFREE };

/* Their rows of the summary. */
static const enum tl_sum tt_errc_rows[] = {
	[TT_EC_INVALID] = TL_ERR_INVALID,
	[TT_EC_MIDDLE] = TL_ERR_MIDDLE,
	[TT_EC_DFREE] = TL_ERR_DOUBLE_FREE,
};

struct tt_expect {
	enum tt_errc want, alt;
	const char *what;
};

static bool tt_same_page(const struct tt_blk *a, const struct tt_blk *b)
{
	return ((unsigned long)a->p & PAGE_MASK) ==
	       ((unsigned long)b->p & PAGE_MASK);
}

/*
 * Double free of a small block: p and q (and r for @older) from one pool
 * of the injector's class, all on this CPU; p freed; then p freed again
 * here, on another CPU (@xcpu), or here after r was freed on top of it
 * (@older).  q keeps the pool in use.  Migration is off, not preemption
 * (pymm may sleep on PREEMPT_RT): no other task allocates from this class.
 * Return: false if skipped.
 */
static bool tt_inj_dfree(struct tt_actx *c, bool xcpu, bool older,
			 struct tt_expect *e)
{
	struct tt_blk *p, *q, *r = NULL, *x, *y;
	struct tt_bad bad = { };
	bool ok;
	int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	p = tt_blk_alloc(c, TT_INJECT_SIZE, GFP_ATOMIC, false);
	q = tt_blk_alloc(c, TT_INJECT_SIZE, GFP_ATOMIC, false);
	if (older)
		r = tt_blk_alloc(c, TT_INJECT_SIZE, GFP_ATOMIC, false);
	ok = p && q && (!older || r) && tt_same_page(p, q) &&
	     (!older || tt_same_page(p, r));
	if (!ok) {
		migrate_enable();
		if (p)
			tt_blk_free(p);
		if (q)
			tt_blk_free(q);
		if (r)
			tt_blk_free(r);
		return false;
	}
	bad.p = p->p;
	bad.api = TT_API_FREE;
	tt_blk_free(p);
	if (older)
		tt_blk_free(r);
	e->want = TT_EC_DFREE;
	if (!xcpu) {
		e->what = older ? "double free of an older free block" :
				  "double free";
		tl_expect_warn_begin("double_free=1");
		tt_bad_call(&bad);
		tl_expect_warn_end();
		migrate_enable();
		tt_count(older ? TT_OP_INJ_DFREE_OLDER : TT_OP_INJ_DFREE);
	} else {
		migrate_enable();
		e->what = "double free on another CPU";
		bad.api = tt_rand(&c->rnd, 3) ? TT_API_FREE : TT_API_USABLE;
		tt_bad_on(c, &bad, tt_other_cpu(&c->rnd, cpu), e->what,
			  "double_free=1");
		tt_count(TT_OP_INJ_DFREE_XCPU);
	}
	/* The freed block must not come out twice, nor over q. */
	x = tt_blk_alloc(c, TT_INJECT_SIZE, GFP_KERNEL, false);
	y = tt_blk_alloc(c, TT_INJECT_SIZE, GFP_KERNEL, false);
	tt_blk_check(q, TT_ERR_INJ_DAMAGE, e->what);
	if (x)
		tt_blk_free(x);
	if (y)
		tt_blk_free(y);
	tt_blk_free(q);
	return true;
}

/* A large block freed twice: "not a live block". */
static bool tt_inj_dfree_large(struct tt_actx *c, struct tt_expect *e)
{
	struct tt_bad bad = { .api = TT_API_FREE };
	struct tt_blk *p;

	/* Sizes no other context asks pymm for: their kmalloc cache is ours. */
	p = tt_blk_alloc(c, TT_MAX_SIZE + 1 + tt_rand(&c->rnd, TT_MAX_SIZE),
			 GFP_KERNEL, false);
	if (!p)
		return false;
	bad.p = p->p;
	tt_blk_free(p);
	e->want = TT_EC_INVALID;
	e->what = "double free of a large block";
	tt_bad_on(c, &bad, tt_other_cpu(&c->rnd, raw_smp_processor_id()),
		  e->what, "invalid=1");
	tt_count(TT_OP_INJ_DFREE_LARGE);
	return true;
}

static bool tt_inj_middle(struct tt_actx *c, struct tt_expect *e)
{
	struct tt_bad bad = { };
	struct tt_blk *b;
	size_t off;

	b = tt_blk_alloc(c, 16 + tt_rand(&c->rnd, TT_MAX_SIZE - 15), GFP_KERNEL,
			 false);
	if (!b)
		return false;
	off = 1 + tt_rand(&c->rnd, min_t(size_t, b->size, PYMM_SMALL_MAX) - 1);
	bad.p = b->p + off;
	bad.api = tt_rand(&c->rnd, TT_NR_API);
	e->want = TT_EC_MIDDLE;
	/* A large block: pymm may also call it "not a live block". */
	e->alt = b->size > PYMM_SMALL_MAX ? TT_EC_INVALID : TT_EC_NONE;
	e->what = "middle pointer";
	tt_bad_on(c, &bad, tt_other_cpu(&c->rnd, raw_smp_processor_id()),
		  e->what, e->alt == TT_EC_NONE ? "middle=1" :
						"middle<=1 invalid<=1");
	tt_count(TT_OP_INJ_MIDDLE);
	tt_blk_check(b, TT_ERR_INJ_DAMAGE, "after a middle pointer");
	tt_blk_usable(b);
	tt_blk_free(b);
	return true;
}

static u8 tt_foreign_static[256];

static bool tt_inj_foreign(struct tt_actx *c, struct tt_expect *e)
{
	size_t size = 8 + tt_rand(&c->rnd, 248), i;
	struct tt_bad bad = { };
	u8 *buf;

	buf = tt_rand(&c->rnd, 2) ? kmalloc(size, GFP_KERNEL) : NULL;
	if (!buf)
		buf = tt_foreign_static;
	for (i = 0; i < size; i++)
		buf[i] = tt_pat(0x5a, i);
	bad.p = buf + (tt_rand(&c->rnd, 2) ? 0 : tt_rand(&c->rnd, size));
	bad.api = tt_rand(&c->rnd, TT_NR_API);
	e->want = TT_EC_INVALID;
	e->what = "foreign pointer";
	tt_bad_on(c, &bad, tt_other_cpu(&c->rnd, raw_smp_processor_id()),
		  e->what, "invalid=1");
	tt_count(TT_OP_INJ_FOREIGN);
	for (i = 0; i < size; i++) {
		if (buf[i] != tt_pat(0x5a, i)) {
			tt_error(TT_ERR_INJ_DAMAGE, "%s(%p) changed byte %zu of a foreign buffer",
				 tt_api_names[bad.api], bad.p, i);
			break;
		}
	}
	if (buf != tt_foreign_static)
		kfree(buf);
	return true;
}

static long tt_errc_delta(enum tt_errc ec, const struct tl_summary *a,
			  const struct tl_summary *b)
{
	if (ec == TT_EC_NONE)
		return 0;
	return b->v[tt_errc_rows[ec]] - a->v[tt_errc_rows[ec]];
}

static void tt_inject_one(struct tt_actx *c, unsigned int kind)
{
	struct tt_expect e = { TT_EC_NONE, TT_EC_NONE, "nothing" };
	struct tl_summary before, after;
	long d[3], total, corr;
	bool done;
	int i;

	if (tl_read_summary(&before)) {
		tt_error(TT_ERR_DEBUGFS, "cannot read the summary");
		return;
	}
	switch (kind) {
	case 0:
		done = tt_inj_dfree(c, false, false, &e);
		break;
	case 1:
		done = tt_inj_dfree(c, true, false, &e);
		break;
	case 2:
		done = tt_inj_dfree(c, false, true, &e);
		break;
	case 3:
		done = tt_inj_dfree_large(c, &e);
		break;
	case 4:
		done = tt_inj_middle(c, &e);
		break;
	default:
		done = tt_inj_foreign(c, &e);
		break;
	}
	if (tl_read_summary(&after)) {
		tt_error(TT_ERR_DEBUGFS, "cannot read the summary");
		return;
	}
	if (!done)
		e.want = TT_EC_NONE;
	for (i = 0; i < 3; i++)
		d[i] = tt_errc_delta(i, &before, &after);
	corr = after.v[TL_ERR_CORRUPTION] - before.v[TL_ERR_CORRUPTION];
	total = d[0] + d[1] + d[2] + corr;
	if (e.want == TT_EC_NONE) {
		if (total)
			tt_error(TT_ERR_INJ_COUNT, "err_* moved by %ld with nothing injected",
				 total);
		return;
	}
	if (total == 1 && (d[e.want] == 1 ||
			   (e.alt != TT_EC_NONE && d[e.alt] == 1)))
		return;
	tt_error(TT_ERR_INJ_COUNT,
		 "%s: %s +%ld expected +1 (err_invalid +%ld, err_middle +%ld, err_double_free +%ld, err_corruption +%ld)",
		 e.what, tl_sum_names[tt_errc_rows[e.want]], d[e.want], d[0],
		 d[1], d[2], corr);
}

static int tt_inject_thread(void *arg)
{
	unsigned int kinds = tt_inject & 0x3f, n = hweight32(kinds), k, i;
	struct tt_actx *c = arg;

	while (!kthread_should_stop() && n) {
		tt_nap(tt_inject_ms);
		if (kthread_should_stop())
			break;
		k = tt_rand(&c->rnd, n);
		for (i = 0; i < 6; i++)
			if ((kinds & BIT(i)) && !k--)
				break;
		tt_inject_one(c, i);
		tt_wander(&c->rnd);
	}
	while (!kthread_should_stop())
		tt_nap(100);
	return 0;
}

static struct tt_actx tt_inject_ctx;

int tt_inject_start(void)
{
	tt_inject_ctx.id = 999;
	tt_rnd_init(&tt_inject_ctx.rnd, tt_inject_ctx.id);
	return tt_spawn(tt_inject_thread, &tt_inject_ctx, -1, "inject", 0);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: long structures and concurrency (suite gc_stress).
 *
 * A chain and a ring of a million objects: destruction must not recurse
 * (the stack depth reached in release() is measured against the test's
 * own frame) and must free everything.  With kmemleak each pymm block also
 * costs a kmemleak record (about 250 bytes), so these need a few hundred
 * MiB; they skip, saying so, when the machine has less available.
 *
 * Concurrency: kthreads mutate their own graphs (edges only under
 * pymm_lock()), get and put, and hand references to a hardirq timer that
 * drops them and allocates objects with GFP_ATOMIC; meanwhile the test
 * collects in a loop and the worker collects automatically.  Each kthread
 * walks what is reachable from its root and checks that every object there
 * is intact and was never released; at the end everything must have been
 * released exactly once.  With two CPUs or more the collector is pinned to
 * one CPU and the mutators and the timer run on the others, so collections
 * and mutations truly overlap; the log shows which CPUs did what, and how
 * many hardirq puts landed while a collection was under way.
 *
 * A heap destroyed while its worker is mid-collection: a traverse() holds
 * the worker's automatic collection until pymm_heap_destroy() has begun on
 * another CPU; everything must still be released exactly once.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "gc_util.h"

#define GC_MILLION	1000000U

/* The smallest useful object: one reference. */
struct gc_link {
	struct gc_link *next;
};

static atomic_t gc_link_released;
static struct task_struct *gc_link_task;
static unsigned long gc_link_base;	/* the test's frame, before the put */
static unsigned long gc_link_depth;	/* deepest release() below it */

static int gc_link_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	struct gc_link *l = obj;

	return l->next ? visit(l->next, arg) : 0;
}

static void gc_link_clear(void *obj)
{
	struct gc_link *l = obj;
	void *old = l->next;

	l->next = NULL;
	pymm_put(old);
}

static noinline void gc_link_release(void *obj)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);

	if (current == gc_link_task && gc_link_base > sp &&
	    gc_link_base - sp > gc_link_depth)
		gc_link_depth = gc_link_base - sp;
	atomic_inc(&gc_link_released);
}

static const struct pymm_type gc_link_type = {
	.name = "gc_link",
	.size = sizeof(struct gc_link),
	.traverse = gc_link_traverse,
	.clear = gc_link_clear,
	.release = gc_link_release,
};

static bool gc_million = true;
module_param(gc_million, bool, 0444);
MODULE_PARM_DESC(gc_million,
		 "run gc_stress's two million-object cases (default 1; under TCG each takes 3 minutes)");

/*
 * Skip, with the reason, if @objects objects may not fit, or if the
 * million-object cases are turned off.
 */
static void gc_need_memory(struct kunit *test, unsigned long objects)
{
	/* block (88 bytes in debug mode), kmemleak record, slack */
	unsigned long per = 128 + (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ? 280 : 0);
	unsigned long need = objects * per / PAGE_SIZE + (32UL << 20) / PAGE_SIZE;
	unsigned long avail = si_mem_available();

	if (!gc_million)
		kunit_skip(test, "gc_million=0");
	if (avail < need)
		kunit_skip(test, "needs %lu MiB, %lu MiB available (PYMM_UML_MEM)",
			   need >> (20 - PAGE_SHIFT), avail >> (20 - PAGE_SHIFT));
}

static void gc_link_reset(void)
{
	atomic_set(&gc_link_released, 0);
	gc_link_task = current;
	gc_link_depth = 0;
	gc_link_base = (unsigned long)__builtin_frame_address(0);
}

/*
 * @n links, each holding the next, built under the heap lock a batch at a
 * time.  Return: the head, whose reference the caller holds; NULL if an
 * allocation failed (what was built is freed).
 */
static struct gc_link *gc_chain(struct pymm_heap *heap, unsigned int n,
				struct gc_link **tail)
{
	struct gc_link *head, *prev, *next;
	unsigned int i;

	head = pymm_obj_new(heap, &gc_link_type, GFP_KERNEL);
	if (!head)
		return NULL;
	prev = head;
	pymm_lock(heap);
	for (i = 1; i < n; i++) {
		next = pymm_obj_new(heap, &gc_link_type, GFP_KERNEL);
		if (!next)
			break;
		prev->next = next;
		prev = next;
		if (!(i % 1024)) {
			pymm_unlock(heap);
			cond_resched();
			pymm_lock(heap);
		}
	}
	pymm_unlock(heap);
	if (i < n) {
		pymm_put(head);
		return NULL;
	}
	*tail = prev;
	return head;
}

static u64 gc_ms_since(u64 t)
{
	return div_u64(ktime_get_ns() - t, NSEC_PER_MSEC);
}

static noinline void gc_put_measured(void *obj)
{
	gc_link_reset();
	pymm_put(obj);
}

static noinline long gc_collect_measured(struct pymm_heap *heap)
{
	gc_link_reset();
	return pymm_collect(heap, 0);
}

static void gc_million_chain_is_freed_by_one_put(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_link *head, *tail;
	u64 t;

	gc_need_memory(test, GC_MILLION);
	t = ktime_get_ns();
	head = gc_chain(ctx->heap, GC_MILLION, &tail);
	KUNIT_ASSERT_NOT_NULL_MSG(test, head, "out of memory");
	kunit_info(test, "built a chain of %u in %llu ms\n", GC_MILLION,
		   gc_ms_since(t));
	t = ktime_get_ns();
	gc_put_measured(head);
	kunit_info(test, "one put destroyed it in %llu ms, deepest release() %lu bytes below the put\n",
		   gc_ms_since(t), gc_link_depth);
	/* All of it, by the putting task, before pymm_put() returned. */
	KUNIT_EXPECT_EQ(test, atomic_read(&gc_link_released), GC_MILLION);
	KUNIT_EXPECT_GT(test, gc_link_depth, 0);
	KUNIT_EXPECT_LT(test, gc_link_depth, THREAD_SIZE / 4);
}

static void gc_million_node_cycle_is_collected(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_link *head, *tail;
	long n;
	u64 t;

	gc_need_memory(test, GC_MILLION);
	atomic_set(&gc_link_released, 0);
	t = ktime_get_ns();
	head = gc_chain(ctx->heap, GC_MILLION, &tail);
	KUNIT_ASSERT_NOT_NULL_MSG(test, head, "out of memory");
	pymm_lock(ctx->heap);
	tail->next = head;		/* the reference the test held */
	pymm_unlock(ctx->heap);
	kunit_info(test, "built a ring of %u in %llu ms\n", GC_MILLION,
		   gc_ms_since(t));
	/* It is garbage now: nothing frees it but the collector. */
	KUNIT_EXPECT_EQ(test, atomic_read(&gc_link_released), 0);
	t = ktime_get_ns();
	n = gc_collect_measured(ctx->heap);
	kunit_info(test, "the collector freed %ld in %llu ms, deepest release() %lu bytes below pymm_collect()\n",
		   n, gc_ms_since(t), gc_link_depth);
	KUNIT_EXPECT_EQ(test, n, GC_MILLION);
	KUNIT_EXPECT_EQ(test, atomic_read(&gc_link_released), GC_MILLION);
	KUNIT_EXPECT_GT(test, gc_link_depth, 0);
	KUNIT_EXPECT_LT(test, gc_link_depth, THREAD_SIZE / 4);
}

#define GC_CONC_THREADS		3
#define GC_CONC_MS		2500
#define GC_CONC_IDS		BIT(18)
#define GC_CONC_REACH		1500
#define GC_CONC_STACK		4096
#define GC_CONC_QUEUE		64
#define GC_CONC_TICK_US		500

struct gc_conc {
	struct pymm_heap *heap;
	struct gc_counts *counts;
	atomic_t next_id;
	atomic_t created;
	atomic_t failures;
	atomic_t alloc_failed;
	/* references handed to the timer; nodes it made for the kthreads */
	spinlock_t lock;
	struct gc_node *to_put[GC_CONC_QUEUE];
	int nto_put;
	struct gc_node *made[GC_CONC_QUEUE];
	int nmade;
	struct hrtimer timer;
	bool stopping;
	unsigned long timer_puts;
	unsigned long timer_allocs;
	/* hardirq puts while the collector was inside pymm_collect() */
	unsigned long timer_puts_collecting;
	bool collecting;
	unsigned int collector_cpu;
	unsigned int timer_cpu;
	/* CPUs the mutators and the timer ran on */
	struct cpumask mut_cpus;
	struct cpumask timer_cpus;
};

struct gc_mut {
	struct gc_conc *cc;
	struct task_struct *task;
	struct gc_node *root;
	struct gc_node **stack;
	struct rnd_state rnd;
	unsigned long stamp;
	unsigned long ops;
	unsigned long walks;
	unsigned int reach;
	unsigned int reach_max;
};

/* Odd ids have a finalizer. */
static struct gc_node *gc_conc_new(struct gc_conc *cc, gfp_t gfp)
{
	u32 id = atomic_inc_return(&cc->next_id) - 1;
	struct gc_node *n;

	n = pymm_obj_new(cc->heap, id & 1 ? &gc_fin_type : &gc_node_type, gfp);
	if (!n) {
		atomic_inc(&cc->alloc_failed);
		return NULL;
	}
	n->magic = GC_MAGIC;
	n->id = id;
	n->counts = cc->counts;
	atomic_inc(&cc->created);
	return n;
}

/* Is @n an intact object that was never released?  Counts failures. */
static bool gc_conc_alive(struct gc_conc *cc, struct gc_node *n)
{
	struct gc_counts *c = cc->counts;

	if (n->magic == GC_MAGIC &&
	    (n->id >= c->nids || !atomic_read(&c->rel_by_id[n->id])))
		return true;
	atomic_inc(&cc->failures);
	return false;
}

static u32 gc_rand(struct gc_mut *m, u32 range)
{
	return prandom_u32_state(&m->rnd) % range;
}

/* A node reachable from the root, by a short random walk; heap locked. */
static struct gc_node *gc_mut_pick(struct gc_mut *m)
{
	struct gc_node *p = m->root, *q;
	int steps = gc_rand(m, 16);

	while (steps--) {
		q = p->ref[gc_rand(m, GC_NODE_REFS)];
		if (!q || !gc_conc_alive(m->cc, q))
			break;
		p = q;
	}
	return p;
}

/* Store @to (a reference the caller gives) in a random reachable slot. */
static void gc_mut_store(struct gc_mut *m, struct gc_node *to, bool back)
{
	struct pymm_heap *heap = m->cc->heap;
	struct gc_node *p;
	void *old;
	int i, s = gc_rand(m, GC_NODE_REFS);

	pymm_lock(heap);
	p = gc_mut_pick(m);
	/* A new object goes into a free slot if there is one. */
	for (i = 0; to && p->ref[s] && i < GC_NODE_REFS; i++)
		s = (s + 1) % GC_NODE_REFS;
	old = p->ref[s];
	p->ref[s] = to;
	if (to && back && !to->ref[0])
		to->ref[0] = pymm_get(p);	/* a cycle through p */
	pymm_unlock(heap);
	pymm_put(old);
}

static void gc_mut_link(struct gc_mut *m)
{
	struct pymm_heap *heap = m->cc->heap;
	struct gc_node *p, *q;
	void *old;
	int i, s = gc_rand(m, GC_NODE_REFS);

	pymm_lock(heap);
	p = gc_mut_pick(m);
	q = gc_mut_pick(m);
	/* Mostly into a free slot, so that the graph grows. */
	for (i = 0; p->ref[s] && i < GC_NODE_REFS && gc_rand(m, 4); i++)
		s = (s + 1) % GC_NODE_REFS;
	old = p->ref[s];
	p->ref[s] = pymm_get(q);
	pymm_unlock(heap);
	pymm_put(old);
}

/* Take a reference read from a field; keep it a while, or give it away. */
static void gc_mut_hold(struct gc_mut *m)
{
	struct gc_conc *cc = m->cc;
	unsigned long flags;
	struct gc_node *p;

	pymm_lock(cc->heap);
	p = pymm_get(gc_mut_pick(m));
	pymm_unlock(cc->heap);
	if (gc_rand(m, 2)) {
		spin_lock_irqsave(&cc->lock, flags);
		if (cc->nto_put < GC_CONC_QUEUE) {
			cc->to_put[cc->nto_put++] = p;
			p = NULL;
		}
		spin_unlock_irqrestore(&cc->lock, flags);
	} else {
		cond_resched();
	}
	if (p) {
		gc_conc_alive(cc, p);
		pymm_put(p);
	}
}

static void gc_mut_adopt(struct gc_mut *m)
{
	struct gc_conc *cc = m->cc;
	struct gc_node *n = NULL;
	unsigned long flags;

	spin_lock_irqsave(&cc->lock, flags);
	if (cc->nmade)
		n = cc->made[--cc->nmade];
	spin_unlock_irqrestore(&cc->lock, flags);
	if (n)
		gc_mut_store(m, n, gc_rand(m, 2));
}

/* Walk everything reachable from the root and check it. */
static void gc_mut_walk(struct gc_mut *m)
{
	struct gc_conc *cc = m->cc;
	struct gc_node *p, *q;
	unsigned int sp = 0, count = 0;
	int i;

	pymm_lock(cc->heap);
	m->stamp++;
	m->root->data = m->stamp;
	m->stack[sp++] = m->root;
	while (sp) {
		p = m->stack[--sp];
		count++;
		if (!gc_conc_alive(cc, p))
			continue;
		for (i = 0; i < GC_NODE_REFS; i++) {
			q = p->ref[i];
			if (!q || q->data == m->stamp || sp == GC_CONC_STACK)
				continue;
			q->data = m->stamp;
			m->stack[sp++] = q;
		}
	}
	pymm_unlock(cc->heap);
	m->reach = count;
	m->reach_max = max(m->reach_max, count);
	m->walks++;
}

static int gc_mut_fn(void *arg)
{
	struct gc_mut *m = arg;
	struct gc_node *n;
	u32 r;

	while (!kthread_should_stop()) {
		if (!(m->ops % 64))
			cpumask_set_cpu(raw_smp_processor_id(), &m->cc->mut_cpus);
		r = gc_rand(m, 100);
		if (r < 40) {
			if (m->reach < GC_CONC_REACH) {
				n = gc_conc_new(m->cc, GFP_KERNEL);
				if (n)
					gc_mut_store(m, n, gc_rand(m, 2));
			} else {
				gc_mut_store(m, NULL, false);
			}
		} else if (r < 55) {
			gc_mut_link(m);
		} else if (r < 62) {
			gc_mut_store(m, NULL, false);
		} else if (r < 85) {
			gc_mut_hold(m);
		} else if (r < 90) {
			gc_mut_adopt(m);
		} else {
			gc_mut_walk(m);
		}
		if (!(++m->ops % 32))
			cond_resched();
	}
	gc_mut_walk(m);
	return 0;
}

static enum hrtimer_restart gc_conc_tick(struct hrtimer *t)
{
	struct gc_conc *cc = container_of(t, struct gc_conc, timer);
	struct gc_node *n;

	n = gc_conc_new(cc, GFP_ATOMIC);
	cpumask_set_cpu(raw_smp_processor_id(), &cc->timer_cpus);
	spin_lock(&cc->lock);
	while (cc->nto_put) {
		struct gc_node *p = cc->to_put[--cc->nto_put];

		gc_conc_alive(cc, p);
		pymm_put(p);
		cc->timer_puts++;
		if (READ_ONCE(cc->collecting))
			cc->timer_puts_collecting++;
	}
	if (n) {
		cc->timer_allocs++;
		if (cc->nmade < GC_CONC_QUEUE) {
			cc->made[cc->nmade++] = n;
			n = NULL;
		}
	}
	spin_unlock(&cc->lock);
	pymm_put(n);		/* dies here, in hardirq on !PREEMPT_RT */
	if (READ_ONCE(cc->stopping))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(GC_CONC_TICK_US * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* The @n-th online CPU other than @self, cyclically; @self if alone. */
static unsigned int gc_other_cpu(unsigned int self, unsigned int n)
{
	unsigned int cpu, k = 0, others = num_online_cpus() - 1;

	if (!others)
		return self;
	n %= others;
	for_each_online_cpu(cpu)
		if (cpu != self && k++ == n)
			return cpu;
	return self;
}

/*
 * Runs on the timer's CPU (by IPI): the timer stays there.  A soft timer:
 * it allocates, which PREEMPT_RT allows in no hard interrupt (on !RT it
 * still runs in hardirq context).
 */
static void gc_conc_start_timer(void *arg)
{
	struct gc_conc *cc = arg;

	hrtimer_start(&cc->timer, ns_to_ktime(GC_CONC_TICK_US * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED);
}

static void gc_collection_concurrent_with_mutators_frees_nothing_reachable(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_mut *mut;
	struct gc_conc *cc;
	unsigned long end, collections = 0, ops = 0, walks = 0, flags;
	long n, collected = 0;
	struct gc_stats st;
	u32 id, nids;
	int i, g = 0;

	cc = kunit_kzalloc(test, sizeof(*cc), GFP_KERNEL);
	mut = kunit_kcalloc(test, GC_CONC_THREADS, sizeof(*mut), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cc);
	KUNIT_ASSERT_NOT_NULL(test, mut);
	cc->heap = ctx->heap;
	cc->counts = gc_counts_new(test, GC_CONC_IDS);
	spin_lock_init(&cc->lock);
	/* The worker collects too. */
	pymm_set_threshold(ctx->heap, 200, 10, 10);

	for (i = 0; i < GC_CONC_THREADS; i++) {
		mut[i].cc = cc;
		mut[i].stack = kunit_kmalloc_array(test, GC_CONC_STACK,
						   sizeof(*mut[i].stack),
						   GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mut[i].stack);
		prandom_seed_state(&mut[i].rnd, 42 + i);
		mut[i].root = gc_conc_new(cc, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mut[i].root);
	}
	/* The collector keeps to its CPU; everything else runs elsewhere. */
	cc->collector_cpu = raw_smp_processor_id();
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current,
						   cpumask_of(cc->collector_cpu)),
			0);
	for (i = 0; i < GC_CONC_THREADS; i++) {
		mut[i].task = kthread_create(gc_mut_fn, &mut[i], "gc_mut/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(mut[i].task));
		kthread_bind(mut[i].task, gc_other_cpu(cc->collector_cpu, i));
		wake_up_process(mut[i].task);
	}
	hrtimer_init(&cc->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	cc->timer.function = gc_conc_tick;
	cc->timer_cpu = gc_other_cpu(cc->collector_cpu, 0);
	KUNIT_ASSERT_EQ(test, smp_call_function_single(cc->timer_cpu,
						       gc_conc_start_timer, cc,
						       1), 0);

	end = jiffies + msecs_to_jiffies(GC_CONC_MS);
	while (time_before(jiffies, end)) {
		WRITE_ONCE(cc->collecting, true);
		n = pymm_collect(ctx->heap, g);
		WRITE_ONCE(cc->collecting, false);
		KUNIT_EXPECT_GE(test, n, 0);
		collected += max(n, 0L);
		collections++;
		g = (g + 1) % 3;
		usleep_range(200, 500);
	}

	for (i = 0; i < GC_CONC_THREADS; i++) {
		kthread_stop(mut[i].task);
		ops += mut[i].ops;
		walks += mut[i].walks;
		kunit_info(test, "kthread %d: %lu ops, %lu walks, reach now %u, at most %u\n",
			   i, mut[i].ops, mut[i].walks, mut[i].reach,
			   mut[i].reach_max);
	}
	WRITE_ONCE(cc->stopping, true);
	hrtimer_cancel(&cc->timer);
	kunit_info(test, "%lu collections freed %ld; %d objects made, %lu in hardirq; %lu puts in hardirq\n",
		   collections, collected, atomic_read(&cc->created),
		   cc->timer_allocs, cc->timer_puts);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->failures), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->alloc_failed), 0);
	KUNIT_EXPECT_GT(test, ops, 1000);
	KUNIT_EXPECT_GT(test, walks, 10);
	KUNIT_EXPECT_GT(test, collected, 0);
	KUNIT_EXPECT_GT(test, cc->timer_puts, 0);
	kunit_info(test, "collector on CPU %u, mutators on CPUs %*pbl, hardirq puts on CPUs %*pbl (%lu during a collection), online %*pbl\n",
		   cc->collector_cpu, cpumask_pr_args(&cc->mut_cpus),
		   cpumask_pr_args(&cc->timer_cpus), cc->timer_puts_collecting,
		   cpumask_pr_args(cpu_online_mask));
	if (num_online_cpus() > 1) {
		KUNIT_EXPECT_FALSE(test, cpumask_test_cpu(cc->collector_cpu,
							  &cc->mut_cpus));
		KUNIT_EXPECT_TRUE(test, cpumask_equal(&cc->timer_cpus,
						      cpumask_of(cc->timer_cpu)));
		KUNIT_EXPECT_NE(test, cc->timer_cpu, cc->collector_cpu);
		KUNIT_EXPECT_GT(test, cc->timer_puts_collecting, 0);
	}
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(current, cpu_possible_mask),
			0);

	/* Drop every reference left, and collect what remains. */
	spin_lock_irqsave(&cc->lock, flags);
	while (cc->nto_put)
		pymm_put(cc->to_put[--cc->nto_put]);
	while (cc->nmade)
		pymm_put(cc->made[--cc->nmade]);
	spin_unlock_irqrestore(&cc->lock, flags);
	for (i = 0; i < GC_CONC_THREADS; i++)
		pymm_put(mut[i].root);
	pymm_collect(ctx->heap, 2);
	KUNIT_EXPECT_TRUE(test, gc_wait_atomic(&cc->counts->released,
					       atomic_read(&cc->created), 5000));
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->counts->released),
			atomic_read(&cc->created));
	gc_read_stats(test, ctx->name, &st);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, st.gen[i].objects, 0);

	nids = min_t(u32, atomic_read(&cc->next_id), GC_CONC_IDS);
	for (id = 0; id < nids; id++) {
		/* Ids of failed allocations were never used. */
		if (!atomic_read(&cc->counts->rel_by_id[id]) &&
		    atomic_read(&cc->alloc_failed))
			continue;
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->counts->rel_by_id[id]),
				    1, "id %u", id);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->counts->fin_by_id[id]),
				    id & 1, "id %u", id);
		if (atomic_read(&cc->counts->rel_by_id[id]) != 1)
			break;
	}
}

/*
 * Heap destroyed mid-collection.  gc_slow_type is gc_node_type whose
 * traverse() holds the first collection that another task (the heap's
 * worker) runs over it: it waits until the test has started destroying
 * the heap, then a little longer, and only then lets the collection go on.
 */
enum { GC_SLOW_IDLE, GC_SLOW_HOLDING, GC_SLOW_DESTROYING, GC_SLOW_LEFT };

static struct {
	struct task_struct *tester;
	struct completion holding;
	atomic_t state;
	unsigned int worker_cpu;
} gc_slow;

static struct pymm_type gc_slow_type;

static int gc_slow_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	unsigned int ms;

	if (current != gc_slow.tester &&
	    atomic_cmpxchg(&gc_slow.state, GC_SLOW_IDLE, GC_SLOW_HOLDING) ==
	    GC_SLOW_IDLE) {
		gc_slow.worker_cpu = raw_smp_processor_id();
		complete(&gc_slow.holding);
		/* traverse() runs under the heap's mutex: it may sleep. */
		for (ms = 0; ms < 10000; ms += 2) {
			if (atomic_read(&gc_slow.state) == GC_SLOW_DESTROYING)
				break;
			usleep_range(1000, 2000);
		}
		msleep(20);
		atomic_cmpxchg(&gc_slow.state, GC_SLOW_DESTROYING, GC_SLOW_LEFT);
	}
	return gc_node_type.traverse(obj, visit, arg);
}

#define GC_SLOW_RINGS	3
#define GC_SLOW_RING	100

static void gc_heap_destroyed_while_worker_mid_collection(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	unsigned int i, destroy_cpu;
	struct gc_node *first;
	const struct cpumask *other;

	gc_slow_type = gc_node_type;
	gc_slow_type.name = "gc_slow";
	gc_slow_type.traverse = gc_slow_traverse;
	gc_slow.tester = current;
	init_completion(&gc_slow.holding);
	atomic_set(&gc_slow.state, GC_SLOW_IDLE);

	/* Garbage rings, made while automatic collection is off. */
	for (i = 0; i < GC_SLOW_RINGS; i++) {
		gc_ring(test, ctx->heap, &gc_slow_type, ctx->counts,
			GC_SLOW_RING, i * GC_SLOW_RING, &first);
		pymm_put(first);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->counts->released), 0);
	/* One more allocation asks the worker for a gen0 collection. */
	pymm_set_threshold(ctx->heap, 1, 10, 10);
	pymm_put(gc_new(test, ctx->heap, &gc_node_type, ctx->counts,
			GC_SLOW_RINGS * GC_SLOW_RING));
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&gc_slow.holding,
								10 * HZ),
			      "the worker did not collect");

	/* Destroy from another CPU than the worker's, if there is one. */
	other = cpumask_of(gc_other_cpu(gc_slow.worker_cpu, 0));
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, other), 0);
	destroy_cpu = raw_smp_processor_id();
	atomic_set(&gc_slow.state, GC_SLOW_DESTROYING);
	pymm_heap_destroy(ctx->heap);
	ctx->heap = NULL;
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(current, cpu_possible_mask),
			0);

	kunit_info(test, "worker collecting on CPU %u, heap destroyed on CPU %u\n",
		   gc_slow.worker_cpu, destroy_cpu);
	/* The worker's collection went on after the destroy had begun. */
	KUNIT_EXPECT_EQ(test, atomic_read(&gc_slow.state), GC_SLOW_LEFT);
	if (num_online_cpus() > 1)
		KUNIT_EXPECT_NE(test, destroy_cpu, gc_slow.worker_cpu);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->counts->released),
			GC_SLOW_RINGS * GC_SLOW_RING + 1);
}

static struct kunit_case gc_stress_cases[] = {
	KUNIT_CASE_SLOW(gc_million_chain_is_freed_by_one_put),
	KUNIT_CASE_SLOW(gc_million_node_cycle_is_collected),
	KUNIT_CASE_SLOW(gc_collection_concurrent_with_mutators_frees_nothing_reachable),
	KUNIT_CASE(gc_heap_destroyed_while_worker_mid_collection),
	{}
};

static struct kunit_suite gc_stress_suite = {
	.name = "gc_stress",
	.init = gc_ctx_init,
	.exit = gc_ctx_exit,
	.test_cases = gc_stress_cases,
};

kunit_test_suites(&gc_stress_suite);

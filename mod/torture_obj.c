// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_torture.ko, the objects part: heaps of random graphs, references
 * handed to other contexts, heaps destroyed and created again under them,
 * and a probe of automatic collection.
 *
 * Objects: nodes (TT_REFS strong references each, some with a finalizer)
 * and leaves (no references; some large enough to be kmalloc-backed).  Each
 * heap has TT_ROOTS roots; mutator kthreads (nthreads per CPU) pick a heap,
 * walk a random path from a root under pymm_lock() and relink: new nodes
 * and leaves, edges back along the path (cycles), edges to other roots,
 * edges cut, roots dropped.  Every object they reach must be intact and
 * never released.
 *
 * Holds: a mutator that reaches a leaf may take a reference to it and put
 * it on a queue; hrtimers (hardirq on !PREEMPT_RT, also a get + put
 * pair), timer_lists (softirq) and the mutators put these references
 * later, from any CPU.
 * Only leaves are held outside the graph, so a node is never referenced
 * from outside its heap's roots, and a leaf never holds anything.
 *
 * Records: each heap incarnation (struct tt_th) has a record per object
 * id, kept for the whole run, so that a callback or a check never needs
 * an object's memory after pymm may have freed it: how often it was
 * released and finalized, and how many held references (ext) the torture
 * has to it.  A held reference is counted in ext before pymm_get() and
 * uncounted after pymm_put().
 *
 * Heap cycle (every heap_ms, one heap after the other): with the heap's
 * mutators excluded (slot rwsem), the roots are dropped, each leaf's ext is
 * noted, and pymm_heap_destroy() runs while the holders go on putting on
 * other CPUs.  The heap's "destroyed" flag is set as soon as it returns;
 * any callback that sees it set is an error.  Then every node must have
 * been released (none was referenced from outside), and so must every leaf
 * no one held when destroy began; a leaf still held is an orphan and must
 * never be released.  A new heap takes the slot.
 *
 * Explicit collections of random generations, freezes and threshold
 * changes run beside all this; automatic collections run at the default
 * thresholds.  The autogc probe has a heap of its own: rounds of
 * autogc_objs garbage self-cycles made in a loop, then a wait: at least 95%
 * must be reclaimed by automatic collection alone within autogc_stall_ms
 * (a round that needs more than autogc_ms is only counted late: a slow
 * machine, an emulator or a debug kernel is not a stall), and a full
 * collection must then reclaim the rest.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "torture_core.h"

#define TT_OBJ_MAGIC	0x74746f62U	/* "ttob" */
#define TT_OBJ_DEAD	0x64656164U	/* "dead" */
#define TT_REFS		4
#define TT_ROOTS	16
#define TT_MAX_IDS	4096
#define TT_MAX_HEAPS	16
#define TT_NLQ		8
#define TT_LQLEN	64

enum tt_kind { TT_NODE, TT_FIN, TT_LEAF, TT_BIGLEAF };

/* One incarnation of a heap, kept until the end of the run. */
struct tt_rec {
	atomic_t released;
	atomic_t finalized;
	atomic_t ext;		/* held references */
	int snap;		/* ext when destroy began */
	bool used;
	bool leaf;
};

struct tt_th {
	struct pymm_heap *heap;
	char name[24];
	atomic_t destroyed;
	atomic_t next_id;
	struct tt_rec *recs;	/* TT_MAX_IDS, or NULL (autogc) */
	atomic_t created, released;
	void *roots[TT_ROOTS];	/* under pymm_lock() */
	struct list_head node;
};

/* What every object of ours starts with. */
struct tt_hdr {
	u32 magic;
	u16 kind;
	u16 pad;
	u32 id;
	struct tt_th *th;
};

struct tt_node {
	struct tt_hdr h;
	void *ref[TT_REFS];
};

struct tt_bigleaf {
	struct tt_hdr h;
	u8 payload[2 * PYMM_SMALL_MAX];
};

/* A heap slot: its current incarnation, replaced under the rwsem. */
struct tt_slot {
	struct rw_semaphore rwsem;
	struct tt_th *th;
	unsigned int gen;
};

struct tt_lq {
	spinlock_t lock;	/* head, n, o */
	unsigned int head, n;
	struct tt_hdr *o[TT_LQLEN];
};

static struct tt_slot tt_slots[TT_MAX_HEAPS];
static struct tt_lq tt_lqs[TT_NLQ];
static LIST_HEAD(tt_all_th);
static DEFINE_MUTEX(tt_th_lock);

static struct tt_rec *tt_rec(const struct tt_hdr *h)
{
	return h->th->recs ? &h->th->recs[h->id] : NULL;
}

static bool tt_is_leaf(const struct tt_hdr *h)
{
	return h->kind == TT_LEAF || h->kind == TT_BIGLEAF;
}

/*
 * Every callback: our header intact, process context, heap not gone.  A
 * collection may traverse an object pymm_obj_new() has just returned,
 * before its creator wrote the header: it is still all zero then.
 */
static bool tt_cb_enter(struct tt_hdr *h, const char *cb)
{
	/* Pairs with the release in tt_new(): the header is complete. */
	u32 magic = smp_load_acquire(&h->magic);

	if (!magic && !strcmp(cb, "traverse"))
		return false;
	if (magic != TT_OBJ_MAGIC) {
		tt_error(TT_ERR_BAD_MAGIC, "%s() of object %p: magic %#x",
			 cb, h, magic);
		return false;
	}
	if (!in_task())
		tt_error(TT_ERR_CB_CONTEXT, "%s() of object %u of heap %s outside process context",
			 cb, h->id, h->th->name);
	if (atomic_read(&h->th->destroyed))
		tt_error(TT_ERR_CB_AFTER_DESTROY,
			 "%s() of object %u of heap %s ran after pymm_heap_destroy() returned",
			 cb, h->id, h->th->name);
	return true;
}

static int tt_node_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	struct tt_node *n = obj;

	if (!tt_cb_enter(&n->h, "traverse"))
		return 0;
	return tl_visit_refs(n->ref, TT_REFS, visit, arg);
}

static void tt_node_clear(void *obj)
{
	struct tt_node *n = obj;

	if (tt_cb_enter(&n->h, "clear"))
		tl_put_refs(n->ref, TT_REFS);
}

static void tt_finalize(void *obj)
{
	struct tt_hdr *h = obj;
	struct tt_rec *rec;

	if (!tt_cb_enter(h, "finalize"))
		return;
	rec = tt_rec(h);
	if (rec && atomic_inc_return(&rec->finalized) > 1)
		tt_error(TT_ERR_DOUBLE_FINALIZE, "object %u of heap %s finalized twice",
			 h->id, h->th->name);
}

static void tt_release(void *obj)
{
	struct tt_hdr *h = obj;
	struct tt_rec *rec;

	if (!tt_cb_enter(h, "release"))
		return;
	rec = tt_rec(h);
	if (rec && atomic_inc_return(&rec->released) > 1)
		tt_error(TT_ERR_DOUBLE_RELEASE, "object %u of heap %s released twice",
			 h->id, h->th->name);
	atomic_inc(&h->th->released);
	WRITE_ONCE(h->magic, TT_OBJ_DEAD);
	tt_count(TT_OP_RELEASE);
}

static int tt_leaf_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	tt_cb_enter(obj, "traverse");
	return 0;
}

static void tt_leaf_clear(void *obj)
{
	tt_cb_enter(obj, "clear");
}

static const struct pymm_type tt_types[] = {
	[TT_NODE] = {
		.name = "tt_node",
		.size = sizeof(struct tt_node),
		.traverse = tt_node_traverse,
		.clear = tt_node_clear,
		.release = tt_release,
	},
	[TT_FIN] = {
		.name = "tt_fin",
		.size = sizeof(struct tt_node),
		.traverse = tt_node_traverse,
		.clear = tt_node_clear,
		.finalize = tt_finalize,
		.release = tt_release,
	},
	[TT_LEAF] = {
		.name = "tt_leaf",
		.size = sizeof(struct tt_hdr),
		.traverse = tt_leaf_traverse,
		.clear = tt_leaf_clear,
		.release = tt_release,
	},
	[TT_BIGLEAF] = {
		.name = "tt_bigleaf",
		.size = sizeof(struct tt_bigleaf),
		.traverse = tt_leaf_traverse,
		.clear = tt_leaf_clear,
		.finalize = tt_finalize,
		.release = tt_release,
	},
};

static void *tt_new(struct tt_th *th, enum tt_kind kind)
{
	struct tt_rec *rec = NULL;
	struct tt_hdr *h;
	u32 id = 0;

	if (th->recs) {
		id = atomic_inc_return(&th->next_id) - 1;
		if (id >= TT_MAX_IDS)
			return NULL;
		rec = &th->recs[id];
	}
	h = pymm_obj_new(th->heap, &tt_types[kind], GFP_KERNEL);
	if (!h) {
		tt_error(TT_ERR_ALLOC_FAIL, "pymm_obj_new(%s, %s, GFP_KERNEL) returned NULL",
			 th->name, tt_types[kind].name);
		return NULL;
	}
	h->kind = kind;
	h->id = id;
	h->th = th;
	/* The magic last: a traverse() that sees it sees the rest. */
	smp_store_release(&h->magic, TT_OBJ_MAGIC);
	if (rec) {
		rec->leaf = tt_is_leaf(h);
		rec->used = true;
	}
	atomic_inc(&th->created);
	tt_count(TT_OP_OBJ_NEW);
	return h;
}

/* An object reached under pymm_lock(): intact and never released? */
static bool tt_reached(const struct tt_hdr *h)
{
	struct tt_rec *rec;

	if (h->magic != TT_OBJ_MAGIC) {
		tt_error(TT_ERR_BAD_MAGIC, "reachable object %p: magic %#x",
			 h, h->magic);
		return false;
	}
	rec = tt_rec(h);
	if (rec && atomic_read(&rec->released)) {
		tt_error(TT_ERR_REACHABLE_FREED,
			 "object %u of heap %s is reachable but was released",
			 h->id, h->th->name);
		return false;
	}
	return true;
}

static bool tt_lq_push(struct tt_hdr *h, struct rnd_state *rnd)
{
	struct tt_lq *q = &tt_lqs[tt_rand(rnd, TT_NLQ)];
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&q->lock, flags);
	ok = q->n < TT_LQLEN;
	if (ok)
		q->o[(q->head + q->n++) % TT_LQLEN] = h;
	spin_unlock_irqrestore(&q->lock, flags);
	return ok;
}

static struct tt_hdr *tt_lq_pop(struct tt_lq *q)
{
	struct tt_hdr *h = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (q->n) {
		h = q->o[q->head];
		q->head = (q->head + 1) % TT_LQLEN;
		q->n--;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return h;
}

/* Put a held reference; the record outlives the object. */
static void tt_leaf_drop(struct tt_hdr *h, enum tt_op op)
{
	struct tt_rec *rec = tt_rec(h);

	pymm_put(h);
	atomic_dec(&rec->ext);
	tt_count(op);
}

/* Under pymm_lock(): hand a new reference to @h to another context. */
static void tt_leaf_hold(struct tt_hdr *h, struct rnd_state *rnd)
{
	struct tt_rec *rec = tt_rec(h);

	atomic_inc(&rec->ext);
	pymm_get(h);
	if (!tt_lq_push(h, rnd)) {
		tt_leaf_drop(h, TT_OP_DROP_TASK);
		return;
	}
	tt_count(TT_OP_HOLD);
}

void tt_obj_irq(struct rnd_state *rnd, bool hardirq)
{
	struct tt_hdr *h = tt_lq_pop(&tt_lqs[tt_rand(rnd, TT_NLQ)]);

	if (!h)
		return;
	if (h->magic != TT_OBJ_MAGIC)
		tt_error(TT_ERR_BAD_MAGIC, "held leaf %p: magic %#x", h,
			 h->magic);
	if (hardirq && tt_rand(rnd, 2)) {
		pymm_get(h);
		pymm_put(h);
		tt_count(TT_OP_IRQ_GETPUT);
	}
	/* Some references stay held a while longer. */
	if (!tt_rand(rnd, 4) && tt_lq_push(h, rnd))
		return;
	tt_leaf_drop(h, hardirq ? TT_OP_DROP_HARDIRQ : TT_OP_DROP_SOFTIRQ);
}

/*
 * One relink under pymm_lock().  Fresh objects come from *@nn and *@nl
 * (taken when used); references to drop go to @puts, or are put at once.
 */
static void tt_mutate(struct tt_th *th, struct rnd_state *rnd,
		      struct tt_node **nn, struct tt_hdr **nl, void **puts,
		      unsigned int *nputs)
{
	unsigned int r = tt_rand(rnd, TT_ROOTS), d, depth, len = 0, j;
	struct tt_node *path[8], *cur = th->roots[r];
	struct tt_hdr *leaf = NULL, *x;
	void *old, *new = NULL;

	if (!cur) {
		th->roots[r] = *nn;
		*nn = NULL;
		return;
	}
	if (!tt_reached(&cur->h))
		return;
	path[len++] = cur;
	depth = tt_rand(rnd, ARRAY_SIZE(path));
	for (d = 0; d < depth; d++) {
		x = cur->ref[tt_rand(rnd, TT_REFS)];
		if (!x)
			break;
		if (!tt_reached(x))
			return;
		if (tt_is_leaf(x)) {
			leaf = x;
			break;
		}
		cur = (struct tt_node *)x;
		path[len++] = cur;
	}
	tt_count(TT_OP_MUTATE);
	switch (tt_rand(rnd, 10)) {
	case 0:
	case 1:
		new = *nn;
		*nn = NULL;
		break;
	case 2:
	case 3:
		new = pymm_get(path[tt_rand(rnd, len)]);
		break;
	case 4:
		new = th->roots[tt_rand(rnd, TT_ROOTS)];
		if (new)
			pymm_get(new);
		break;
	case 5:
		new = *nl;
		*nl = NULL;
		break;
	case 6:
		break;
	case 7:
		puts[(*nputs)++] = th->roots[r];
		th->roots[r] = NULL;
		return;
	default:
		if (leaf)
			tt_leaf_hold(leaf, rnd);
		return;
	}
	j = tt_rand(rnd, TT_REFS);
	old = cur->ref[j];
	cur->ref[j] = new;
	if (tt_rand(rnd, 2))
		pymm_put(old);		/* under the lock: deferred if last */
	else
		puts[(*nputs)++] = old;
}

#define TT_MUTATIONS	8

static void tt_mutate_some(struct tt_th *th, struct rnd_state *rnd)
{
	struct tt_node *nn = tt_new(th, tt_rand(rnd, 4) ? TT_NODE : TT_FIN);
	struct tt_hdr *nl = tt_new(th, tt_rand(rnd, 8) ? TT_LEAF : TT_BIGLEAF);
	void *puts[TT_MUTATIONS];
	unsigned int i, nputs = 0;

	pymm_lock(th->heap);
	for (i = 0; i < TT_MUTATIONS; i++)
		tt_mutate(th, rnd, &nn, &nl, puts, &nputs);
	pymm_unlock(th->heap);
	for (i = 0; i < nputs; i++)
		pymm_put(puts[i]);
	pymm_put(nn);
	pymm_put(nl);
}

static int tt_mutator(void *arg)
{
	struct rnd_state rnd;
	struct tt_slot *s;
	struct tt_hdr *h;

	tt_rnd_init(&rnd, 2000 + (unsigned long)arg);
	while (!kthread_should_stop()) {
		s = &tt_slots[tt_rand(&rnd, tt_heaps)];
		down_read(&s->rwsem);
		if (s->th)
			tt_mutate_some(s->th, &rnd);
		up_read(&s->rwsem);
		/* Mostly the timers put held leaves: let them pile up. */
		h = tt_rand(&rnd, 64) ? NULL :
		    tt_lq_pop(&tt_lqs[tt_rand(&rnd, TT_NLQ)]);
		if (h)
			tt_leaf_drop(h, TT_OP_DROP_TASK);
		tt_wander(&rnd);
		cond_resched();
	}
	return 0;
}

static struct tt_th *tt_th_new(const char *name, bool recs)
{
	struct tt_th *th = kzalloc(sizeof(*th), GFP_KERNEL);

	if (!th)
		return NULL;
	strscpy(th->name, name, sizeof(th->name));
	if (recs) {
		th->recs = kvcalloc(TT_MAX_IDS, sizeof(*th->recs), GFP_KERNEL);
		if (!th->recs) {
			kfree(th);
			return NULL;
		}
	}
	th->heap = pymm_heap_create(th->name);
	if (IS_ERR(th->heap)) {
		tt_error(TT_ERR_HEAP, "pymm_heap_create(%s) = %ld", th->name,
			 PTR_ERR(th->heap));
		kvfree(th->recs);
		kfree(th);
		return NULL;
	}
	mutex_lock(&tt_th_lock);
	list_add_tail(&th->node, &tt_all_th);
	mutex_unlock(&tt_th_lock);
	return th;
}

/*
 * Destroy the slot's heap while its leaves may still be held elsewhere;
 * then check what was released.  Called with the slot's rwsem held for
 * writing, so no mutator is in the heap.
 */
static void tt_destroy(struct tt_slot *s)
{
	struct tt_th *th = s->th;
	void *roots[TT_ROOTS];
	struct tt_rec *rec;
	unsigned int i, n;

	if (!th)
		return;
	s->th = NULL;
	pymm_lock(th->heap);
	memcpy(roots, th->roots, sizeof(roots));
	memset(th->roots, 0, sizeof(th->roots));
	pymm_unlock(th->heap);
	for (i = 0; i < TT_ROOTS; i++)
		pymm_put(roots[i]);
	n = min_t(unsigned int, atomic_read(&th->next_id), TT_MAX_IDS);
	for (i = 0; i < n; i++)
		th->recs[i].snap = atomic_read(&th->recs[i].ext);

	pymm_heap_destroy(th->heap);
	atomic_set(&th->destroyed, 1);
	tt_count(TT_OP_HEAP_CYCLE);

	for (i = 0; i < n; i++) {
		rec = &th->recs[i];
		if (!rec->used || atomic_read(&rec->released))
			continue;
		if (!rec->leaf)
			tt_error(TT_ERR_NOT_RELEASED,
				 "node %u of heap %s: unreachable, but pymm_heap_destroy() returned without releasing it",
				 i, th->name);
		else if (!rec->snap)
			tt_error(TT_ERR_NOT_RELEASED,
				 "leaf %u of heap %s: unreferenced, but pymm_heap_destroy() returned without releasing it",
				 i, th->name);
		else
			tt_count(TT_OP_ORPHAN);
	}
}

static void tt_cycle(struct tt_slot *s)
{
	char name[24];

	down_write(&s->rwsem);
	tt_destroy(s);
	snprintf(name, sizeof(name), "tt%ld_%u", (long)(s - tt_slots), s->gen++);
	s->th = tt_th_new(name, true);
	up_write(&s->rwsem);
}

/* Explicit collections, freezes and thresholds on a random heap. */
static void tt_poke_heap(struct tt_slot *s, struct rnd_state *rnd)
{
	struct tt_th *th;
	long ret;

	down_read(&s->rwsem);
	th = s->th;
	if (!th)
		goto out;
	switch (tt_rand(rnd, 8)) {
	case 0:
		pymm_freeze(th->heap);
		tt_nap(10);
		pymm_unfreeze(th->heap);
		tt_count(TT_OP_FREEZE);
		break;
	case 1:
		pymm_set_threshold(th->heap, 1 + tt_rand(rnd, 1000),
				   1 + tt_rand(rnd, 10), 1 + tt_rand(rnd, 10));
		tt_count(TT_OP_THRESHOLD);
		break;
	default:
		ret = pymm_collect(th->heap, tt_rand(rnd, 3));
		if (ret < 0)
			tt_error(TT_ERR_COLLECT, "pymm_collect(%s) = %ld",
				 th->name, ret);
		tt_count(TT_OP_COLLECT);
		break;
	}
out:
	up_read(&s->rwsem);
}

static int tt_cycler(void *arg)
{
	unsigned int next = 0;
	struct rnd_state rnd;

	tt_rnd_init(&rnd, 3000);
	while (!kthread_should_stop()) {
		tt_nap(tt_heap_ms / 2 + tt_rand(&rnd, tt_heap_ms + 1));
		if (kthread_should_stop())
			break;
		tt_poke_heap(&tt_slots[tt_rand(&rnd, tt_heaps)], &rnd);
		tt_cycle(&tt_slots[next++ % tt_heaps]);
	}
	return 0;
}

/* Released objects of @th, waiting up to @ms for them to reach @want. */
static int tt_wait_released(struct tt_th *th, int want, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	int got;

	while ((got = atomic_read(&th->released)) < want &&
	       time_before(jiffies, end) && !kthread_should_stop())
		msleep(20);
	return got;
}

static void tt_autogc_round(struct tt_th *th)
{
	int base = atomic_read(&th->released), made = 0, got, want;
	struct tt_node *n;
	unsigned int i;
	long ret;

	for (i = 0; i < tt_autogc_objs && !kthread_should_stop(); i++) {
		n = tt_new(th, TT_NODE);
		if (!n)
			break;
		pymm_lock(th->heap);
		n->ref[0] = pymm_get(n);
		pymm_unlock(th->heap);
		pymm_put(n);
		made++;
		if (!(i % 256))
			cond_resched();
	}
	want = made - made / 20;
	got = tt_wait_released(th, base + want, tt_autogc_ms) - base;
	if (kthread_should_stop())
		return;
	tt_count(TT_OP_AUTOGC_ROUND);
	if (made == tt_autogc_objs && got < want) {
		/* Slow, or stalled?  Only a stall is an error. */
		tt_count(TT_OP_AUTOGC_LATE);
		got = tt_wait_released(th, base + want, tt_autogc_stall_ms) -
		      base;
		if (got < want && !kthread_should_stop())
			tt_error(TT_ERR_AUTOGC,
				 "%d of %d garbage self-cycles reclaimed by automatic collection within %u ms",
				 got, made, tt_autogc_stall_ms);
	}
	ret = pymm_collect(th->heap, 2);
	if (ret < 0)
		tt_error(TT_ERR_COLLECT, "pymm_collect(%s) = %ld", th->name,
			 ret);
	got = tt_wait_released(th, base + made, tt_autogc_stall_ms) - base;
	if (got != made && !kthread_should_stop())
		tt_error(TT_ERR_NOT_RELEASED,
			 "%d of %d garbage self-cycles released after a full collection",
			 got, made);
}

static int tt_autogc(void *arg)
{
	struct tt_th *th = tt_th_new("tt_auto", false);

	while (th && !kthread_should_stop()) {
		tt_autogc_round(th);
		tt_nap(100);
	}
	if (th) {
		pymm_heap_destroy(th->heap);
		atomic_set(&th->destroyed, 1);
		if (atomic_read(&th->released) != atomic_read(&th->created))
			tt_error(TT_ERR_NOT_RELEASED, "heap %s: %d objects created, %d released",
				 th->name, atomic_read(&th->created),
				 atomic_read(&th->released));
	}
	while (!kthread_should_stop())
		tt_nap(100);
	return 0;
}

void tt_obj_init(void)
{
	unsigned int i;

	for (i = 0; i < TT_NLQ; i++)
		spin_lock_init(&tt_lqs[i].lock);
	for (i = 0; i < TT_MAX_HEAPS; i++)
		init_rwsem(&tt_slots[i].rwsem);
}

int tt_obj_start(void)
{
	unsigned int i, j, idx = 0;
	int cpu, err;

	if (tt_parts & TT_PART_AUTOGC) {
		err = tt_spawn(tt_autogc, NULL, -1, "autogc", 0);
		if (err)
			return err;
	}
	if (!(tt_parts & TT_PART_OBJ))
		return 0;
	for (i = 0; i < tt_heaps; i++)
		tt_cycle(&tt_slots[i]);
	for_each_online_cpu(cpu) {
		for (j = 0; j < tt_nthreads; j++, idx++) {
			err = tt_spawn(tt_mutator, (void *)(unsigned long)idx,
				       cpu, "mutator", idx);
			if (err)
				return err;
		}
	}
	return tt_spawn(tt_cycler, NULL, -1, "cycler", 0);
}

/* After every thread and timer stopped. */
void tt_obj_stop(void)
{
	struct tt_th *th, *tmp;
	struct tt_hdr *h;
	unsigned int i;
	bool keep;

	for (i = 0; i < TT_NLQ; i++)
		while ((h = tt_lq_pop(&tt_lqs[i])))
			tt_leaf_drop(h, TT_OP_DROP_TASK);
	for (i = 0; i < TT_MAX_HEAPS; i++) {
		down_write(&tt_slots[i].rwsem);
		tt_destroy(&tt_slots[i]);
		up_write(&tt_slots[i].rwsem);
	}
	/* Every held reference is back: no record may count one. */
	mutex_lock(&tt_th_lock);
	list_for_each_entry(th, &tt_all_th, node) {
		for (i = 0; th->recs && i < TT_MAX_IDS; i++) {
			if (atomic_read(&th->recs[i].ext))
				tt_error(TT_ERR_NOT_RELEASED,
					 "leaf %u of heap %s: %d held references left at the end",
					 i, th->name,
					 atomic_read(&th->recs[i].ext));
		}
	}
	/*
	 * A callback that ran after its heap's destroy may run again later:
	 * then keep the records it would write to.
	 */
	msleep(100);
	keep = tt_errors(TT_ERR_CB_AFTER_DESTROY);
	if (!keep) {
		list_for_each_entry_safe(th, tmp, &tt_all_th, node) {
			list_del(&th->node);
			kvfree(th->recs);
			kfree(th);
		}
	}
	mutex_unlock(&tt_th_lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_demo.ko: a small client of pymm, for `make run`.
 *
 * Allocator: at load it plays a workload shaped like a program's small
 * objects: mostly small structs and short strings, some buffers, a few large
 * blocks; objects are created, grown with pymm_realloc(), and most die
 * young.  It checks every block's contents before freeing it, keeps a
 * working set live so that the statistics have something to show, and frees
 * it at unload.
 *
 * Objects: it defines two container types, a list node (rings of them are
 * cycles) and a map of named entries, and builds "documents": a map whose
 * entries hold a ring of nodes, the map itself ("self") and the previous
 * document.  Each round builds documents and drops them, leaving cycles
 * only the collector can reclaim; the heap's thresholds collect them as
 * allocation goes on.  A working set of documents stays reachable from a
 * root map until `make run` has shown the "gc" file, asked for a full
 * collection through debugfs, and unloaded the module.
 */
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <pymm.h>

#define DEMO_SLOTS	4096
#define DEMO_RING	8
#define DEMO_DOCS	100
#define DEMO_GC_ROUNDS	20
#define DEMO_ROUNDS	200000

struct demo_obj {
	u8 *p;
	u32 size;
	u8 tag;
};

static struct demo_obj *demo_objs;
static struct rnd_state demo_rnd;
static unsigned long demo_bad;

/* Sizes as small objects come: many tiny, fewer medium, rare large. */
static u32 demo_size(void)
{
	u32 r = prandom_u32_state(&demo_rnd) % 100;

	if (r < 50)
		return 1 + prandom_u32_state(&demo_rnd) % 64;
	if (r < 85)
		return 65 + prandom_u32_state(&demo_rnd) % 192;
	if (r < 98)
		return 257 + prandom_u32_state(&demo_rnd) % 256;
	return 513 + prandom_u32_state(&demo_rnd) % 3584;
}

static void demo_check(struct demo_obj *o)
{
	u32 i;

	for (i = 0; i < o->size; i++) {
		if (o->p[i] != o->tag) {
			demo_bad++;
			return;
		}
	}
}

static void demo_drop(struct demo_obj *o)
{
	if (!o->p)
		return;
	demo_check(o);
	pymm_free(o->p);
	o->p = NULL;
}

static void demo_round(void)
{
	struct demo_obj *o = &demo_objs[prandom_u32_state(&demo_rnd) %
					 DEMO_SLOTS];
	u32 size;
	u8 *p;

	if (o->p && prandom_u32_state(&demo_rnd) % 4 == 0) {
		/* Grow (or shrink) in place of a fresh object. */
		demo_check(o);
		size = demo_size();
		p = pymm_realloc(o->p, size, GFP_KERNEL);
		if (!p)
			return;
		memset(p, o->tag, size);
		o->p = p;
		o->size = size;
		return;
	}
	demo_drop(o);
	size = demo_size();
	p = pymm_malloc(size, GFP_KERNEL);
	if (!p)
		return;
	o->p = p;
	o->size = size;
	o->tag = prandom_u32_state(&demo_rnd);
	memset(p, o->tag, size);
}

/* A node of a doubly linked ring: both links are strong references. */
struct demo_node {
	struct demo_node *next;
	struct demo_node *prev;
	u32 value;
};

static int demo_node_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	struct demo_node *n = obj;
	int err;

	err = visit(n->next, arg);
	return err ? err : visit(n->prev, arg);
}

static void demo_node_clear(void *obj)
{
	struct demo_node *n = obj;

	pymm_put(n->next);
	n->next = NULL;
	pymm_put(n->prev);
	n->prev = NULL;
}

static const struct pymm_type demo_node_type = {
	.name = "demo_node",
	.size = sizeof(struct demo_node),
	.traverse = demo_node_traverse,
	.clear = demo_node_clear,
};

#define DEMO_MAP_SIZE	4

/* A small map from names to objects, each entry a strong reference. */
struct demo_map {
	struct {
		char name[12];
		void *value;
	} entries[DEMO_MAP_SIZE];
};

static int demo_map_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	struct demo_map *m = obj;
	int i, err;

	for (i = 0; i < DEMO_MAP_SIZE; i++) {
		err = visit(m->entries[i].value, arg);
		if (err)
			return err;
	}
	return 0;
}

static void demo_map_clear(void *obj)
{
	struct demo_map *m = obj;
	int i;

	for (i = 0; i < DEMO_MAP_SIZE; i++) {
		pymm_put(m->entries[i].value);
		m->entries[i].value = NULL;
	}
}

static unsigned long demo_maps_released;

static void demo_map_release(void *obj)
{
	demo_maps_released++;
}

static const struct pymm_type demo_map_type = {
	.name = "demo_map",
	.size = sizeof(struct demo_map),
	.traverse = demo_map_traverse,
	.clear = demo_map_clear,
	.release = demo_map_release,
};

static struct pymm_heap *demo_heap;
static struct demo_map *demo_root;

/* Set entry @i of @m to a new reference to @value (under the heap lock). */
static void demo_map_set(struct demo_map *m, int i, const char *name,
			 void *value)
{
	void *old = m->entries[i].value;

	strscpy(m->entries[i].name, name, sizeof(m->entries[i].name));
	m->entries[i].value = value ? pymm_get(value) : NULL;
	pymm_put(old);
}

/* A ring of DEMO_RING nodes; returns a reference to one of them. */
static struct demo_node *demo_ring(void)
{
	struct demo_node *first, *n, *prev;
	int i;

	first = pymm_obj_new(demo_heap, &demo_node_type, GFP_KERNEL);
	if (!first)
		return NULL;
	prev = first;
	for (i = 1; i < DEMO_RING; i++) {
		n = pymm_obj_new(demo_heap, &demo_node_type, GFP_KERNEL);
		if (!n)
			break;
		n->value = i;
		n->prev = pymm_get(prev);
		prev->next = n;		/* the reference from pymm_obj_new() */
		prev = n;
	}
	prev->next = pymm_get(first);
	first->prev = pymm_get(prev);
	return first;
}

/* A document: {"ring": ring, "self": doc, "prev": @prev}. */
static struct demo_map *demo_doc(struct demo_map *prev)
{
	struct demo_map *doc;
	struct demo_node *ring;

	doc = pymm_obj_new(demo_heap, &demo_map_type, GFP_KERNEL);
	if (!doc)
		return NULL;
	ring = demo_ring();
	pymm_lock(demo_heap);
	demo_map_set(doc, 0, "ring", ring);
	demo_map_set(doc, 1, "self", doc);
	demo_map_set(doc, 2, "prev", prev);
	pymm_unlock(demo_heap);
	pymm_put(ring);
	return doc;
}

/* Build a chain of documents; returns a reference to the last one. */
static struct demo_map *demo_chain(unsigned int n)
{
	struct demo_map *doc = NULL, *next;

	while (n--) {
		next = demo_doc(doc);
		pymm_put(doc);
		doc = next;
		if (!doc)
			break;
	}
	return doc;
}

static int demo_gc_init(void)
{
	struct demo_map *keep;
	unsigned int i;

	demo_heap = pymm_heap_create("demo");
	if (IS_ERR(demo_heap))
		return PTR_ERR(demo_heap);
	demo_root = pymm_obj_new(demo_heap, &demo_map_type, GFP_KERNEL);
	if (!demo_root) {
		pymm_heap_destroy(demo_heap);
		return -ENOMEM;
	}
	/* Garbage cycles, reclaimed by the thresholds as allocation goes on. */
	for (i = 0; i < DEMO_GC_ROUNDS; i++)
		pymm_put(demo_chain(DEMO_DOCS));
	/* A working set, reachable from the root until unload. */
	keep = demo_chain(DEMO_DOCS);
	pymm_lock(demo_heap);
	demo_map_set(demo_root, 0, "docs", keep);
	pymm_unlock(demo_heap);
	pymm_put(keep);
	/* And one more batch of garbage, for the explicit collection. */
	pymm_put(demo_chain(DEMO_DOCS / 2));
	pr_info("pymm_demo: built %u documents of %u objects, %lu maps released so far\n",
		(DEMO_GC_ROUNDS + 1) * DEMO_DOCS + DEMO_DOCS / 2, DEMO_RING + 1,
		demo_maps_released);
	return 0;
}

static void demo_gc_exit(void)
{
	long n;

	pymm_put(demo_root);
	n = pymm_collect(demo_heap, 2);
	pr_info("pymm_demo: final collection freed %ld objects, %lu maps released in all\n",
		n, demo_maps_released);
	pymm_heap_destroy(demo_heap);
}

static int __init demo_init(void)
{
	unsigned int i;
	int err;

	demo_objs = kcalloc(DEMO_SLOTS, sizeof(*demo_objs), GFP_KERNEL);
	if (!demo_objs)
		return -ENOMEM;
	prandom_seed_state(&demo_rnd, 42);
	for (i = 0; i < DEMO_ROUNDS; i++) {
		demo_round();
		if (i % 1024 == 0)
			cond_resched();
	}
	/* Most objects die young: drop three quarters of the survivors. */
	for (i = 0; i < DEMO_SLOTS; i++)
		if (i % 4)
			demo_drop(&demo_objs[i]);
	pr_info("pymm_demo: %u operations, %lu content errors, working set kept until unload\n",
		DEMO_ROUNDS, demo_bad);
	err = demo_gc_init();
	if (err) {
		for (i = 0; i < DEMO_SLOTS; i++)
			demo_drop(&demo_objs[i]);
		kfree(demo_objs);
	}
	return err;
}

static void __exit demo_exit(void)
{
	unsigned int i;

	demo_gc_exit();
	for (i = 0; i < DEMO_SLOTS; i++)
		demo_drop(&demo_objs[i]);
	kfree(demo_objs);
	pr_info("pymm_demo: freed working set, %lu content errors\n", demo_bad);
}

module_init(demo_init);
module_exit(demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pymm demo client: a realistic mix of allocations");

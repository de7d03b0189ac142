// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_demo.ko: a small client of pymm, for `make run`.
 *
 * At load it plays a workload shaped like a program's small objects:
 * mostly small structs and short strings, some buffers, a few large
 * blocks; objects are created, grown with pymm_realloc(), and most die
 * young.  It checks every block's contents before freeing it, keeps a
 * working set live so that the statistics have something to show, and frees
 * it at unload.
 */
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <pymm.h>

#define DEMO_SLOTS	4096
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

static int __init demo_init(void)
{
	unsigned int i;

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
	return 0;
}

static void __exit demo_exit(void)
{
	unsigned int i;

	for (i = 0; i < DEMO_SLOTS; i++)
		demo_drop(&demo_objs[i]);
	kfree(demo_objs);
	pr_info("pymm_demo: freed working set, %lu content errors\n", demo_bad);
}

module_init(demo_init);
module_exit(demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pymm demo client: a realistic mix of allocations");

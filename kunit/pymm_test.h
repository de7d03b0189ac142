/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit layer of the test helpers (util.c), shared by every suite,
 * gc_util.h's included.  Below it, mod/testlib.h (built in through
 * testlib.c) has what needs no KUnit: the one file reader and writer, the
 * line splitter, the summary parser and the expect-WARN markers.  Here sit
 * what asserts or lends a KUnit case something: the debugfs parsers that
 * fail the test (summary, classes, arenas), the mm a kthread borrows for
 * files read and written as read(2)/write(2) do, a bag of blocks freed
 * whatever way a test ends, draining a class, filling arenas, the
 * shrinkers, fault injection, and the baseline a case must leave behind.
 *
 * The tests see pymm only through include/pymm.h and its debugfs files, so
 * this header also states the layout facts the tests rely on: a pool is one
 * page, an arena is 64 naturally aligned pages, and in debug mode every
 * block sits 8 bytes into a slot of size + 16 bytes.
 */
#ifndef _PYMM_TEST_H
#define _PYMM_TEST_H

#include <kunit/test.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <pymm.h>

#include "../mod/compat.h"
#include "../mod/testlib.h"

#define PT_ARENA_POOLS		64
#define PT_ARENA_SIZE		(PT_ARENA_POOLS * PAGE_SIZE)
/* Debug mode: red zone bytes on each side of a block. */
#define PT_RZ			8

#define PT_DEBUG_PARAM		TL_PARAM("debug")

/* kasan_test.c runs where generic KASAN has its KUnit helpers built in. */
#define KT_RUNNABLE	(IS_ENABLED(CONFIG_KASAN_GENERIC) && \
			 IS_ENABLED(CONFIG_KASAN_KUNIT_TEST))

#if KT_RUNNABLE
/* Exported by mm/kasan/report.c, declared only in mm/kasan/kasan.h. */
void kasan_kunit_test_suite_start(void);
void kasan_kunit_test_suite_end(void);
bool kasan_save_enable_multi_shot(void);
void kasan_restore_multi_shot(bool enabled);
#else
static inline void kasan_kunit_test_suite_start(void) { }
static inline void kasan_kunit_test_suite_end(void) { }
static inline bool kasan_save_enable_multi_shot(void) { return false; }
static inline void kasan_restore_multi_shot(bool enabled) { }
#endif

/*
 * tl_read_file() and tl_write_file() with TL_USER_BUF, as read(2) and
 * write(2) do, for the files that implement only ->read and ->write (a
 * heap's threshold, enabled, collect, freeze): a KUnit case runs in a
 * kthread without an mm, so one is lent to it for the call.
 */
ssize_t pt_read_user(const char *path, char *buf, size_t size);
int pt_write_user(const char *path, const char *s);

/* Mode of the loaded pymm.ko, from its module parameter. */
bool pt_debug(struct kunit *test);

static inline unsigned int pt_size_class(size_t size)
{
	return (size - 1) / PYMM_ALIGN;
}

static inline unsigned int pt_class_size(unsigned int cls)
{
	return (cls + 1) * PYMM_ALIGN;
}

/* Distance between blocks of a pool of class @cls. */
unsigned int pt_stride(struct kunit *test, unsigned int cls);
/* Page offset of the first block of a pool. */
unsigned int pt_first(struct kunit *test);
/* Blocks per pool of class @cls. */
unsigned int pt_capacity(struct kunit *test, unsigned int cls);

static inline unsigned long pt_page(const void *p)
{
	return (unsigned long)p & PAGE_MASK;
}

static inline unsigned int pt_offset(const void *p)
{
	return (unsigned long)p & ~PAGE_MASK;
}

static inline unsigned long pt_arena_base(const void *p)
{
	return (unsigned long)p & ~(PT_ARENA_SIZE - 1);
}

/*
 * Copy @n bytes of memory the test knows to be free, on purpose (to check
 * that pymm left it alone): KASAN must not report this read.
 */
static inline void pt_peek(void *dst, const void *src, size_t n)
{
	kasan_disable_current();
	memcpy(dst, src, n);
	kasan_enable_current();
}

/*
 * Damage memory on purpose (a red zone, a freed block) to test pymm's own
 * checks: a memset() that KASAN must not report.
 */
static inline void pt_poke(void *dst, u8 byte, size_t n)
{
	kasan_disable_current();
	memset(dst, byte, n);
	kasan_enable_current();
}

/* A byte pattern that depends on the position, so shifted copies show. */
static inline u8 pt_pattern_byte(unsigned int seed, size_t i)
{
	return seed + i * 13 + (i >> 8);
}

static inline void pt_fill_pattern(void *p, size_t n, unsigned int seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pt_pattern_byte(seed, i);
}

/* Index of the first byte that differs from the pattern, or -1. */
static inline long pt_check_pattern(const void *p, size_t n,
				    unsigned int seed)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != pt_pattern_byte(seed, i))
			return i;
	return -1;
}

/* The string debugfs "arenas" prints for an arena at @base. */
void pt_fmt_base(char *buf, size_t size, unsigned long base);

/* debugfs "summary" (tl_parse_summary()), or fail the test. */
void pt_read_summary(struct kunit *test, struct tl_summary *s);
/* One row of it. */
long long pt_summary(struct kunit *test, enum tl_sum row);

/* debugfs "classes": one row per class that has pools or allocated. */
struct pt_class_row {
	bool present;
	unsigned long size, pools, inuse, free, allocs, frees;
};

struct pt_classes {
	struct pt_class_row c[PYMM_NR_CLASSES];
	struct pt_class_row total;
	unsigned int nrows;
};

void pt_read_classes(struct kunit *test, struct pt_classes *c);

/* debugfs "arenas". */
struct pt_arena_row {
	char base[24];
	unsigned int pools, free;
};

#define PT_MAX_ARENAS	1024

struct pt_arenas {
	unsigned int n;
	struct pt_arena_row rows[PT_MAX_ARENAS];
};

/* Allocated for the test's lifetime (freed by KUnit). */
struct pt_arenas *pt_arenas_alloc(struct kunit *test);
void pt_read_arenas(struct kunit *test, struct pt_arenas *a);
/* Sum of the pools column. */
long long pt_arenas_pages(const struct pt_arenas *a);
/* Sum of the free column. */
unsigned int pt_arenas_free_pools(const struct pt_arenas *a);
/* Row index of the arena at @base, or -1. */
int pt_arena_find(const struct pt_arenas *a, unsigned long base);
/* Assert the documented order: usable by free ascending, cached, full. */
void pt_check_arena_order(struct kunit *test, const struct pt_arenas *a,
			  bool cached);

/*
 * A bag of pymm blocks owned by a test.  Whatever is still in it when the
 * test ends (also after a failed assertion) is freed by a KUnit action.
 */
struct pt_blocks {
	unsigned int n, max;
	void **p;
};

struct pt_blocks *pt_blocks_new(struct kunit *test, unsigned int max);
/* Allocate and record a block; asserts success and room in the bag. */
void *pt_blocks_alloc(struct kunit *test, struct pt_blocks *b, size_t size,
		      gfp_t gfp);
/* Record a block allocated elsewhere (NULL is ignored). */
void pt_blocks_add(struct kunit *test, struct pt_blocks *b, void *p);
void pt_blocks_free(struct pt_blocks *b, unsigned int i);
void pt_blocks_free_all(struct pt_blocks *b);

/*
 * Suite .init of the cases that look at pools and arenas: the case runs on
 * the CPU it started on, so that its allocations and frees all go through
 * that CPU's current pools.
 */
int pt_pin_cpu(struct kunit *test);

/*
 * Use up every free block of class @cls, so that its next allocation
 * takes a fresh pool.  On SMP every CPU's current pool is first handed
 * back (pt_drop_slab()), so that all of them are this CPU's to use up.  The blocks go
 * into @b.  Returns how many.
 */
unsigned int pt_drain_class(struct kunit *test, struct pt_blocks *b,
			    unsigned int cls);

/*
 * Leave class @cls with a pool holding exactly one block, in an arena that
 * also holds a full pool of the class (so the arena cannot go empty), and
 * that is no CPU's current pool (pt_drop_slab() hands those back).
 * Returns that block, the last one put into @b.
 */
void *pt_pool_with_anchor(struct kunit *test, struct pt_blocks *b,
			  unsigned int cls);

/*
 * Fill whole pools of class @cls until @nr arenas consist only of pools
 * filled here.  The class is drained first.  Every block goes into
 * @fill->blocks; pool i of owned arena a starts at blocks index
 * @fill->pool[a][i].
 */
struct pt_fill {
	struct pt_blocks *blocks;
	unsigned int cls, cap;
	unsigned int nr;
	unsigned long base[4];
	unsigned int pool[4][PT_ARENA_POOLS];
};

void pt_fill_arenas(struct kunit *test, struct pt_fill *fill,
		    unsigned int cls, unsigned int nr);
/* Free every block of pool @idx of owned arena @a. */
void pt_fill_free_pool(struct pt_fill *fill, unsigned int a, unsigned int idx);

/* kvfree() as a KUnit action. */
void pt_kvfree_action(void *p);

/*
 * Fault injection for the current task: make_it_fail (armed by the
 * harness for fail_page_alloc and failslab) and fail_nth (fail the n-th
 * next injectable call, whatever the arming).  No-ops without
 * CONFIG_FAULT_INJECTION; the tests then skip.
 */
static inline void pt_make_it_fail(bool on)
{
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = on;
#endif
}

static inline void pt_set_fail_nth(unsigned int n)
{
#ifdef CONFIG_FAULT_INJECTION
	current->fail_nth = n;
#endif
}

static inline unsigned int pt_fail_nth(void)
{
#ifdef CONFIG_FAULT_INJECTION
	return current->fail_nth;
#else
	return 0;
#endif
}

/* Skip the test unless fault injection fails this task on request. */
void pt_require_fault_injection(struct kunit *test);

/* drop_caches=2: run the shrinkers.  pymm's gives back what it can, but
 * leaves the current pools with blocks in use where they are.
 */
void pt_run_shrinkers(struct kunit *test);
/* Hand every CPU's current pool back, as unload does, then run the
 * shrinkers: no CPU holds a pool of its own afterwards.
 */
void pt_drop_slab(struct kunit *test);

/*
 * What must be back once a case has freed all it allocated, read after the
 * shrinkers ran (every CPU's current pool handed back, the cached arena
 * freed): per class the pools and the blocks in use, the arenas and pages
 * pymm holds, and the summary's in-use, large-block and error counters.
 * The pools and pages count blocks where they are, not calls: a block
 * counted as freed that its pool still holds keeps the pool, and its
 * pages, from going back.
 */
struct pt_settled {
	struct tl_summary s;
	u32 pools[PYMM_NR_CLASSES];
	u32 inuse[PYMM_NR_CLASSES];
	long long pages;
	unsigned int arenas;
};

/* Run the shrinkers and take the baseline. */
void pt_settle(struct kunit *test, struct pt_settled *b);
/* Run the shrinkers and expect everything of @b back. */
void pt_expect_settled(struct kunit *test, const struct pt_settled *b);

#endif /* _PYMM_TEST_H */

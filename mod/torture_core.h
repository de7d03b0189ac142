/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm_torture.ko: what its files share.
 *
 * The module is a client of pymm like any other: it uses include/pymm.h,
 * the debugfs summary, drop_caches and pymm's sysfs parameters, nothing
 * else.  Its files are layers; each calls only the ones below it:
 *
 *   torture.c        init and exit: starts and stops the parts, runs the
 *                    shrinker and hotplug threads, checks for leaks
 *   torture_alloc.c  the allocator part: blocks, live set, queues, the
 *                    timer users (which also step the objects part) and
 *                    bad input
 *   torture_obj.c    the objects part: heaps, graphs, leaves handed to
 *                    other contexts, heap destroy and re-create, the
 *                    automatic collection probe
 *   torture_core.c   the parameters, the counters of operations and errors
 *                    and their report, the kthread registry, random
 *                    numbers, naps and moves between CPUs
 *   testlib.c        the test helpers every test module of pymm shares
 *                    (testlib.h): files, the summary, the expect-WARN
 *                    markers
 *
 * Invariants the torture keeps, so that any breach is pymm's:
 * - a block is in the live set from the moment pymm hands it out until
 *   just before it is given back; an allocation that returns a block
 *   already in the set was handed out twice;
 * - a block is only written by its current owner, and holds its stamp
 *   (owner, sequence number, size) and a pattern until it is freed;
 * - bad input is only ever made of blocks the injector owns, blocks of a
 *   size class (TT_INJECT_SIZE) and of kmalloc sizes that no other context
 *   allocates, and memory that is not pymm's.
 */
#ifndef _PYMM_TORTURE_CORE_H
#define _PYMM_TORTURE_CORE_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/prandom.h>
#include <linux/types.h>

#include <pymm.h>

#include "testlib.h"

/* Bits of the parts= parameter. */
#define TT_PART_ALLOC		BIT(0)	/* allocator kthreads */
#define TT_PART_IRQ		BIT(1)	/* hrtimer and timer_list users */
#define TT_PART_OBJ		BIT(2)	/* heaps, graphs, destroy + create */
#define TT_PART_INJECT		BIT(3)	/* bad input */
#define TT_PART_SHRINK		BIT(4)	/* drop_caches, release_free_pools */
#define TT_PART_HOTPLUG		BIT(5)	/* CPU offline and online */
#define TT_PART_AUTOGC		BIT(6)	/* automatic collection probe */
#define TT_PART_ALL		0x7f

/*
 * The injector's own size class: normal traffic never asks for these sizes,
 * so a block of this class freed by the injector stays free until the
 * injector allocates again.
 */
#define TT_INJECT_SIZE_MIN	497
#define TT_INJECT_SIZE		504

/* torture_core.c */

/* The parameters, set at insmod (torture.c clamps some before the run). */
extern unsigned int tt_duration, tt_nthreads, tt_parts, tt_timer_us;
extern unsigned int tt_heaps, tt_inject, tt_inject_ms, tt_shrink_ms;
extern unsigned int tt_hotplug_ms, tt_heap_ms, tt_autogc_objs, tt_autogc_ms;
extern unsigned int tt_autogc_stall_ms;
extern ulong tt_seed;

/* Operations, counted; their sum is the N of "N ops". */
enum tt_op {
	TT_OP_MALLOC,
	TT_OP_ZALLOC,
	TT_OP_REALLOC,
	TT_OP_FREE,
	TT_OP_FREE_XCPU,	/* freed on another CPU than allocated */
	TT_OP_USABLE,
	TT_OP_HANDOFF,		/* block passed through a queue */
	TT_OP_IRQS_OFF,		/* alloc/free with interrupts off */
	TT_OP_ATOMIC_FAIL,	/* GFP_ATOMIC returned NULL (allowed) */
	TT_OP_HARDIRQ,		/* allocator ops in hrtimer callbacks */
	TT_OP_SOFTIRQ,		/* allocator ops in timer_list callbacks */
	TT_OP_SHRINK,		/* drop_caches writes */
	TT_OP_OFFLINE,
	TT_OP_ONLINE,
	TT_OP_OBJ_NEW,
	TT_OP_MUTATE,
	TT_OP_HOLD,		/* leaf reference handed to another context */
	TT_OP_IRQ_GETPUT,	/* get + put pairs in hardirq */
	TT_OP_DROP_HARDIRQ,	/* held leaf put in hardirq */
	TT_OP_DROP_SOFTIRQ,
	TT_OP_DROP_TASK,
	TT_OP_COLLECT,
	TT_OP_FREEZE,
	TT_OP_THRESHOLD,
	TT_OP_HEAP_CYCLE,	/* heap destroyed and created again */
	TT_OP_RELEASE,
	TT_OP_ORPHAN,		/* leaf still held when its heap went */
	TT_OP_AUTOGC_ROUND,
	TT_OP_AUTOGC_LATE,	/* a round over autogc_ms, not stalled */
	TT_OP_INJ_DFREE,	/* double free, same CPU */
	TT_OP_INJ_DFREE_XCPU,	/* double free, another CPU */
	TT_OP_INJ_DFREE_OLDER,	/* double free of a block not at the head */
	TT_OP_INJ_DFREE_LARGE,
	TT_OP_INJ_MIDDLE,
	TT_OP_INJ_FOREIGN,
	TT_NR_OPS
};

/* Errors: any inconsistency found; their sum is the M of "M errors". */
enum tt_err {
	TT_ERR_STAMP,		/* block contents changed under its owner */
	TT_ERR_DUP,		/* block handed out while live */
	TT_ERR_ALLOC_FAIL,	/* GFP_KERNEL allocation failed */
	TT_ERR_ALIGN,
	TT_ERR_ZERO,		/* zalloc'd block not zeroed */
	TT_ERR_USABLE,		/* wrong usable size */
	TT_ERR_REALLOC,		/* realloc lost contents or misbehaved */
	TT_ERR_CB_AFTER_DESTROY,
	TT_ERR_CB_CONTEXT,	/* callback outside process context */
	TT_ERR_BAD_MAGIC,	/* object header of ours overwritten */
	TT_ERR_DOUBLE_RELEASE,
	TT_ERR_DOUBLE_FINALIZE,
	TT_ERR_REACHABLE_FREED,	/* reachable object already released */
	TT_ERR_NOT_RELEASED,	/* unreferenced object destroy did not release */
	TT_ERR_HEAP,		/* heap creation failed */
	TT_ERR_COLLECT,		/* pymm_collect() failed */
	TT_ERR_AUTOGC,		/* garbage left uncollected automatically */
	TT_ERR_INJ_COUNT,	/* err_* counters moved by other than injected */
	TT_ERR_INJ_RET,		/* a refused call returned something */
	TT_ERR_INJ_DAMAGE,	/* bad input changed a block it did not own */
	TT_ERR_LEAK,		/* blocks in use at the end, not at the start */
	TT_ERR_DEBUGFS,		/* summary unreadable */
	TT_ERR_HOTPLUG,		/* a CPU did not come back online */
	TT_NR_ERRS
};

extern atomic_long_t tt_ops[TT_NR_OPS];

static inline void tt_count(enum tt_op op)
{
	atomic_long_inc(&tt_ops[op]);
}

void tt_error(enum tt_err err, const char *fmt, ...) __printf(2, 3);
long tt_errors(enum tt_err err);

/* Sums of the counters, and one line of counts per kind, as printed. */
long tt_ops_total(void);
long tt_errors_total(void);
void tt_print_counts(void);

/*
 * Threads: made and started by tt_spawn(); tt_stop_threads() stops them
 * all, the last made first.
 */
int tt_spawn(int (*fn)(void *), void *arg, int cpu, const char *name,
	     int idx);
void tt_stop_threads(void);
void tt_rnd_init(struct rnd_state *rnd, unsigned int idx);

static inline u32 tt_rand(struct rnd_state *rnd, u32 n)
{
	return n ? prandom_u32_state(rnd) % n : 0;
}

/* Sleep @ms, waking early when the thread is to stop. */
void tt_nap(unsigned int ms);
/* Move the calling kthread to a random online CPU, now and then. */
int tt_move_to(unsigned int cpu);
void tt_wander(struct rnd_state *rnd);
/* A random online CPU other than @cpu, or @cpu if it is the only one. */
int tt_other_cpu(struct rnd_state *rnd, int cpu);

/* torture_obj.c, above torture_core.c */
void tt_obj_init(void);
int tt_obj_start(void);
void tt_obj_stop(void);
/* One step of the objects part from a timer: drop or get+put a leaf. */
void tt_obj_irq(struct rnd_state *rnd, bool hardirq);

/* torture_alloc.c, above torture_obj.c; called by torture.c */
void tt_alloc_init(void);
int tt_alloc_start(void);
void tt_alloc_stop(void);
void tt_timers_start(void);
void tt_timers_stop(void);
int tt_inject_start(void);

#endif /* _PYMM_TORTURE_CORE_H */

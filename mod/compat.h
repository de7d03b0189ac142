/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines pymm builds against (6.1, as
 * Debian 12 ships it, up to 6.12) lives here and nowhere else: the rest of
 * pymm is written against the 6.12 API, and on an older kernel this header
 * supplies that API from what the kernel has.  On 6.12 it defines only
 * pymm_shrinker_register() (shrinker_register(), then 0), PYMM_KERNEL_LINE,
 * pymm_assign_str() (__assign_str()) and PYMM_KUNIT_USER_MM (true).
 *
 * Where a difference is a macro, its absence is the test (#ifndef), so that
 * a backport is picked up; where it is a function or an export, or a macro
 * that changed its arguments, only the version tells, and the comment says
 * so.  Nothing here changes what pymm does on 6.12.
 *
 * It sits in mod/ because its users reach mod/: mod/shrink.c, mod/trace.h,
 * and the KUnit suites through kunit/pymm_test.h.  It is not installed with
 * include/pymm.h: clients of pymm never need it.  Its KUnit part is seen
 * only by files that include <kunit/test.h> first.
 */
#ifndef _PYMM_COMPAT_H
#define _PYMM_COMPAT_H

#include <linux/atomic.h>	/* 6.1's <linux/shrinker.h> lacks it */
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>

/*
 * The kernel line as a number, 601 for 6.1 and 612 for 6.12, for the few
 * differences only the version tells.  It is LINUX_VERSION_CODE without
 * the sublevel; checkpatch, written for code merged in the kernel, flags
 * every use of that name.
 */
#define PYMM_KERNEL_LINE	\
	(LINUX_VERSION_MAJOR * 100 + LINUX_VERSION_PATCHLEVEL)

/*
 * Shrinkers.  6.7 made them allocated objects: shrinker_alloc(),
 * shrinker_register() and shrinker_free(), with SHRINKER_ALLOCATED, a
 * macro of the same commit, as the sign.  Before, the caller owned the
 * struct and register_shrinker() could fail; pymm_shrinker_register()
 * returns that error on both lines (always 0 on 6.7 and later).
 */
#ifdef SHRINKER_ALLOCATED

static inline int pymm_shrinker_register(struct shrinker *shrinker)
{
	shrinker_register(shrinker);
	return 0;
}

#else /* !SHRINKER_ALLOCATED: before 6.7 */

/* The shrinker and the name it is registered under. */
struct pymm_compat_shrinker {
	struct shrinker shrinker;
	const char *name;
};

/* @name must outlive the shrinker (pymm passes a literal). */
static inline struct shrinker *shrinker_alloc(unsigned int flags,
					      const char *name)
{
	struct pymm_compat_shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->shrinker.flags = flags;
	s->name = name;
	return &s->shrinker;
}

static inline int pymm_shrinker_register(struct shrinker *shrinker)
{
	struct pymm_compat_shrinker *s =
		container_of(shrinker, struct pymm_compat_shrinker, shrinker);

	return register_shrinker(shrinker, "%s", s->name);
}

/* As on 6.7: registered or not, NULL or not, it goes. */
static inline void shrinker_free(struct shrinker *shrinker)
{
	if (!shrinker)
		return;
	/* unregister_shrinker() returns at once if it never registered */
	unregister_shrinker(shrinker);
	kfree(container_of(shrinker, struct pymm_compat_shrinker, shrinker));
}

#endif /* SHRINKER_ALLOCATED */

/*
 * Trace events (trace.h).  6.10 dropped __assign_str()'s second argument:
 * the string copied is the one __string() named.  Before, both are given,
 * and are the same.  Only the version tells: the macro kept its name, and
 * is defined only inside the stages of <trace/define_trace.h>.  For
 * TP_fast_assign() only.
 */
#if PYMM_KERNEL_LINE >= 610
#define pymm_assign_str(dst, ...)	__assign_str(dst)
#else
#define pymm_assign_str(dst, src)	__assign_str(dst, src)
#endif

#ifdef _KUNIT_TEST_H

/* 6.6: test attributes; before, a slow case is a case like any other. */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name)	KUNIT_CASE(test_name)
#endif

/* 6.2: memory comparisons; before, without the hex dump on failure. */
#ifndef KUNIT_EXPECT_MEMEQ
#define KUNIT_EXPECT_MEMEQ(test, left, right, size)			\
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp((left), (right), (size)),	\
			      "%s and %s differ", #left, #right)
#endif

/* KUNIT_ASSERT_FAILURE() of 6.1, renamed since. */
#ifndef KUNIT_FAIL_AND_ABORT
#define KUNIT_FAIL_AND_ABORT(test, fmt, ...)				\
	KUNIT_ASSERT_FAILURE(test, fmt, ##__VA_ARGS__)
#endif

/* 6.8; as there, the cast written once. */
#ifndef KUNIT_DEFINE_ACTION_WRAPPER
#define KUNIT_DEFINE_ACTION_WRAPPER(wrapper, orig, arg_type)		\
	static void wrapper(void *in)					\
	{								\
		orig((arg_type)in);					\
	}
#endif

/*
 * 6.5: deferred actions.  kunit_add_action_or_reset() is a function and no
 * macro came with it (KUNIT_DEFINE_ACTION_WRAPPER came in 6.8), so only the
 * version tells.  Before, a test resource does the same: its free runs the
 * action when the test ends, in reverse order of addition as actions do,
 * and KUnit then kfree()s it (the resource is the first member).
 */
#if PYMM_KERNEL_LINE < 605
typedef void (kunit_action_t)(void *);

struct pymm_compat_action {
	struct kunit_resource res;	/* first: KUnit kfree()s it */
	kunit_action_t *action;
	void *ctx;
};

static inline void pymm_compat_action_run(struct kunit_resource *res)
{
	struct pymm_compat_action *a = res->data;

	a->action(a->ctx);
}

static inline int kunit_add_action_or_reset(struct kunit *test,
					    kunit_action_t *action, void *ctx)
{
	struct pymm_compat_action *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a) {
		action(ctx);
		return -ENOMEM;
	}
	a->action = action;
	a->ctx = ctx;
	a->res.should_kfree = true;
	/* without an init function this cannot fail */
	return __kunit_add_resource(test, NULL, pymm_compat_action_run,
				    &a->res, a);
}
#endif /* < 6.5 */

/*
 * 6.11 exported mm_alloc() and arch_pick_mmap_layout() to KUnit modules
 * (namespace EXPORTED_FOR_KUNIT_TESTING, with kunit_vm_mmap()), which is
 * what lends a KUnit case a user mm (kunit/util.c).  Exports: only the
 * version tells.  Before, the cases that read or write a file as read(2)
 * and write(2) do are skipped (suite gc_debugfs).
 */
#define PYMM_KUNIT_USER_MM	(PYMM_KERNEL_LINE >= 611)

#endif /* _KUNIT_TEST_H */

#endif /* _PYMM_COMPAT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_kasan: generic KASAN sees pymm's blocks (mod/kasan.c).
 *
 * A client's use after free, its overflow into the rounding slack of its
 * block, and its read of memory in a pool that was never handed out must
 * each produce a KASAN report; pymm_usable_size() opens the slack, as
 * ksize() does.  Reports are detected as mm/kasan/kasan_test_c.c does, from
 * the console tracepoint, with KASAN told not to fail the test.
 *
 * The suite needs CONFIG_KASAN_GENERIC and, for the helpers that stop KASAN
 * reports from failing the test, CONFIG_KASAN_KUNIT_TEST (=m is enough: the
 * helpers are built in, KASAN's own suite is not run).  A KASAN report
 * taints the kernel and turns lockdep off for the rest of the boot, so the
 * cases run only when pymm_kunit.ko is loaded with kasan_reports=1: the
 * harness does that in its last two passes, C (pymm.ko normal: the per-CPU
 * fast path) and D (debug=1), which run this suite alone; elsewhere the
 * cases skip and say why.  The cases run on one CPU, so that a block is
 * freed into the current pool it came from.  Every provoked report lies
 * between expect-WARN markers that name its KASAN bug type.
 */
#include <kunit/test.h>
#include <linux/kasan.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <trace/events/printk.h>

#include <pymm.h>

#include "pymm_test.h"

static struct {
	bool report_found;
} kt_status;

static bool kt_multishot;

static bool kasan_reports;
module_param(kasan_reports, bool, 0444);
MODULE_PARM_DESC(kasan_reports,
		 "Run pymm_kasan: provoke KASAN reports, which turn lockdep off (default: off)");

/* KASAN's bug types for pymm's shadow values (pymm_kasan.h). */
#define KT_FREED	"slab-use-after-free"
#define KT_REDZONE	"slab-out-of-bounds"

/* Results go here so that the compiler keeps the bad accesses. */
static u8 pymm_kasan_test_sink;

static void kt_probe_console(void *ignore, const char *buf, size_t len)
{
	if (strnstr(buf, "BUG: KASAN: ", len))
		WRITE_ONCE(kt_status.report_found, true);
}

static int kt_suite_init(struct kunit_suite *suite)
{
	if (!KT_RUNNABLE)
		return 0;
	kasan_kunit_test_suite_start();
	kt_multishot = kasan_save_enable_multi_shot();
	return register_trace_console(kt_probe_console, NULL);
}

static void kt_suite_exit(struct kunit_suite *suite)
{
	if (!KT_RUNNABLE)
		return;
	unregister_trace_console(kt_probe_console, NULL);
	tracepoint_synchronize_unregister();
	kasan_restore_multi_shot(kt_multishot);
	kasan_kunit_test_suite_end();
}

static int kt_init(struct kunit *test)
{
	if (!KT_RUNNABLE)
		kunit_skip(test, "needs KASAN_GENERIC and KASAN_KUNIT_TEST (x86_64 tier)");
	if (!kasan_reports)
		kunit_skip(test, "needs kasan_reports=1 (passes C, D): reports stop lockdep");
	WRITE_ONCE(kt_status.report_found, false);
	return pt_pin_cpu(test);
}

/*
 * Read or write the byte at @p, and check that KASAN reported it exactly
 * when @report, a KASAN bug type, is not NULL.
 */
static void kt_access(struct kunit *test, u8 *p, bool write, const char *report)
{
	KUNIT_EXPECT_FALSE(test, READ_ONCE(kt_status.report_found));
	if (report)
		tl_expect_warn_begin("kasan:%s=1", report);
	barrier();
	if (write)
		WRITE_ONCE(*p, 1);
	else
		pymm_kasan_test_sink = READ_ONCE(*p);
	barrier();
	if (report)
		tl_expect_warn_end();
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(kt_status.report_found), !!report,
			    "%s at page offset %lu", write ? "write" : "read",
			    (unsigned long)p & ~PAGE_MASK);
	WRITE_ONCE(kt_status.report_found, false);
}

static void use_after_free_of_a_block_is_reported(struct kunit *test)
{
	u8 *p = pymm_malloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	kt_access(test, p + 63, false, NULL);
	pymm_free(p);
	kt_access(test, p, false, KT_FREED);
	kt_access(test, p + 10, true, KT_FREED);
}

static void overflow_into_the_rounding_slack_is_reported(struct kunit *test)
{
	/* 13 bytes are served by the 16-byte class: 3 bytes of slack. */
	u8 *p = pymm_malloc(13, GFP_KERNEL);
	/*
	 * A red zone; in debug mode the slack keeps the poison of a freed
	 * block (seen on the x86 tier: "slab-use-after-free").
	 */
	const char *slack = pt_debug(test) ? KT_FREED : KT_REDZONE;

	KUNIT_ASSERT_NOT_NULL(test, p);
	kt_access(test, p + 12, true, NULL);
	kt_access(test, p + 13, true, slack);
	kt_access(test, p + 15, false, slack);
	/* Like ksize(): once asked, the whole class size may be used. */
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), 16);
	kt_access(test, p + 15, true, NULL);
	pymm_free(p);
}

static void read_of_a_never_allocated_block_is_reported(struct kunit *test)
{
	/* 328-byte blocks leave the last bytes of each page unused. */
	u8 *p = pymm_malloc(328, GFP_KERNEL);
	u8 *tail;

	KUNIT_ASSERT_NOT_NULL(test, p);
	tail = (u8 *)((unsigned long)p & PAGE_MASK) + PAGE_SIZE - 8;
	kt_access(test, tail, false, KT_REDZONE);
	pymm_free(p);
}

static struct kunit_case pymm_kasan_cases[] = {
	KUNIT_CASE(use_after_free_of_a_block_is_reported),
	KUNIT_CASE(overflow_into_the_rounding_slack_is_reported),
	KUNIT_CASE(read_of_a_never_allocated_block_is_reported),
	{}
};

static struct kunit_suite pymm_kasan_suite = {
	.name = "pymm_kasan",
	.suite_init = kt_suite_init,
	.suite_exit = kt_suite_exit,
	.init = kt_init,
	.test_cases = pymm_kasan_cases,
};

kunit_test_suites(&pymm_kasan_suite);

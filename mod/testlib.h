/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test helpers of pymm that need no KUnit (mod/testlib.c): every
 * module that checks pymm from the outside uses them, the KUnit suites
 * (kunit/, whose KUnit wrappers sit above them in pymm_test.h), the
 * benchmark (bench.c) and the torture (torture*.c).
 *
 * It offers:
 * - tl_read_file() and tl_write_file(): the one reader and the one writer
 *   of files (debugfs, sysfs, sysctl) from kernel code, in a kernel buffer,
 *   or, with TL_USER_BUF, through a user buffer as read(2) and write(2) do;
 * - tl_next_line(): the line splitter of the parsers;
 * - the debugfs summary: its rows (enum tl_sum, tl_sum_names), its strict
 *   parser tl_parse_summary() and tl_read_summary(), the one lookup;
 * - the expect-WARN markers the harness reads (tl_expect_warn_begin());
 * - tl_visit_refs() and tl_put_refs(): the traverse() and clear() of a
 *   test object whose strong references are an array.
 *
 * Each module links its own copy, through a file of its own that includes
 * testlib.c (kbuild puts an object into one module only), so nothing here
 * is exported.
 */
#ifndef _PYMM_TESTLIB_H
#define _PYMM_TESTLIB_H

#include <linux/printk.h>
#include <linux/types.h>

#include <pymm.h>

#define TL_DEBUGFS		"/sys/kernel/debug/pymm/"
#define TL_SUMMARY		TL_DEBUGFS "summary"
#define TL_PARAM(name)		"/sys/module/pymm/parameters/" name
#define TL_DROP_CACHES		"/proc/sys/vm/drop_caches"

/*
 * tl_read_file() and tl_write_file() flag: go through the file's ->read or
 * ->write with a user buffer, as read(2) and write(2) do.  Needed for
 * files that implement only those (a heap's threshold, enabled, collect
 * and freeze); the caller must have an mm (a kthread borrows one: see
 * pt_read_user() in kunit/pymm_test.h).  The buffer is TL_UBUF_SIZE long:
 * a read goes through it a piece at a time, a write must fit in it.
 *
 * Without the flag, the file is read with kernel_read() if it has
 * ->read_iter (sysfs, procfs), or with seq_read_iter() if it is a
 * seq_file (debugfs' show files have only ->read), and written with
 * kernel_write().
 */
#define TL_USER_BUF		BIT(0)
#define TL_UBUF_SIZE		(4 * PAGE_SIZE)

/* Read a whole file into @buf, NUL-terminated: its length or -errno. */
ssize_t tl_read_file(const char *path, char *buf, size_t size,
		     unsigned int flags);
/* Write @s to a file: 0 if all of it was taken, else -errno. */
int tl_write_file(const char *path, const char *s, unsigned int flags);

/* Next line of *@cur, NUL-terminated in place; NULL at the end. */
char *tl_next_line(char **cur);

/* debugfs "summary", one value per row, in the documented order. */
enum tl_sum {
	TL_ARENAS,
	TL_ARENAS_ALLOCATED,
	TL_ARENAS_FREED,
	TL_ARENAS_CACHED,
	TL_PAGES,
	TL_BLOCKS_INUSE,
	TL_BYTES_INUSE,
	TL_BYTES_HELD,
	TL_BYTES_REQUESTED,
	TL_BYTES_ROUNDED,
	TL_LARGE_ALLOCS,
	TL_LARGE_BYTES,
	TL_DEBUG,
	TL_ERR_INVALID,
	TL_ERR_MIDDLE,
	TL_ERR_DOUBLE_FREE,
	TL_ERR_CORRUPTION,
	TL_NR_SUM,
};

extern const char * const tl_sum_names[TL_NR_SUM];

struct tl_summary {
	long long v[TL_NR_SUM];
};

int tl_parse_summary(char *text, struct tl_summary *s, const char **bad);
int tl_read_summary(struct tl_summary *s);

/*
 * The harness fails a run on any kernel WARNING or KASAN report that is not
 * between these two log lines: put them around every call that is expected
 * to report, as narrowly as possible.  The begin line names what is
 * expected, as space-separated KIND=N (exactly N) or KIND<=N (at most N),
 * then maybe a comment: KIND is a key of WARN_KINDS in
 * scripts/check-report.py (invalid, middle, double_free, corruption, gfp,
 * ...; N counts the calls that report, the harness knows which kinds are
 * WARN_ONCE) or kasan:TYPE for a KASAN report "BUG: KASAN: TYPE in ...".
 * Any other report inside, or another count, fails the run.
 * E.g. tl_expect_warn_begin("invalid=%u", n).
 */
#define tl_expect_warn_begin(fmt, ...) \
	pr_info("pymm-expect-warn begin " fmt "\n", ##__VA_ARGS__)
#define tl_expect_warn_end()	pr_info("pymm-expect-warn end\n")

/*
 * A test object's strong references, an array of @n pointers (NULL for
 * none): tl_visit_refs() visits each, as a pymm_type's traverse() does,
 * and returns the first non-zero visit(); tl_put_refs() drops them all, as
 * its clear() does, each slot emptied before its reference is put.
 */
int tl_visit_refs(void *const *ref, unsigned int n, pymm_visit_fn visit,
		  void *arg);
void tl_put_refs(void **ref, unsigned int n);

#endif /* _PYMM_TESTLIB_H */

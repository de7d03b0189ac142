// SPDX-License-Identifier: GPL-2.0
/*
 * The test helpers that need no KUnit: file I/O from kernel code, the
 * parsing of pymm's summary, and the references of test objects.  See
 * testlib.h for what it offers.
 *
 * Not an object of its own: each module that uses it compiles it through
 * a file of its own that includes this one (bench_testlib.c,
 * torture_testlib.c, kunit/testlib.c), since kbuild links an object into
 * one module only.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "testlib.h"

/* A user buffer of TL_UBUF_SIZE bytes in the caller's mm. */
static int tl_ubuf_map(char __user **ubuf)
{
	unsigned long addr;

	if (!current->mm)
		return -EINVAL;
	addr = vm_mmap(NULL, 0, TL_UBUF_SIZE, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	*ubuf = (char __user *)addr;
	return 0;
}

static void tl_ubuf_unmap(char __user *ubuf)
{
	if (ubuf)
		vm_munmap((unsigned long)ubuf, TL_UBUF_SIZE);
}

/*
 * One read of up to @len bytes at *@pos into @buf.  Through @ubuf if the
 * caller asked for a user buffer; else kernel_read() wants ->read_iter,
 * and debugfs' seq_files have only ->read = seq_read(), but their
 * private_data is the seq_file, so they are read through seq_read_iter()
 * as read(2) would.
 */
static ssize_t tl_read_some(struct file *f, char *buf, size_t len,
			    loff_t *pos, char __user *ubuf)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct seq_file *m = f->private_data;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	if (ubuf) {
		ret = f->f_op->read(f, ubuf, min_t(size_t, len, TL_UBUF_SIZE),
				    pos);
		if (ret > 0 && copy_from_user(buf, ubuf, ret))
			return -EFAULT;
		return ret;
	}
	if (f->f_op->read_iter)
		return kernel_read(f, buf, len, pos);
	if (!m || m->file != f)
		return -EINVAL;
	init_sync_kiocb(&kiocb, f);
	kiocb.ki_pos = *pos;
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	ret = seq_read_iter(&kiocb, &iter);
	if (ret > 0)
		*pos = kiocb.ki_pos;
	return ret;
}

/**
 * tl_read_file - read a whole file into a kernel buffer
 * @path: the file
 * @buf: the buffer, NUL-terminated on success
 * @size: its size
 * @flags: 0 or TL_USER_BUF (see testlib.h)
 *
 * Context: process context.
 * Return: the length read, -EFBIG if the file does not fit, or another
 * negative errno.
 */
ssize_t tl_read_file(const char *path, char *buf, size_t size,
		     unsigned int flags)
{
	char __user *ubuf = NULL;
	struct file *f;
	loff_t pos = 0;
	size_t len = 0;
	ssize_t ret = 0;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (flags & TL_USER_BUF)
		ret = f->f_op->read ? tl_ubuf_map(&ubuf) : -EINVAL;
	while (!ret && len + 1 < size) {
		ret = tl_read_some(f, buf + len, size - 1 - len, &pos, ubuf);
		if (ret <= 0)
			break;
		len += ret;
		ret = 0;
	}
	tl_ubuf_unmap(ubuf);
	filp_close(f, NULL);
	if (ret < 0)
		return ret;
	if (len + 1 >= size)
		return -EFBIG;
	buf[len] = '\0';
	return len;
}

/* ->write of @len bytes of @s through a user buffer, as write(2) does. */
static ssize_t tl_write_user(struct file *f, const char *s, size_t len,
			     loff_t *pos)
{
	char __user *ubuf = NULL;
	ssize_t ret;

	if (!f->f_op->write)
		return -EINVAL;
	ret = tl_ubuf_map(&ubuf);
	if (ret)
		return ret;
	if (copy_to_user(ubuf, s, len))
		ret = -EFAULT;
	else
		ret = f->f_op->write(f, ubuf, len, pos);
	tl_ubuf_unmap(ubuf);
	return ret;
}

/**
 * tl_write_file - write a string to a file
 * @path: the file
 * @s: the string
 * @flags: 0 or TL_USER_BUF (see testlib.h)
 *
 * Context: process context.
 * Return: 0 if all of @s was taken, else the file's error, -EIO for a
 * short write, or -E2BIG if @s does not fit the user buffer.
 */
int tl_write_file(const char *path, const char *s, unsigned int flags)
{
	size_t len = strlen(s);
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	if ((flags & TL_USER_BUF) && len > TL_UBUF_SIZE)
		return -E2BIG;
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (flags & TL_USER_BUF)
		ret = tl_write_user(f, s, len, &pos);
	else
		ret = kernel_write(f, s, len, &pos);
	filp_close(f, NULL);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

/**
 * tl_next_line - the next line of a text, split off in place
 * @cur: the rest of the text; advanced past the line
 *
 * A final empty line (after the last newline) is not returned.
 *
 * Return: the line, NUL-terminated, or NULL at the end.
 */
char *tl_next_line(char **cur)
{
	if (!*cur || !**cur)
		return NULL;
	return strsep(cur, "\n");
}

const char * const tl_sum_names[TL_NR_SUM] = {
	[TL_ARENAS]		= "arenas",
	[TL_ARENAS_ALLOCATED]	= "arenas_allocated",
	[TL_ARENAS_FREED]	= "arenas_freed",
	[TL_ARENAS_CACHED]	= "arenas_cached",
	[TL_PAGES]		= "pages",
	[TL_BLOCKS_INUSE]	= "blocks_inuse",
	[TL_BYTES_INUSE]	= "bytes_inuse",
	[TL_BYTES_HELD]		= "bytes_held",
	[TL_BYTES_REQUESTED]	= "bytes_requested",
	[TL_BYTES_ROUNDED]	= "bytes_rounded",
	[TL_LARGE_ALLOCS]	= "large_allocs",
	[TL_LARGE_BYTES]	= "large_bytes",
	[TL_DEBUG]		= "debug",
	[TL_ERR_INVALID]	= "err_invalid",
	[TL_ERR_MIDDLE]		= "err_middle",
	[TL_ERR_DOUBLE_FREE]	= "err_double_free",
	[TL_ERR_CORRUPTION]	= "err_corruption",
};

/**
 * tl_parse_summary - parse the text of pymm's debugfs summary
 * @text: the text, split into lines in place
 * @s: the values, by row
 * @bad: if not NULL, receives the first line that is wrong (the header,
 *	 a row out of order, malformed or extra), or NULL if rows are missing
 *
 * The format must be exactly what debugfs.c prints: the header "name
 * value", then one row per enum tl_sum, in that order.
 *
 * Return: 0, or -EPROTO.
 */
int tl_parse_summary(char *text, struct tl_summary *s, const char **bad)
{
	char *cur = text, *line, name[32];
	unsigned int i = 0;
	long long v;

	line = tl_next_line(&cur);
	if (!line || strcmp(line, "name value"))
		goto out;
	while ((line = tl_next_line(&cur))) {
		if (i >= TL_NR_SUM ||
		    sscanf(line, "%31s %lld", name, &v) != 2 ||
		    strcmp(name, tl_sum_names[i]))
			goto out;
		s->v[i++] = v;
	}
out:
	if (bad)
		*bad = line;
	return !line && i == TL_NR_SUM ? 0 : -EPROTO;
}

/**
 * tl_read_summary - read and parse pymm's debugfs summary
 * @s: the values, by row
 *
 * Context: process context.
 * Return: 0, -EPROTO if the format is wrong, or the error of the read.
 */
int tl_read_summary(struct tl_summary *s)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	ssize_t len;
	int ret;

	if (!buf)
		return -ENOMEM;
	len = tl_read_file(TL_SUMMARY, buf, PAGE_SIZE, 0);
	ret = len < 0 ? len : tl_parse_summary(buf, s, NULL);
	kfree(buf);
	return ret;
}

int tl_visit_refs(void *const *ref, unsigned int n, pymm_visit_fn visit,
		  void *arg)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		if (!ref[i])
			continue;
		err = visit(ref[i], arg);
		if (err)
			return err;
	}
	return 0;
}

void tl_put_refs(void **ref, unsigned int n)
{
	unsigned int i;
	void *old;

	for (i = 0; i < n; i++) {
		old = ref[i];
		ref[i] = NULL;
		pymm_put(old);
	}
}

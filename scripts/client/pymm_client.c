// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_client.ko: the smallest client of an installed pymm, built as a user
 * builds one (scripts/client/Makefile: pymm.h and pymm's Module.symvers
 * from where `make dkms-install` or `make install` put them).  The distro
 * tier loads it after pymm.ko.
 *
 * At load it allocates blocks of sizes from 8 bytes to past pymm's small
 * block limit, fills each with its own byte, checks every byte and frees
 * them all again; a failed check or allocation fails the load.  leak=N
 * keeps the first N blocks (to show that the tier catches a client that
 * leaks: pymm says "pymm: LEAK" when it is unloaded after the client), and
 * fail=1 fails the load after freeing them (a client that does not load).
 */
#include <linux/module.h>
#include <linux/string.h>

#include <pymm.h>

#define CLIENT_BLOCKS	64
#define CLIENT_STEP	24

static unsigned int leak;
module_param(leak, uint, 0444);
MODULE_PARM_DESC(leak, "blocks to leave allocated (tests the tier)");

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "fail the load (tests the tier)");

static size_t client_size(int i)
{
	return 8 + CLIENT_STEP * i;
}

static int __init pymm_client_init(void)
{
	void *blocks[CLIENT_BLOCKS] = { };
	int i, err = 0;

	for (i = 0; i < CLIENT_BLOCKS && !err; i++) {
		blocks[i] = pymm_malloc(client_size(i), GFP_KERNEL);
		if (!blocks[i])
			err = -ENOMEM;
		else
			memset(blocks[i], i, client_size(i));
	}
	for (i = 0; i < CLIENT_BLOCKS && !err; i++) {
		if (memchr_inv(blocks[i], i, client_size(i))) {
			pr_err("pymm_client: block %d lost its contents\n", i);
			err = -EIO;
		}
	}
	for (i = 0; i < CLIENT_BLOCKS; i++) {
		if (i >= leak || err)
			pymm_free(blocks[i]);
	}
	if (!err && fail)
		err = -EINVAL;
	if (!err)
		pr_info("pymm_client: %d blocks checked, %u kept\n",
			CLIENT_BLOCKS, min_t(unsigned int, leak, CLIENT_BLOCKS));
	return err;
}

static void __exit pymm_client_exit(void)
{
}

module_init(pymm_client_init);
module_exit(pymm_client_exit);
MODULE_DESCRIPTION("pymm: a client built against an installed pymm");
MODULE_LICENSE("GPL");

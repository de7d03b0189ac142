// SPDX-License-Identifier: GPL-2.0
/*
 * client.c - the README's client example as a module: a block, a large
 * block and a heap holding a self-cycle live while it is loaded; its exit
 * collects the cycle, destroys the heap and frees the blocks, so it leaves
 * nothing behind.  `make run CLIENT=scripts/example` loads it.
 */
#include <linux/module.h>
#include <pymm.h>

struct node { struct node *next; };		/* one strong reference */

static int node_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	return visit(((struct node *)obj)->next, arg);	/* each one held */
}

static void node_clear_refs(void *obj)		/* put each, then NULL */
{
	pymm_put(((struct node *)obj)->next);
	((struct node *)obj)->next = NULL;
}

static const struct pymm_type node_type = { .name = "node",
	.size = sizeof(struct node), .traverse = node_traverse,
	.clear = node_clear_refs };

static char *buf, *big;
static struct pymm_heap *heap;

static int __init client_init(void)
{
	struct node *n;

	buf = pymm_malloc(100, GFP_KERNEL);		/* a 104-byte block */
	big = pymm_malloc(4000, GFP_KERNEL);		/* a large block */
	heap = pymm_heap_create("client");		/* a GC domain */
	if (!buf || !big || IS_ERR(heap))
		goto fail;
	n = pymm_obj_new(heap, &node_type, GFP_KERNEL);	/* ref 1 */
	if (!n)
		goto fail;
	pymm_lock(heap);			/* edges change only under it */
	n->next = pymm_get(n);			/* a self-cycle: refcount 2 */
	pymm_unlock(heap);
	pymm_put(n);				/* only the cycle holds it now */
	return 0;
fail:
	if (!IS_ERR(heap))
		pymm_heap_destroy(heap);
	pymm_free(big);
	pymm_free(buf);
	return -ENOMEM;
}

static void __exit client_exit(void)
{
	pr_info("client: collected %ld\n", pymm_collect(heap, 2));
	pymm_heap_destroy(heap);		/* no callback runs after it */
	pymm_free(big);
	pymm_free(buf);				/* no size needed */
}

module_init(client_init);
module_exit(client_exit);
MODULE_DESCRIPTION("pymm: the README's client example");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed check only, never shipped: on load, commits the fault named by
 * the "fault" parameter, so that the runner's detection of each kind of
 * kernel report is itself tested. Loading succeeds either way.
 */
#include <linux/module.h>
#include <linux/slab.h>

static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "none, warn, leak or kasan");

static void *nfct_fault_leaked;

static int __init nfct_fault_init(void)
{
	if (!strcmp(fault, "warn")) {
		WARN(1, "nfct_fault: deliberate WARN\n");
	} else if (!strcmp(fault, "leak")) {
		int i;

		/*
		 * Allocate, then forget the only reference. Several times: a
		 * stale copy of a pointer (a dead task's cached stack) hides
		 * one leak from kmemleak, not every one. Zeroed: an object
		 * holding the slab's stale free pointer to the next one would
		 * let one hidden leak hide the whole chain.
		 */
		for (i = 0; i < 16; i++) {
			WRITE_ONCE(nfct_fault_leaked, kzalloc(64, GFP_KERNEL));
			WRITE_ONCE(nfct_fault_leaked, NULL);
		}
	} else if (!strcmp(fault, "kasan")) {
		char *buf = kmalloc(16, GFP_KERNEL);

		if (buf) {
			OPTIMIZER_HIDE_VAR(buf);
			pr_info("nfct_fault: read past the end: %d\n", READ_ONCE(buf[16]));
			kfree(buf);
		}
	} else if (strcmp(fault, "none")) {
		return -EINVAL;
	}
	return 0;
}

static void __exit nfct_fault_exit(void)
{
}

module_init(nfct_fault_init);
module_exit(nfct_fault_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate faults for testing the VM runner");

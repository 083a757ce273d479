/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failures on purpose (allocations, and the kfree_skb probe missing a
 * drop), per netns, on kernels built with fault
 * injection (the debug test kernel): net.nf_ct.fault_site picks a call
 * site, net.nf_ct.fault_times how many of its next calls fail, and
 * net.nf_ct.fault_injected counts the failures made. The kernel's failslab
 * and fail_page_alloc fail whole caches, or any allocation of the kernel,
 * in an order that differs from boot to boot; these fail exactly the call
 * a test means, in the netns it runs in. Without CONFIG_FAULT_INJECTION the
 * sysctls do not exist and every site compiles to its allocation alone.
 */
#ifndef _NF_CT_FAULT_H
#define _NF_CT_FAULT_H

#include <linux/atomic.h>
#include <linux/compiler.h>

enum nfct_fault_site {
	NFCT_FAULT_NONE,
	NFCT_FAULT_CONN_ALLOC,		/* a new entry (nfct_conn_new) */
	NFCT_FAULT_PKT_RECORD,		/* a packet's record (nfct_pkt_attach) */
	NFCT_FAULT_TABLE_INSERT,	/* the table taking an entry, -ENOMEM (nfct_confirm) */
	NFCT_FAULT_DROP_PROBE,		/* a drop the kfree_skb probe misses (nfct_pkt_dropped) */
	NFCT_FAULT_SITES,
};

struct nfct_fault {
	int site;		/* enum nfct_fault_site */
	atomic_t times;		/* calls still to fail there */
	atomic_t injected;	/* failures made so far */
};

#ifdef CONFIG_FAULT_INJECTION
/* Should this call at @site fail? Lockless: each failure is taken once. */
static inline bool nfct_fault_inject(struct nfct_fault *f, enum nfct_fault_site site)
{
	if (likely(READ_ONCE(f->site) != site) || atomic_dec_if_positive(&f->times) < 0)
		return false;
	atomic_inc(&f->injected);
	return true;
}
#else
static inline bool nfct_fault_inject(struct nfct_fault *f, enum nfct_fault_site site)
{
	return false;
}
#endif

#endif /* _NF_CT_FAULT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Fragments are reassembled before nf_ct sees them, by the kernel's own
 * nf_defrag_ipv4 (independent of nf_conntrack) at priority -400, so every
 * tracked packet is whole. The module is taken by symbol at load time, not
 * linked: `insmod nf_ct.ko` works without loading nf_defrag_ipv4 first.
 */
#include <linux/kmod.h>
#include <linux/module.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>

#include "nf_ct.h"

static typeof(&nf_defrag_ipv4_enable) nfct_defrag_enable;
static typeof(&nf_defrag_ipv4_disable) nfct_defrag_disable;

int nfct_defrag_init(void)
{
	nfct_defrag_enable = symbol_request(nf_defrag_ipv4_enable);
	nfct_defrag_disable = symbol_request(nf_defrag_ipv4_disable);
	if (nfct_defrag_enable && nfct_defrag_disable)
		return 0;
	pr_err("nf_ct: nf_defrag_ipv4 is not available\n");
	nfct_defrag_exit();
	return -ENOENT;
}

void nfct_defrag_exit(void)
{
	if (nfct_defrag_enable)
		symbol_put(nf_defrag_ipv4_enable);
	if (nfct_defrag_disable)
		symbol_put(nf_defrag_ipv4_disable);
	nfct_defrag_enable = NULL;
	nfct_defrag_disable = NULL;
}

int nfct_defrag_net_init(struct nfct_net *cn)
{
	return nfct_defrag_enable(cn->net);
}

void nfct_defrag_net_exit(struct nfct_net *cn)
{
	nfct_defrag_disable(cn->net);
}

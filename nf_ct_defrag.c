// SPDX-License-Identifier: GPL-2.0
/*
 * Fragments are reassembled before nf_ct sees them, by the kernel's own
 * nf_defrag_ipv4 and nf_defrag_ipv6 (independent of nf_conntrack) at
 * priority -400, so every tracked packet is whole. The modules are taken by
 * symbol at load time, not linked: `insmod nf_ct.ko` works without loading
 * them first. Both are enabled in every netns nf_ct tracks, as
 * nf_conntrack enables them in a netns where it tracks the family.
 */
#include <linux/kmod.h>
#include <linux/module.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "nf_ct.h"

static typeof(&nf_defrag_ipv4_enable) nfct_defrag4_enable;
static typeof(&nf_defrag_ipv4_disable) nfct_defrag4_disable;
static typeof(&nf_defrag_ipv6_enable) nfct_defrag6_enable;
static typeof(&nf_defrag_ipv6_disable) nfct_defrag6_disable;

int nfct_defrag_init(void)
{
	nfct_defrag4_enable = symbol_request(nf_defrag_ipv4_enable);
	nfct_defrag4_disable = symbol_request(nf_defrag_ipv4_disable);
	nfct_defrag6_enable = symbol_request(nf_defrag_ipv6_enable);
	nfct_defrag6_disable = symbol_request(nf_defrag_ipv6_disable);
	if (nfct_defrag4_enable && nfct_defrag4_disable &&
	    nfct_defrag6_enable && nfct_defrag6_disable)
		return 0;
	pr_err("nf_ct: nf_defrag_ipv4 or nf_defrag_ipv6 is not available\n");
	nfct_defrag_exit();
	return -ENOENT;
}

void nfct_defrag_exit(void)
{
	if (nfct_defrag4_enable)
		symbol_put(nf_defrag_ipv4_enable);
	if (nfct_defrag4_disable)
		symbol_put(nf_defrag_ipv4_disable);
	if (nfct_defrag6_enable)
		symbol_put(nf_defrag_ipv6_enable);
	if (nfct_defrag6_disable)
		symbol_put(nf_defrag_ipv6_disable);
	nfct_defrag4_enable = NULL;
	nfct_defrag4_disable = NULL;
	nfct_defrag6_enable = NULL;
	nfct_defrag6_disable = NULL;
}

int nfct_defrag_net_init(struct nfct_net *cn)
{
	int err = nfct_defrag4_enable(cn->net);

	if (err)
		return err;
	err = nfct_defrag6_enable(cn->net);
	if (err)
		nfct_defrag4_disable(cn->net);
	return err;
}

void nfct_defrag_net_exit(struct nfct_net *cn)
{
	nfct_defrag6_disable(cn->net);
	nfct_defrag4_disable(cn->net);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP tracker: query/answer pairs (echo, timestamp, info, address mask)
 * matched by id, 30 s each (icmp_timeout). An error (unreachable, source
 * quench, redirect, time exceeded, parameter problem) belongs to the
 * connection of the packet it quotes: it is RELATED to it, creates nothing
 * and refreshes nothing; an error quoting no known connection is INVALID.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>

#include "nf_ct.h"

/* Query type -> answer type and back; 0 means "no partner". Offset by one
 * so that echo reply (type 0) can be stored.
 */
static const u8 nfct_icmp_partner[NR_ICMP_TYPES + 1] = {
	[ICMP_ECHO]		= ICMP_ECHOREPLY + 1,
	[ICMP_ECHOREPLY]	= ICMP_ECHO + 1,
	[ICMP_TIMESTAMP]	= ICMP_TIMESTAMPREPLY + 1,
	[ICMP_TIMESTAMPREPLY]	= ICMP_TIMESTAMP + 1,
	[ICMP_INFO_REQUEST]	= ICMP_INFO_REPLY + 1,
	[ICMP_INFO_REPLY]	= ICMP_INFO_REQUEST + 1,
	[ICMP_ADDRESS]		= ICMP_ADDRESSREPLY + 1,
	[ICMP_ADDRESSREPLY]	= ICMP_ADDRESS + 1,
};

static bool nfct_icmp_is_query(u8 type)
{
	return type == ICMP_ECHO || type == ICMP_TIMESTAMP ||
	       type == ICMP_INFO_REQUEST || type == ICMP_ADDRESS;
}

static bool nfct_icmp_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				   struct nfct_tuple *t)
{
	struct icmphdr buf;
	const struct icmphdr *ih;

	ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!ih)
		return false;
	t->sport = ih->un.echo.id;
	t->icmp.type = ih->type;
	t->icmp.code = ih->code;
	return true;
}

static bool nfct_icmp_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	if (t->icmp.type > NR_ICMP_TYPES || !nfct_icmp_partner[t->icmp.type])
		return false;
	inv->sport = t->sport;
	inv->icmp.type = nfct_icmp_partner[t->icmp.type] - 1;
	inv->icmp.code = t->icmp.code;
	return true;
}

static bool nfct_icmp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			  unsigned int off, const struct nfct_net *cn)
{
	/* An unsolicited answer opens nothing. */
	return nfct_icmp_is_query(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)->icmp.type);
}

static enum nfct_track nfct_icmp_packet(struct nfct_conn *ct,
					const struct sk_buff *skb,
					unsigned int off, enum nfct_dir dir,
					const struct nfct_net *cn)
{
	nfct_refresh(ct, READ_ONCE(cn->timeouts.icmp));
	return NFCT_TRACK_ACCEPT;
}

/**
 * nfct_icmp_related - hold an ICMP or ICMPv6 error as RELATED to its entry
 * @cn: the netns
 * @skb: the error
 * @t: the inverse of the tuple it quotes
 *
 * As nf_conntrack: the quoted packet was sent by the error's recipient, so
 * the inverse of its tuple is a tuple of the connection, and the outer
 * destination must be that direction's destination, or anyone could make a
 * packet RELATED to a connection it never saw.
 *
 * Return: the verdict, or -ENOENT if it belongs to no entry.
 */
int nfct_icmp_related(struct nfct_net *cn, struct sk_buff *skb, const struct nfct_tuple *t)
{
	struct nfct_tuple_node *n = nfct_table_lookup(cn, t);
	struct nfct_conn *ct;

	if (!n)
		return -ENOENT;
	ct = nfct_conn_of(n);
	if (!nfct_l3_of(t)->dst_is(nfct_tuple_of(ct, n->dir), skb) ||
	    !refcount_inc_not_zero(&ct->use))
		return -ENOENT;
	return nfct_pkt_hold(cn, skb, ct, n->dir == NFCT_DIR_REPLY ?
			     IP_CT_RELATED_REPLY : IP_CT_RELATED);
}

static int nfct_icmp_error(struct nfct_net *cn, struct sk_buff *skb,
			   unsigned int off, unsigned int hook)
{
	struct nfct_tuple quoted, t;
	const struct icmphdr *ih;
	__be16 _qid, *qid;
	unsigned long cause;
	struct icmphdr buf;
	struct nfct_conn *ct;
	int verdict;
	u8 info;

	ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!ih)
		goto invalid;
	/*
	 * nf_conntrack checks the sum where packets come in (its checksum=1),
	 * of queries as well as errors: a corrupt echo is not tracked.
	 */
	if (hook == NF_INET_PRE_ROUTING &&
	    nf_ip_checksum(skb, hook, off, IPPROTO_ICMP))
		goto corrupt;
	if (ih->type > NR_ICMP_TYPES)
		goto invalid;
	if (!icmp_is_err(ih->type))
		return NFCT_TRACK_IT;
	/* Taken by every local error, so that no later one meets it. */
	cause = hook == NF_INET_LOCAL_OUT ? nfct_pkt_take_cause() : 0;
	if (nfct_tuple_from_quote(skb, off + sizeof(*ih), &quoted) ||
	    !nfct_tuple_invert(&t, &quoted))
		goto invalid;
	if (cause) {
		/* The quoted header's IP id, checked against the cause's record. */
		qid = skb_header_pointer(skb, off + sizeof(*ih) + offsetof(struct iphdr, id),
					 sizeof(_qid), &_qid);
		ct = qid ? nfct_pkt_cause(cn, cause, &quoted, *qid, &info) : NULL;
		if (ct)
			return nfct_pkt_hold(cn, skb, ct, info);
	}
	verdict = nfct_icmp_related(cn, skb, &t);
	if (verdict < 0)
		goto invalid;
	return verdict;

corrupt:
	NFCT_STAT_INC(cn, error);
	/*
	 * A query or answer can carry the id of a known entry, which must not
	 * speak for it at the later hooks.
	 */
	if (ih->type <= NR_ICMP_TYPES && !icmp_is_err(ih->type))
		return nfct_pkt_invalid(cn, skb);
	return NF_ACCEPT;
invalid:
	/*
	 * No record: the table knows no entry for this packet either (an
	 * entry's tuples are a query's and its answer's).
	 */
	NFCT_STAT_INC(cn, error);
	return NF_ACCEPT;
}

const struct nfct_l4proto nfct_l4proto_icmp = {
	.protonum	= IPPROTO_ICMP,
	.l3		= &nfct_l3proto_ipv4,
	.name		= "icmp",
	.pkt_to_tuple	= nfct_icmp_pkt_to_tuple,
	.invert		= nfct_icmp_invert,
	.new		= nfct_icmp_new,
	.packet		= nfct_icmp_packet,
	.error		= nfct_icmp_error,
};

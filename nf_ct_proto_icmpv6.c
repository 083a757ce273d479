// SPDX-License-Identifier: GPL-2.0
/*
 * ICMPv6 tracker, as nf_conntrack 6.1's: echo (128/129) and node
 * information (139/140) are query/answer pairs matched by id, 30 s each
 * (icmpv6_timeout), never ASSURED, and only a query opens an entry.
 * Neighbour discovery and MLD (130-136, 143) are UNTRACKED, so that a
 * `--ctstate INVALID -j DROP` rule leaves them alone. Every type below 128,
 * the four errors and the unassigned ones alike, is an error: RELATED to
 * the connection of the packet it quotes, else counted in icmp_error. A
 * redirect (137) is RELATED only when it quotes a packet the way
 * nf_conntrack_icmpv6_redirect() accepts. Other types cannot be inverted
 * and are INVALID.
 *
 * Over IPv4 (protocol 58 in an IPv4 packet) nothing is trackable:
 * nfct_l4proto.l3 makes every such packet INVALID, with no entry.
 */
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/ndisc.h>

#include "nf_ct.h"

static bool nfct_icmpv6_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				     struct nfct_tuple *t)
{
	struct icmp6hdr buf;
	const struct icmp6hdr *ih;

	ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!ih)
		return false;
	t->sport = ih->icmp6_identifier;
	t->icmp.type = ih->icmp6_type;
	t->icmp.code = ih->icmp6_code;
	return true;
}

static bool nfct_icmpv6_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	static const u8 answer[] = {
		[ICMPV6_ECHO_REQUEST - 128]	= ICMPV6_ECHO_REPLY,
		[ICMPV6_ECHO_REPLY - 128]	= ICMPV6_ECHO_REQUEST,
		[ICMPV6_NI_QUERY - 128]		= ICMPV6_NI_REPLY,
		[ICMPV6_NI_REPLY - 128]		= ICMPV6_NI_QUERY,
	};
	u8 i = t->icmp.type - 128;

	if (t->icmp.type < 128 || i >= ARRAY_SIZE(answer) || !answer[i])
		return false;
	inv->sport = t->sport;
	inv->icmp.type = answer[i];
	inv->icmp.code = t->icmp.code;
	return true;
}

static bool nfct_icmpv6_new(struct nfct_conn *ct, const struct sk_buff *skb,
			    unsigned int off, const struct nfct_net *cn)
{
	u8 type = nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)->icmp.type;

	/* An unsolicited answer opens nothing. */
	return type == ICMPV6_ECHO_REQUEST || type == ICMPV6_NI_QUERY;
}

static enum nfct_track nfct_icmpv6_packet(struct nfct_conn *ct,
					  const struct sk_buff *skb,
					  unsigned int off, enum nfct_dir dir,
					  const struct nfct_net *cn)
{
	nfct_refresh(ct, READ_ONCE(cn->timeouts.icmpv6));
	return NFCT_TRACK_ACCEPT;
}

/* Neighbour discovery and MLD: nf_conntrack's noct_valid_new. */
static bool nfct_icmpv6_untracked(u8 type)
{
	/*
	 * Asked again for every such packet that rules look at, rather than
	 * a record made for each: they are many (every link's RS, DAD and MLD)
	 * and never anything else.
	 */
	switch (type) {
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case ICMPV6_MLD2_REPORT:
		return true;
	}
	return false;
}

/*
 * The error quoting a packet at @qoff: RELATED to its entry, or no one's.
 * One this host makes (LOCAL_OUT) may be about a packet whose entry is not
 * confirmed yet, and is RELATED to that entry as nf_ct_attach() makes it:
 * the cause's record is the last one made on this CPU (nf_ct_pkt.c).
 */
static int nfct_icmpv6_quoting(struct nfct_net *cn, struct sk_buff *skb,
			       unsigned int qoff, unsigned int hook)
{
	unsigned long cause = hook == NF_INET_LOCAL_OUT ? nfct_pkt_take_last() : 0;
	struct nfct_tuple quoted, t;
	struct nfct_conn *ct;
	int verdict;
	u8 info;

	if (nfct_tuple_from_quote(skb, qoff, &quoted) ||
	    !nfct_tuple_invert(&t, &quoted))
		goto error;
	if (cause) {
		ct = nfct_pkt_cause(cn, cause, &quoted, 0, &info);
		if (ct)
			return nfct_pkt_hold(cn, skb, ct, info);
	}
	verdict = nfct_icmp_related(cn, skb, &t);
	if (verdict >= 0)
		return verdict;
error:
	NFCT_STAT_INC(cn, error);
	return NF_ACCEPT;
}

/*
 * A redirect: RELATED if it is the router's (hop limit 255, link-local
 * source) and its first option is the redirected header; with another
 * first option, or a code other than 0, it is tracked, and as it cannot be
 * inverted, INVALID.
 */
static int nfct_icmpv6_redirect(struct nfct_net *cn, struct sk_buff *skb,
				unsigned int off, unsigned int hook)
{
	const unsigned int opt_off = off + sizeof(struct rd_msg);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct nd_opt_hdr _opt;
	const struct nd_opt_hdr *opt;
	struct rd_msg _rd;
	const struct rd_msg *rd;

	rd = skb_header_pointer(skb, off, sizeof(_rd), &_rd);
	if (!rd)
		goto error;
	if (rd->icmph.icmp6_code)
		return NFCT_TRACK_IT;
	if (ip6h->hop_limit != 255 ||
	    !(ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL))
		goto error;
	opt = skb_header_pointer(skb, opt_off, sizeof(_opt), &_opt);
	if (!opt || !opt->nd_opt_len)
		goto error;
	if (opt->nd_opt_type != ND_OPT_REDIRECT_HDR)
		return NFCT_TRACK_IT;
	/* The option's 8-byte header, then the redirected packet. */
	return nfct_icmpv6_quoting(cn, skb, opt_off + 8, hook);
error:
	NFCT_STAT_INC(cn, error);
	return NF_ACCEPT;
}

static bool nfct_icmpv6_tuple_untracked(const struct nfct_tuple *t)
{
	return nfct_icmpv6_untracked(t->icmp.type);
}

static int nfct_icmpv6_error(struct nfct_net *cn, struct sk_buff *skb,
			     unsigned int off, unsigned int hook)
{
	struct icmp6hdr buf;
	const struct icmp6hdr *ih;

	ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!ih)
		goto error;
	/* Checked before the untracked types: a corrupt NS is no one's. */
	if (hook == NF_INET_PRE_ROUTING &&
	    nfct_checksum(skb, hook, off, 0, IPPROTO_ICMPV6)) {
		NFCT_STAT_INC(cn, error);
		/* A query or answer must not speak for a known entry later. */
		if (ih->icmp6_type >= 128)
			return nfct_pkt_invalid(cn, skb);
		return NF_ACCEPT;
	}
	/* No record: the type alone says it (nfct_l4proto.untracked). */
	if (nfct_icmpv6_untracked(ih->icmp6_type))
		return NF_ACCEPT;
	if (ih->icmp6_type == NDISC_REDIRECT)
		return nfct_icmpv6_redirect(cn, skb, off, hook);
	if (ih->icmp6_type >= 128)
		return NFCT_TRACK_IT;
	return nfct_icmpv6_quoting(cn, skb, off + sizeof(*ih), hook);
error:
	NFCT_STAT_INC(cn, error);
	return NF_ACCEPT;
}

const struct nfct_l4proto nfct_l4proto_icmpv6 = {
	.protonum	= IPPROTO_ICMPV6,
	.l3		= &nfct_l3proto_ipv6,
	.name		= "icmpv6",
	.pkt_to_tuple	= nfct_icmpv6_pkt_to_tuple,
	.invert		= nfct_icmpv6_invert,
	.new		= nfct_icmpv6_new,
	.packet		= nfct_icmpv6_packet,
	.error		= nfct_icmpv6_error,
	.untracked	= nfct_icmpv6_tuple_untracked,
};

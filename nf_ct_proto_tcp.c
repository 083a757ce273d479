// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tracker. The state machine is data: nfct_tcp_next[dir][class][state]
 * gives the next state for every direction, packet class and state, with the
 * same cells as nf_conntrack 6.1. Sequence and window tracking come later;
 * this tracker follows flags only.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/tcp.h>

#include "nf_ct.h"
#include "nf_ct_tcp.h"

static const char *const nfct_tcp_names[NFCT_TCP_MAX] = {
	[NFCT_TCP_NONE]		= "NONE",
	[NFCT_TCP_SYN_SENT]	= "SYN_SENT",
	[NFCT_TCP_SYN_RECV]	= "SYN_RECV",
	[NFCT_TCP_ESTABLISHED]	= "ESTABLISHED",
	[NFCT_TCP_FIN_WAIT]	= "FIN_WAIT",
	[NFCT_TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[NFCT_TCP_LAST_ACK]	= "LAST_ACK",
	[NFCT_TCP_TIME_WAIT]	= "TIME_WAIT",
	[NFCT_TCP_CLOSE]	= "CLOSE",
	[NFCT_TCP_SYN_SENT2]	= "SYN_SENT2",
};

#define sNO NFCT_TCP_NONE
#define sSS NFCT_TCP_SYN_SENT
#define sSR NFCT_TCP_SYN_RECV
#define sES NFCT_TCP_ESTABLISHED
#define sFW NFCT_TCP_FIN_WAIT
#define sCW NFCT_TCP_CLOSE_WAIT
#define sLA NFCT_TCP_LAST_ACK
#define sTW NFCT_TCP_TIME_WAIT
#define sCL NFCT_TCP_CLOSE
#define sS2 NFCT_TCP_SYN_SENT2
#define sIV NFCT_TCP_INVALID
#define sIG NFCT_TCP_IGNORE

const u8 nfct_tcp_next[NFCT_DIR_MAX][NFCT_TCP_CLASS_MAX][NFCT_TCP_MAX] = {
	[NFCT_DIR_ORIGINAL] = {
/*			 sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
/* syn: a SYN in an open connection is a stale retransmission; after close it reopens */
	[NFCT_TCP_SYN]	  = { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
/* synack: the originator answers a simultaneous open */
	[NFCT_TCP_SYNACK] = { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
/* fin: closes this side */
	[NFCT_TCP_FIN]	  = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* ack: completes the handshake or acknowledges a FIN; from NONE it is pickup */
	[NFCT_TCP_ACK]	  = { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/* rst: closes from any state */
	[NFCT_TCP_RST]	  = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none: no valid flag combination */
	[NFCT_TCP_NOFLAG] = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
	[NFCT_DIR_REPLY] = {
/*			 sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
/* syn: the responder's own SYN is a simultaneous open */
	[NFCT_TCP_SYN]	  = { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
/* synack: the expected answer to the SYN; late copies are ignored */
	[NFCT_TCP_SYNACK] = { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
/* fin: closes this side */
	[NFCT_TCP_FIN]	  = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* ack: an ACK before the SYN/ACK is ignored */
	[NFCT_TCP_ACK]	  = { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
/* rst: closes from any state */
	[NFCT_TCP_RST]	  = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none: no valid flag combination */
	[NFCT_TCP_NOFLAG] = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};
EXPORT_SYMBOL_IF_KUNIT(nfct_tcp_next);

/* Flag combinations a real stack sends; anything else is INVALID. */
static bool nfct_tcp_flags_valid(u8 flags)
{
	flags &= ~(TCPHDR_ECE | TCPHDR_CWR | TCPHDR_PSH);
	switch (flags) {
	case TCPHDR_SYN:
	case TCPHDR_SYN | TCPHDR_URG:
	case TCPHDR_SYN | TCPHDR_ACK:
	case TCPHDR_RST:
	case TCPHDR_RST | TCPHDR_ACK:
	case TCPHDR_FIN | TCPHDR_ACK:
	case TCPHDR_FIN | TCPHDR_ACK | TCPHDR_URG:
	case TCPHDR_ACK:
	case TCPHDR_ACK | TCPHDR_URG:
		return true;
	}
	return false;
}

/* Packet class: RST before SYN before FIN before ACK. */
enum nfct_tcp_class nfct_tcp_classify(u8 flags)
{
	if (flags & TCPHDR_RST)
		return NFCT_TCP_RST;
	if (flags & TCPHDR_SYN)
		return flags & TCPHDR_ACK ? NFCT_TCP_SYNACK : NFCT_TCP_SYN;
	if (flags & TCPHDR_FIN)
		return NFCT_TCP_FIN;
	if (flags & TCPHDR_ACK)
		return NFCT_TCP_ACK;
	return NFCT_TCP_NOFLAG;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tcp_classify);

static const struct tcphdr *nfct_tcp_header(const struct sk_buff *skb,
					    unsigned int off,
					    struct tcphdr *buf)
{
	const struct tcphdr *th;

	th = skb_header_pointer(skb, off, sizeof(*buf), buf);
	if (!th || th->doff * 4 < sizeof(*th) || off + th->doff * 4 > skb->len)
		return NULL;
	return th;
}

static bool nfct_tcp_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				  struct nfct_tuple *t)
{
	struct tcphdr buf;
	const struct tcphdr *th = nfct_tcp_header(skb, off, &buf);

	if (!th)
		return false;
	t->sport = th->source;
	t->dport = th->dest;
	return true;
}

static bool nfct_tcp_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	inv->sport = t->dport;
	inv->dport = t->sport;
	return true;
}

static bool nfct_tcp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			 unsigned int off, const struct nfct_net *cn)
{
	struct tcphdr buf;
	const struct tcphdr *th = nfct_tcp_header(skb, off, &buf);
	u8 next;

	if (!th || !nfct_tcp_flags_valid(tcp_flag_byte(th)))
		return false;
	/* Only a SYN opens, or a mid-stream ACK picked up (tcp_loose). */
	next = nfct_tcp_next[NFCT_DIR_ORIGINAL][nfct_tcp_classify(tcp_flag_byte(th))][NFCT_TCP_NONE];
	if (next >= NFCT_TCP_MAX)
		return false;
	ct->proto.tcp.state = next;
	return true;
}

static enum nfct_track nfct_tcp_packet(struct nfct_conn *ct,
				       const struct sk_buff *skb,
				       unsigned int off, enum nfct_dir dir,
				       const struct nfct_net *cn)
{
	struct tcphdr buf;
	const struct tcphdr *th = nfct_tcp_header(skb, off, &buf);
	int timeout;
	u8 old, next;

	if (!th || !nfct_tcp_flags_valid(tcp_flag_byte(th)))
		return NFCT_TRACK_INVALID;

	spin_lock_bh(&ct->lock);
	old = ct->proto.tcp.state;
	next = nfct_tcp_next[dir][nfct_tcp_classify(tcp_flag_byte(th))][old];
	if (next == NFCT_TCP_INVALID) {
		spin_unlock_bh(&ct->lock);
		return NFCT_TRACK_INVALID;
	}
	if (next == NFCT_TCP_IGNORE) {
		/* Accepted, but neither state nor timeout moves. */
		spin_unlock_bh(&ct->lock);
		return NFCT_TRACK_IGNORE;
	}
	ct->proto.tcp.state = next;
	spin_unlock_bh(&ct->lock);

	timeout = READ_ONCE(cn->timeouts.tcp[next]);
	/* A picked-up flow is not trusted for long until the other side speaks. */
	if (!test_bit(NFCT_SEEN_REPLY, &ct->status) &&
	    next == NFCT_TCP_ESTABLISHED &&
	    timeout > READ_ONCE(cn->timeouts.tcp_unack))
		timeout = READ_ONCE(cn->timeouts.tcp_unack);
	if (test_bit(NFCT_SEEN_REPLY, &ct->status) &&
	    (old == NFCT_TCP_SYN_RECV || old == NFCT_TCP_ESTABLISHED) &&
	    next == NFCT_TCP_ESTABLISHED)
		set_bit(NFCT_ASSURED, &ct->status);
	nfct_refresh(ct, timeout);
	return NFCT_TRACK_ACCEPT;
}

static const char *nfct_tcp_state_name(const struct nfct_conn *ct)
{
	u8 state = READ_ONCE(ct->proto.tcp.state);

	return state < NFCT_TCP_MAX ? nfct_tcp_names[state] : "NONE";
}

const struct nfct_l4proto nfct_l4proto_tcp = {
	.protonum	= IPPROTO_TCP,
	.name		= "tcp",
	.pkt_to_tuple	= nfct_tcp_pkt_to_tuple,
	.invert		= nfct_tcp_invert,
	.new		= nfct_tcp_new,
	.packet		= nfct_tcp_packet,
	.state_name	= nfct_tcp_state_name,
};

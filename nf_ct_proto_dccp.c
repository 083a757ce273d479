// SPDX-License-Identifier: GPL-2.0
/*
 * DCCP tracker, at parity with nf_conntrack 6.1's. Each direction of an
 * entry plays a role, client or server; the next state is data, looked up
 * by that role, the state and the packet type (nfct_dccp_next), with the
 * same cells as nf_conntrack's table, read off its values (where its
 * comments disagree, the values rule: a client's Close in CLOSING is
 * INVALID, a server's Reset in TIMEWAIT stays there and refreshes).
 * Around the table, nfct_dccp_packet() does what one cell cannot say:
 *   - a Request the server's way in TIMEWAIT reopens the entry with the
 *     roles swapped;
 *   - a Response records its sequence number, and the client's Ack of
 *     exactly that number in PARTOPEN makes the entry ASSURED;
 *   - an ignored packet leaves state and timeout as they were but is
 *     remembered: a Response answering an ignored Request from the other
 *     side resynchronises the entry (roles from that pair, RESPOND);
 *   - a Reset before any reply ends the entry at once.
 * Only a Request makes an entry: nf_conntrack's dccp_loose would allow
 * other types, but its table has no other way out of NONE, so the switch
 * changes nothing there, nor here.
 */
#include <linux/dccp.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>

#include "nf_ct.h"

enum nfct_dccp_role {
	NFCT_DCCP_CLIENT,
	NFCT_DCCP_SERVER,
	NFCT_DCCP_ROLES
};

/* The packet types a table row has: Request .. SyncAck; above is reserved. */
#define NFCT_DCCP_TYPES		DCCP_PKT_INVALID

/* The states an entry can be in, NONE .. TIMEWAIT. */
#define NFCT_DCCP_STATES	NFCT_DCCP_IGNORE

static const char *const nfct_dccp_names[] = {
	[NFCT_DCCP_NONE]	= "NONE",
	[NFCT_DCCP_REQUEST]	= "REQUEST",
	[NFCT_DCCP_RESPOND]	= "RESPOND",
	[NFCT_DCCP_PARTOPEN]	= "PARTOPEN",
	[NFCT_DCCP_OPEN]	= "OPEN",
	[NFCT_DCCP_CLOSEREQ]	= "CLOSEREQ",
	[NFCT_DCCP_CLOSING]	= "CLOSING",
	[NFCT_DCCP_TIMEWAIT]	= "TIMEWAIT",
	[NFCT_DCCP_IGNORE]	= "IGNORE",
	[NFCT_DCCP_INVALID]	= "INVALID",
};

#define dNO NFCT_DCCP_NONE
#define dRQ NFCT_DCCP_REQUEST
#define dRS NFCT_DCCP_RESPOND
#define dPO NFCT_DCCP_PARTOPEN
#define dOP NFCT_DCCP_OPEN
#define dCR NFCT_DCCP_CLOSEREQ
#define dCG NFCT_DCCP_CLOSING
#define dTW NFCT_DCCP_TIMEWAIT
#define dIG NFCT_DCCP_IGNORE
#define dIV NFCT_DCCP_INVALID

/*
 * nfct_dccp_next[role of the sender][state][packet type]: a row per state,
 * a column per type. IGNORE: we cannot tell whether the packet belongs
 * (the endpoints may have moved on without us seeing it, or it is a Sync);
 * it passes, leaving the entry as it was.
 */
static const u8 nfct_dccp_next[NFCT_DCCP_ROLES][NFCT_DCCP_STATES][NFCT_DCCP_TYPES] = {
	[NFCT_DCCP_CLIENT] = {
/*			   Req  Resp Data Ack  DAck CReq Clos Rst  Sync SAck */
/* none: only a Request opens */
	[NFCT_DCCP_NONE]     = { dRQ, dIV, dIV, dIV, dIV, dIV, dIV, dIV, dIV, dIV },
/* request: retransmitted; a Response the client's way may answer an ignored Request */
	[NFCT_DCCP_REQUEST]  = { dRQ, dIG, dIV, dIV, dIV, dIV, dIV, dTW, dIG, dIG },
/* respond: the client's Ack or DataAck completes its half of the handshake */
	[NFCT_DCCP_RESPOND]  = { dRS, dIG, dIV, dPO, dPO, dIV, dIV, dTW, dIG, dIG },
/* partopen: Data is not allowed before the server's first packet (8.1.5) */
	[NFCT_DCCP_PARTOPEN] = { dIG, dIG, dIV, dPO, dPO, dIV, dCG, dTW, dIG, dIG },
	[NFCT_DCCP_OPEN]     = { dIG, dIG, dOP, dOP, dOP, dIV, dCG, dTW, dIG, dIG },
/* closereq: the client answers with a Close */
	[NFCT_DCCP_CLOSEREQ] = { dIG, dIG, dCR, dCR, dCR, dIV, dCG, dTW, dIG, dIG },
	[NFCT_DCCP_CLOSING]  = { dIG, dIG, dCG, dCG, dCG, dIV, dIV, dTW, dIG, dIG },
/* timewait: a Request is a new connection, a Reset changes nothing */
	[NFCT_DCCP_TIMEWAIT] = { dRQ, dIV, dIV, dIV, dIV, dIV, dIV, dIG, dIG, dIG },
	},
	[NFCT_DCCP_SERVER] = {
/*			   Req  Resp Data Ack  DAck CReq Clos Rst  Sync SAck */
/* none: a server does not speak first */
	[NFCT_DCCP_NONE]     = { dIV, dIV, dIV, dIV, dIV, dIV, dIV, dIV, dIV, dIV },
/* request: the Response; a Reset refuses */
	[NFCT_DCCP_REQUEST]  = { dIG, dRS, dIV, dIV, dIV, dIV, dIV, dTW, dIG, dIG },
	[NFCT_DCCP_RESPOND]  = { dIG, dRS, dIV, dIV, dIV, dIV, dIV, dTW, dIG, dIG },
/* partopen: the server's first packet after the handshake opens */
	[NFCT_DCCP_PARTOPEN] = { dIG, dIG, dOP, dOP, dOP, dCR, dCG, dTW, dIG, dIG },
	[NFCT_DCCP_OPEN]     = { dIG, dIG, dOP, dOP, dOP, dCR, dCG, dTW, dIG, dIG },
/* closereq: the server waits for the client's Close */
	[NFCT_DCCP_CLOSEREQ] = { dIG, dIG, dIV, dIV, dIV, dCR, dIV, dTW, dIG, dIG },
	[NFCT_DCCP_CLOSING]  = { dIG, dIG, dCG, dCG, dCG, dCR, dCG, dTW, dIG, dIG },
/* timewait: a Request this way reverses the roles */
	[NFCT_DCCP_TIMEWAIT] = { dRQ, dIV, dIV, dIV, dIV, dIV, dIV, dTW, dIG, dIG },
	},
};

/* The generic header, its 48-bit sequence extension and the type's subheader. */
struct nfct_dccp_hdrs {
	struct dccp_hdr base;
	struct dccp_hdr_ext seq_low;
	union {
		struct dccp_hdr_ack_bits ack;
		struct dccp_hdr_request request;
		struct dccp_hdr_response response;
		struct dccp_hdr_reset reset;
	};
};

/* Types that must carry 48-bit sequence numbers (RFC 4340, 5.1). */
static bool nfct_dccp_needs_x(u8 type)
{
	switch (type) {
	case DCCP_PKT_REQUEST:
	case DCCP_PKT_RESPONSE:
	case DCCP_PKT_CLOSEREQ:
	case DCCP_PKT_CLOSE:
	case DCCP_PKT_RESET:
	case DCCP_PKT_SYNC:
	case DCCP_PKT_SYNCACK:
		return true;
	}
	return false;
}

/*
 * The headers as far as the type's subheader, which may run into the
 * payload (the data offset is checked separately, as nf_conntrack does),
 * or NULL if the packet ends first.
 */
static const struct dccp_hdr *nfct_dccp_header(const struct sk_buff *skb,
					       unsigned int off,
					       struct nfct_dccp_hdrs *buf)
{
	const struct dccp_hdr *dh;
	unsigned int len;

	dh = skb_header_pointer(skb, off, sizeof(buf->base), &buf->base);
	if (!dh)
		return NULL;
	len = __dccp_hdr_len(dh);
	if (len > sizeof(*buf))
		return NULL;
	return skb_header_pointer(skb, off, len, buf);
}

/* The acknowledgement number, as the 48-bit form's fields say. */
static u64 nfct_dccp_ack(const struct dccp_hdr *dh)
{
	const struct dccp_hdr_ack_bits *ack =
		(const void *)((const u8 *)dh + __dccp_basic_hdr_len(dh));

	return ((u64)ntohs(ack->dccph_ack_nr_high) << 32) + ntohl(ack->dccph_ack_nr_low);
}

/*
 * nf_conntrack sums (CsCov - 1) * 4 bytes from the DCCP header, all of
 * them for CsCov 0, with nf_checksum_partial(). For CsCov 1 that is no
 * byte at all, which nfct_checksum() would take for "the whole packet":
 * that one case calls the partial sum itself, to get the kernel's answer.
 */
static __sum16 nfct_dccp_checksum(struct sk_buff *skb, unsigned int hook,
				  unsigned int off, unsigned int cscov)
{
	if (cscov)
		return nfct_checksum(skb, hook, off, cscov, IPPROTO_DCCP);
	return nf_checksum_partial(skb, hook, off, 0, IPPROTO_DCCP,
				   nfct_l3_of_skb(skb)->family);
}

/*
 * Before lookup, as nf_conntrack checks before anything is tracked:
 *   - no room for the generic header, or for the sequence extension and
 *     subheader its type and X bit announce: nf_conntrack's tracker
 *     returns NF_DROP, which nf_conntrack_in() counts in invalid and in
 *     drop. Dropped here the same way, and before the entry is looked up
 *     or made, so that nothing of it is touched, as there;
 *   - a data offset outside 12 bytes .. the packet, a checksum coverage
 *     beyond the packet, a bad checksum where packets arrive (PRE_ROUTING;
 *     nf_conntrack's checksum=1 default), a reserved type, a type that
 *     needs 48-bit sequence numbers without the X bit: INVALID, counted,
 *     and passed.
 */
static int nfct_dccp_error(struct nfct_net *cn, struct sk_buff *skb,
			   unsigned int off, unsigned int hook)
{
	unsigned int len = skb->len - off, cscov;
	struct nfct_dccp_hdrs buf;
	const struct dccp_hdr *dh;
	u8 type;

	dh = skb_header_pointer(skb, off, sizeof(buf.base), &buf.base);
	if (!dh)
		goto drop;
	if (dh->dccph_doff * 4 < sizeof(*dh) || dh->dccph_doff * 4 > len)
		goto invalid;
	cscov = len;
	if (dh->dccph_cscov) {
		cscov = (dh->dccph_cscov - 1) * 4;
		if (cscov > len)
			goto invalid;
	}
	if (hook == NF_INET_PRE_ROUTING && nfct_dccp_checksum(skb, hook, off, cscov))
		goto invalid;
	type = dh->dccph_type;
	if (type >= DCCP_PKT_INVALID)
		goto invalid;
	if (nfct_dccp_needs_x(type) && !dh->dccph_x)
		goto invalid;
	if (!nfct_dccp_header(skb, off, &buf))
		goto drop;
	return NFCT_TRACK_IT;
invalid:
	NFCT_STAT_INC(cn, invalid);
	/* Its entry, if it has one, must not speak for it. */
	return nfct_pkt_invalid(cn, skb);
drop:
	NFCT_STAT_INC(cn, invalid);
	NFCT_STAT_INC(cn, drop);
	return NF_DROP;
}

/*
 * The first packet. What nf_conntrack's table lets out of NONE for a
 * client: a Request always, nothing else. Another type would need
 * dccp_loose, were the table to allow one: kept so, as there.
 */
static bool nfct_dccp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			  unsigned int off, const struct nfct_net *cn)
{
	struct nfct_dccp_state *st = &nfct_conn_proto(ct)->dccp;
	const struct dccp_hdr *dh;
	struct dccp_hdr buf;

	dh = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!dh || dh->dccph_type >= NFCT_DCCP_TYPES)
		return false;
	switch (nfct_dccp_next[NFCT_DCCP_CLIENT][NFCT_DCCP_NONE][dh->dccph_type]) {
	case NFCT_DCCP_REQUEST:
		break;
	case NFCT_DCCP_INVALID:
		return false;
	default:
		if (!READ_ONCE(cn->dccp_loose))
			return false;
		break;
	}
	st->role[NFCT_DIR_ORIGINAL] = NFCT_DCCP_CLIENT;
	st->role[NFCT_DIR_REPLY] = NFCT_DCCP_SERVER;
	st->state = NFCT_DCCP_NONE;
	st->last_pkt = DCCP_PKT_REQUEST;
	st->last_dir = NFCT_DIR_ORIGINAL;
	st->handshake_seq = 0;
	return true;
}

/*
 * A Response after a Request the other way that we ignored: the endpoints
 * are starting over and we were out of step. The Request's sender is the
 * client.
 */
static bool nfct_dccp_resync(struct nfct_dccp_state *st, enum nfct_dir dir,
			     const struct dccp_hdr *dh)
{
	if (st->last_dir == dir || st->last_pkt != DCCP_PKT_REQUEST ||
	    dh->dccph_type != DCCP_PKT_RESPONSE)
		return false;
	st->role[!dir] = NFCT_DCCP_CLIENT;
	st->role[dir] = NFCT_DCCP_SERVER;
	st->handshake_seq = dccp_hdr_seq(dh);
	return true;
}

static enum nfct_track nfct_dccp_packet(struct nfct_conn *ct,
					const struct sk_buff *skb,
					unsigned int off, enum nfct_dir dir,
					const struct nfct_net *cn)
{
	struct nfct_dccp_state *st = &nfct_conn_proto(ct)->dccp;
	struct nfct_dccp_hdrs buf;
	const struct dccp_hdr *dh;
	u8 type, role, old, next;

	/* The error hook dropped or refused what fails here. */
	dh = nfct_dccp_header(skb, off, &buf);
	if (!dh || dh->dccph_type >= NFCT_DCCP_TYPES)
		return NFCT_TRACK_INVALID;
	type = dh->dccph_type;

	/*
	 * Refused: a Reset is the only answer. nf_conntrack kills the entry
	 * (counting the packet) and lets the Reset through as part of it,
	 * whatever the state: CLOSE does both. Only a confirmed entry gets
	 * here with a Reset: a new one can only start with a Request
	 * (nfct_dccp_new), so the kernel's other case, an entry killed
	 * before its confirmation, whose packet __nf_conntrack_confirm()
	 * would drop, cannot arise.
	 */
	if (type == DCCP_PKT_RESET && !test_bit(NFCT_SEEN_REPLY, &ct->status))
		return NFCT_TRACK_CLOSE;

	spin_lock_bh(&ct->lock);
	role = st->role[dir];
	old = st->state;
	next = nfct_dccp_next[role][old][type];
	switch (next) {
	case NFCT_DCCP_REQUEST:
		/* A new connection from the old server: it is the client now. */
		if (old == NFCT_DCCP_TIMEWAIT && role == NFCT_DCCP_SERVER) {
			st->role[dir] = NFCT_DCCP_CLIENT;
			st->role[!dir] = NFCT_DCCP_SERVER;
		}
		break;
	case NFCT_DCCP_RESPOND:
		if (old == NFCT_DCCP_REQUEST)
			st->handshake_seq = dccp_hdr_seq(dh);
		break;
	case NFCT_DCCP_PARTOPEN:
		/* The client acknowledges the Response: both sides spoke. */
		if (old == NFCT_DCCP_RESPOND && type == DCCP_PKT_ACK &&
		    nfct_dccp_ack(dh) == st->handshake_seq)
			set_bit(NFCT_ASSURED, &ct->status);
		break;
	case NFCT_DCCP_IGNORE:
		if (nfct_dccp_resync(st, dir, dh)) {
			next = NFCT_DCCP_RESPOND;
			break;
		}
		/*
		 * Passes, state and timeout untouched, but remembered for
		 * the resync above, as nf_conntrack remembers it.
		 */
		st->last_dir = dir;
		st->last_pkt = type;
		spin_unlock_bh(&ct->lock);
		return NFCT_TRACK_IGNORE;
	case NFCT_DCCP_INVALID:
		spin_unlock_bh(&ct->lock);
		return NFCT_TRACK_INVALID;
	}
	st->last_dir = dir;
	st->last_pkt = type;
	WRITE_ONCE(st->state, next);
	spin_unlock_bh(&ct->lock);

	nfct_refresh(ct, READ_ONCE(cn->timeouts.dccp[next]));
	return NFCT_TRACK_ACCEPT;
}

static const char *nfct_dccp_state_name(const struct nfct_conn *ct)
{
	u8 state = READ_ONCE(nfct_conn_proto(ct)->dccp.state);

	return state < ARRAY_SIZE(nfct_dccp_names) ? nfct_dccp_names[state] : "NONE";
}

/* A closing connection may go when the table is full, ASSURED or not. */
static bool nfct_dccp_can_early_drop(const struct nfct_conn *ct)
{
	switch (READ_ONCE(nfct_conn_proto(ct)->dccp.state)) {
	case NFCT_DCCP_CLOSEREQ:
	case NFCT_DCCP_CLOSING:
	case NFCT_DCCP_TIMEWAIT:
		return true;
	default:
		return false;
	}
}

/* The tuple is the two ports, as nf_conntrack's: 4 bytes suffice. */
const struct nfct_l4proto nfct_l4proto_dccp = {
	.protonum	= IPPROTO_DCCP,
	.name		= "dccp",
	.pkt_to_tuple	= nfct_ports_to_tuple,
	.invert		= nfct_ports_invert,
	.new		= nfct_dccp_new,
	.packet		= nfct_dccp_packet,
	.error		= nfct_dccp_error,
	.state_name	= nfct_dccp_state_name,
	.can_early_drop	= nfct_dccp_can_early_drop,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l4proto_dccp);

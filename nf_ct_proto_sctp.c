// SPDX-License-Identifier: GPL-2.0
/*
 * SCTP tracker, with nf_conntrack 6.1's rules: an association's state moves
 * with the control chunks it carries (nfct_sctp_next), each direction's
 * verification tag is learnt from the INIT and INIT ACK and then checked as
 * RFC 9260 section 8.5 says, and the timeout is the new state's
 * (sctp_timeout_*, 3 s while setting up or shutting down, 210 s
 * ESTABLISHED). ESTABLISHED is ASSURED. The CRC32c is checked on packets
 * arriving (PRE_ROUTING) with no checksum verdict from their device.
 *
 * A packet is INVALID, and passes without touching the entry, when its
 * chunks are malformed (none, a zero length, an INIT, INIT ACK or SHUTDOWN
 * COMPLETE not alone, a COOKIE ECHO or ACK not first), its tag is wrong, or
 * a chunk has no transition from the state. The entry keeps what the chunks
 * before the offending one changed, as nf_conntrack's does.
 */
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/netfilter.h>
#include <linux/sctp.h>
#include <linux/skbuff.h>

#include "nf_ct.h"

/* The control chunks that move the state; every other chunk keeps it. */
enum nfct_sctp_chunk {
	NFCT_SCTP_C_INIT,
	NFCT_SCTP_C_INIT_ACK,
	NFCT_SCTP_C_ABORT,
	NFCT_SCTP_C_SHUTDOWN,
	NFCT_SCTP_C_SHUTDOWN_ACK,
	NFCT_SCTP_C_ERROR,
	NFCT_SCTP_C_COOKIE_ECHO,
	NFCT_SCTP_C_COOKIE_ACK,
	NFCT_SCTP_C_SHUTDOWN_COMPLETE,
	NFCT_SCTP_C_HEARTBEAT,
	NFCT_SCTP_C_HEARTBEAT_ACK,
	NFCT_SCTP_C_MAX
};

static int nfct_sctp_chunk_of(u8 type)
{
	switch (type) {
	case SCTP_CID_INIT:		return NFCT_SCTP_C_INIT;
	case SCTP_CID_INIT_ACK:		return NFCT_SCTP_C_INIT_ACK;
	case SCTP_CID_ABORT:		return NFCT_SCTP_C_ABORT;
	case SCTP_CID_SHUTDOWN:		return NFCT_SCTP_C_SHUTDOWN;
	case SCTP_CID_SHUTDOWN_ACK:	return NFCT_SCTP_C_SHUTDOWN_ACK;
	case SCTP_CID_ERROR:		return NFCT_SCTP_C_ERROR;
	case SCTP_CID_COOKIE_ECHO:	return NFCT_SCTP_C_COOKIE_ECHO;
	case SCTP_CID_COOKIE_ACK:	return NFCT_SCTP_C_COOKIE_ACK;
	case SCTP_CID_SHUTDOWN_COMPLETE: return NFCT_SCTP_C_SHUTDOWN_COMPLETE;
	case SCTP_CID_HEARTBEAT:	return NFCT_SCTP_C_HEARTBEAT;
	case SCTP_CID_HEARTBEAT_ACK:	return NFCT_SCTP_C_HEARTBEAT_ACK;
	}
	return -1;
}

#define NO	NFCT_SCTP_NONE
#define CL	NFCT_SCTP_CLOSED
#define CW	NFCT_SCTP_COOKIE_WAIT
#define CE	NFCT_SCTP_COOKIE_ECHOED
#define ES	NFCT_SCTP_ESTABLISHED
#define SS	NFCT_SCTP_SHUTDOWN_SENT
#define SR	NFCT_SCTP_SHUTDOWN_RECD
#define SA	NFCT_SCTP_SHUTDOWN_ACK_SENT
#define HS	NFCT_SCTP_HEARTBEAT_SENT
#define XX	NFCT_SCTP_MAX	/* no transition: INVALID */

/*
 * The next state by direction, chunk and current state: nf_conntrack
 * 6.1's table. Columns are the states NO CL CW CE ES SS SR SA HS. In the
 * reply direction nothing moves an entry still NONE or HEARTBEAT_SENT but
 * a HEARTBEAT or its ACK: a reply with no association seen is INVALID.
 */
static const u8 nfct_sctp_next[NFCT_DIR_MAX][NFCT_SCTP_C_MAX][NFCT_SCTP_MAX] = {
	[NFCT_DIR_ORIGINAL] = {
		[NFCT_SCTP_C_INIT]		= { CL, CL, CW, CE, ES, CL, CL, SA, CW },
		[NFCT_SCTP_C_INIT_ACK]		= { CL, CL, CW, CE, ES, SS, SR, SA, CL },
		[NFCT_SCTP_C_ABORT]		= { CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[NFCT_SCTP_C_SHUTDOWN]		= { CL, CL, CW, CE, SS, SS, SR, SA, CL },
		[NFCT_SCTP_C_SHUTDOWN_ACK]	= { SA, CL, CW, CE, ES, SA, SA, SA, SA },
		[NFCT_SCTP_C_ERROR]		= { CL, CL, CW, CE, ES, SS, SR, SA, CL },
		[NFCT_SCTP_C_COOKIE_ECHO]	= { CL, CL, CE, CE, ES, SS, SR, SA, CL },
		[NFCT_SCTP_C_COOKIE_ACK]	= { CL, CL, CW, ES, ES, SS, SR, SA, CL },
		[NFCT_SCTP_C_SHUTDOWN_COMPLETE]	= { CL, CL, CW, CE, ES, SS, SR, CL, CL },
		[NFCT_SCTP_C_HEARTBEAT]		= { HS, CL, CW, CE, ES, SS, SR, SA, HS },
		[NFCT_SCTP_C_HEARTBEAT_ACK]	= { CL, CL, CW, CE, ES, SS, SR, SA, HS },
	},
	[NFCT_DIR_REPLY] = {
		[NFCT_SCTP_C_INIT]		= { XX, CL, CW, CE, ES, SS, SR, SA, XX },
		[NFCT_SCTP_C_INIT_ACK]		= { XX, CW, CW, CE, ES, SS, SR, SA, XX },
		[NFCT_SCTP_C_ABORT]		= { XX, CL, CL, CL, CL, CL, CL, CL, XX },
		[NFCT_SCTP_C_SHUTDOWN]		= { XX, CL, CW, CE, SR, SS, SR, SA, XX },
		[NFCT_SCTP_C_SHUTDOWN_ACK]	= { XX, CL, CW, CE, ES, SA, SA, SA, XX },
		[NFCT_SCTP_C_ERROR]		= { XX, CL, CW, CL, ES, SS, SR, SA, XX },
		[NFCT_SCTP_C_COOKIE_ECHO]	= { XX, CL, CE, CE, ES, SS, SR, SA, XX },
		[NFCT_SCTP_C_COOKIE_ACK]	= { XX, CL, CW, ES, ES, SS, SR, SA, XX },
		[NFCT_SCTP_C_SHUTDOWN_COMPLETE]	= { XX, CL, CW, CE, ES, SS, SR, CL, XX },
		[NFCT_SCTP_C_HEARTBEAT]		= { XX, CL, CW, CE, ES, SS, SR, SA, HS },
		[NFCT_SCTP_C_HEARTBEAT_ACK]	= { XX, CL, CW, CE, ES, SS, SR, SA, ES },
	},
};

#undef NO
#undef CL
#undef CW
#undef CE
#undef ES
#undef SS
#undef SR
#undef SA
#undef HS
#undef XX

static const char *const nfct_sctp_names[NFCT_SCTP_MAX] = {
	[NFCT_SCTP_NONE]		= "NONE",
	[NFCT_SCTP_CLOSED]		= "CLOSED",
	[NFCT_SCTP_COOKIE_WAIT]		= "COOKIE_WAIT",
	[NFCT_SCTP_COOKIE_ECHOED]	= "COOKIE_ECHOED",
	[NFCT_SCTP_ESTABLISHED]		= "ESTABLISHED",
	[NFCT_SCTP_SHUTDOWN_SENT]	= "SHUTDOWN_SENT",
	[NFCT_SCTP_SHUTDOWN_RECD]	= "SHUTDOWN_RECD",
	[NFCT_SCTP_SHUTDOWN_ACK_SENT]	= "SHUTDOWN_ACK_SENT",
	[NFCT_SCTP_HEARTBEAT_SENT]	= "HEARTBEAT_SENT",
};

/* The next state, or the current one for chunks that do not move it. */
static u8 nfct_sctp_step(enum nfct_dir dir, u8 state, u8 type)
{
	int c = nfct_sctp_chunk_of(type);

	return c < 0 ? state : nfct_sctp_next[dir][c][state];
}

/* Walks the chunks after the common header; stops at the first not all there. */
#define nfct_sctp_for_each_chunk(skb, off, pos, ch, buf)			\
	for ((pos) = (off) + sizeof(struct sctphdr);				\
	     (pos) < (skb)->len &&						\
	     ((ch) = skb_header_pointer((skb), (pos), sizeof(buf), &(buf)));	\
	     (pos) += (ntohs((ch)->length) + 3) & ~3U)

/*
 * The chunks present, as a bitmap of their types, if their layout is one
 * SCTP allows; false if not, or if there is none.
 */
static bool nfct_sctp_chunk_map(const struct sk_buff *skb, unsigned int off,
				unsigned long *map)
{
	const struct sctp_chunkhdr *ch;
	struct sctp_chunkhdr buf;
	unsigned int pos, n = 0;
	bool alone = false;

	nfct_sctp_for_each_chunk(skb, off, pos, ch, buf) {
		if (ch->type == SCTP_CID_INIT || ch->type == SCTP_CID_INIT_ACK ||
		    ch->type == SCTP_CID_SHUTDOWN_COMPLETE)
			alone = true;
		if (!ch->length)
			return false;
		/* Bundled behind another chunk: it must have come first, alone. */
		if (n && (alone || ch->type == SCTP_CID_COOKIE_ECHO ||
			  ch->type == SCTP_CID_COOKIE_ACK))
			return false;
		__set_bit(ch->type, map);
		n++;
	}
	return n;
}

/* RFC 9260 appendix A's CRC32c over the packet, the checksum field as zero. */
static __wsum nfct_sctp_crc_update(const void *p, int len, __wsum sum)
{
	return (__force __wsum)__crc32c_le((__force u32)sum, p, len);
}

static __wsum nfct_sctp_crc_combine(__wsum a, __wsum b, int off, int len)
{
	return (__force __wsum)__crc32c_le_combine((__force u32)a, (__force u32)b, len);
}

static const struct skb_checksum_ops nfct_sctp_crc_ops = {
	.update		= nfct_sctp_crc_update,
	.combine	= nfct_sctp_crc_combine,
};

/* Also for nf_ct_nat.ko, which sums a rewritten packet again. */
__le32 nfct_sctp_crc(const struct sk_buff *skb, unsigned int off)
{
	const unsigned int at = offsetof(struct sctphdr, checksum);
	static const u8 zero[4];
	__wsum crc;

	crc = __skb_checksum(skb, off, at, ~(__wsum)0, &nfct_sctp_crc_ops);
	crc = nfct_sctp_crc_update(zero, sizeof(zero), crc);
	crc = __skb_checksum(skb, off + at + 4, skb->len - off - at - 4, crc,
			     &nfct_sctp_crc_ops);
	return cpu_to_le32(~(__force u32)crc);
}
EXPORT_SYMBOL_GPL(nfct_sctp_crc);

/*
 * Before lookup, as nf_conntrack checks before it tracks: a packet shorter
 * than the common header, a bad CRC32c where checked, or malformed chunks
 * is INVALID, and its entry, if any, must not speak for it.
 */
static int nfct_sctp_error(struct nfct_net *cn, struct sk_buff *skb,
			   unsigned int off, unsigned int hook)
{
	DECLARE_BITMAP(map, 256) = {};
	const struct sctphdr *sh;
	struct sctphdr buf;

	sh = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!sh)
		goto invalid;
	if (hook == NF_INET_PRE_ROUTING && skb->ip_summed == CHECKSUM_NONE) {
		if (sh->checksum != nfct_sctp_crc(skb, off))
			goto invalid;
		/* As nf_conntrack: the SCTP stack need not sum it again. */
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	if (!nfct_sctp_chunk_map(skb, off, map))
		goto invalid;
	return NFCT_TRACK_IT;
invalid:
	NFCT_STAT_INC(cn, invalid);
	return nfct_pkt_invalid(cn, skb);
}

/* The Initiate Tag of the INIT or INIT ACK chunk at @pos, if it is there. */
static bool nfct_sctp_init_tag(const struct sk_buff *skb, unsigned int pos,
			       __be32 *tag)
{
	struct sctp_inithdr buf;
	const struct sctp_inithdr *ih;

	ih = skb_header_pointer(skb, pos + sizeof(struct sctp_chunkhdr),
				sizeof(buf), &buf);
	if (!ih)
		return false;
	*tag = ih->init_tag;
	return true;
}

/*
 * The first packet: it may open an entry unless it is what answers a
 * packet out of the blue (ABORT, SHUTDOWN COMPLETE, COOKIE ACK: RFC 9260
 * 8.4), or a chunk has nowhere to go from NONE (DATA, say). The tags it
 * tells are noted: the peer's from an INIT (whose own tag must be 0), the
 * sender's from a HEARTBEAT, the peer's from a SHUTDOWN ACK out of the blue,
 * which the peer's SHUTDOWN COMPLETE will carry.
 */
static bool nfct_sctp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			  unsigned int off, const struct nfct_net *cn)
{
	struct nfct_sctp_state *st = &nfct_conn_proto(ct)->sctp;
	DECLARE_BITMAP(map, 256) = {};
	const struct sctp_chunkhdr *ch;
	struct sctp_chunkhdr buf;
	const struct sctphdr *sh;
	struct sctphdr hbuf;
	unsigned int pos;
	u8 next;

	memset(st, 0, sizeof(*st));
	sh = skb_header_pointer(skb, off, sizeof(hbuf), &hbuf);
	if (!sh || !nfct_sctp_chunk_map(skb, off, map))
		return false;
	if (test_bit(SCTP_CID_ABORT, map) ||
	    test_bit(SCTP_CID_SHUTDOWN_COMPLETE, map) ||
	    test_bit(SCTP_CID_COOKIE_ACK, map))
		return false;
	nfct_sctp_for_each_chunk(skb, off, pos, ch, buf) {
		next = nfct_sctp_step(NFCT_DIR_ORIGINAL, NFCT_SCTP_NONE, ch->type);
		if (next == NFCT_SCTP_NONE || next == NFCT_SCTP_MAX)
			return false;
		switch (ch->type) {
		case SCTP_CID_INIT:
			if (sh->vtag ||
			    !nfct_sctp_init_tag(skb, pos, &st->vtag[NFCT_DIR_REPLY]))
				return false;
			break;
		case SCTP_CID_HEARTBEAT:
			st->vtag[NFCT_DIR_ORIGINAL] = sh->vtag;
			break;
		case SCTP_CID_SHUTDOWN_ACK:
			st->vtag[NFCT_DIR_REPLY] = sh->vtag;
			break;
		}
	}
	return true;
}

/*
 * A chunk whose header carries the peer's tag instead of the sender's when
 * its T bit is set (ABORT, SHUTDOWN COMPLETE: RFC 9260 8.5.1 B and C).
 */
static bool nfct_sctp_t_tag_ok(const struct nfct_sctp_state *st,
			       const struct sctp_chunkhdr *ch, __be32 vtag,
			       enum nfct_dir dir)
{
	return vtag == st->vtag[(ch->flags & SCTP_CHUNK_FLAG_T) ? !dir : dir];
}

/*
 * A HEARTBEAT or its ACK with a tag other than the one known for its
 * direction: the association may have restarted behind a NAT (a new one
 * on the old ports). The first such HEARTBEAT passes without refreshing
 * the entry; an ACK for it from the other side takes the new tag. Returns
 * false when the chunk is INVALID, true to go on, with *skip set when the
 * chunk leaves the state alone.
 */
static bool nfct_sctp_heartbeat_tag(struct nfct_sctp_state *st, u8 type,
				    __be32 vtag, enum nfct_dir dir,
				    bool data, bool *ignore, bool *skip)
{
	*skip = false;
	if (!st->vtag[dir]) {
		st->vtag[dir] = vtag;
		return true;
	}
	if (vtag == st->vtag[dir]) {
		st->heartbeat_vtag_failed = 0;
		return true;
	}
	if (data || *ignore)
		return false;
	if (type == SCTP_CID_HEARTBEAT) {
		st->heartbeat_vtag_failed = 1;
		st->last_dir = dir;
		*ignore = true;
		*skip = true;
		return true;
	}
	if (!st->heartbeat_vtag_failed || st->last_dir == dir)
		return false;
	st->heartbeat_vtag_failed = 0;
	st->vtag[dir] = vtag;
	st->vtag[!dir] = 0;
	return true;
}

/* Under ct->lock: one chunk's tag rules and transition; false if INVALID. */
static bool nfct_sctp_chunk(struct nfct_conn *ct, const struct sk_buff *skb,
			    unsigned int pos, const struct sctp_chunkhdr *ch,
			    __be32 vtag, enum nfct_dir dir, const unsigned long *map,
			    bool *ignore)
{
	struct nfct_sctp_state *st = &nfct_conn_proto(ct)->sctp;
	u8 old = st->state, next;
	bool skip;
	__be32 tag;

	lockdep_assert_held(&ct->lock);
	switch (ch->type) {
	case SCTP_CID_INIT:
		if (vtag)
			return false;
		break;
	case SCTP_CID_ABORT:
	case SCTP_CID_SHUTDOWN_COMPLETE:
		if (!nfct_sctp_t_tag_ok(st, ch, vtag, dir))
			return false;
		break;
	case SCTP_CID_COOKIE_ECHO:
		/* The tag the INIT ACK gave. */
		if (vtag != st->vtag[dir])
			return false;
		break;
	case SCTP_CID_COOKIE_ACK:
		st->init[NFCT_DIR_ORIGINAL] = 0;
		st->init[NFCT_DIR_REPLY] = 0;
		break;
	case SCTP_CID_HEARTBEAT:
	case SCTP_CID_HEARTBEAT_ACK:
		if (!nfct_sctp_heartbeat_tag(st, ch->type, vtag, dir,
					     test_bit(SCTP_CID_DATA, map),
					     ignore, &skip))
			return false;
		if (skip)
			return true;
		break;
	}

	next = nfct_sctp_step(dir, old, ch->type);
	if (next == NFCT_SCTP_MAX)
		return false;

	if (ch->type == SCTP_CID_INIT) {
		if (!nfct_sctp_init_tag(skb, pos, &tag))
			return false;
		/* Not a stale or retransmitted INIT carrying the peer's tag. */
		if (old == NFCT_SCTP_NONE || st->vtag[!dir] != tag) {
			if (st->init[dir] && st->init[!dir])
				st->init[!dir] = 0;
			st->init[dir] = 1;
		}
		st->vtag[!dir] = tag;
		/*
		 * An INIT again and again on a closed entry does not keep it
		 * (and its NAT binding) alive: a client or a NAT reusing the
		 * port would otherwise hold it forever.
		 */
		if (old == NFCT_SCTP_CLOSED && next == NFCT_SCTP_CLOSED &&
		    nfct_conn_confirmed(ct))
			*ignore = true;
	} else if (ch->type == SCTP_CID_INIT_ACK) {
		if (!nfct_sctp_init_tag(skb, pos, &tag))
			return false;
		/* The answer to another INIT than the one seen, */
		if (!st->init[!dir] && st->vtag[!dir] && st->vtag[!dir] != tag)
			return false;
		/* or, both sides having sent one, to the other's. */
		if (st->init[dir] && st->init[!dir] && st->vtag[!dir] != tag)
			return false;
		st->vtag[!dir] = tag;
	}

	st->state = next;
	if (old != next && next == NFCT_SCTP_ESTABLISHED &&
	    !test_bit(NFCT_ASSURED, &ct->status))
		set_bit(NFCT_ASSURED, &ct->status);
	return true;
}

static enum nfct_track nfct_sctp_packet(struct nfct_conn *ct,
					const struct sk_buff *skb,
					unsigned int off, enum nfct_dir dir,
					const struct nfct_net *cn)
{
	struct nfct_sctp_state *st = &nfct_conn_proto(ct)->sctp;
	DECLARE_BITMAP(map, 256) = {};
	const struct sctp_chunkhdr *ch;
	struct sctp_chunkhdr buf;
	const struct sctphdr *sh;
	struct sctphdr hbuf;
	bool ignore = false;
	unsigned int pos;
	u8 state;

	sh = skb_header_pointer(skb, off, sizeof(hbuf), &hbuf);
	if (!sh || !nfct_sctp_chunk_map(skb, off, map))
		return NFCT_TRACK_INVALID;

	spin_lock_bh(&ct->lock);
	/*
	 * RFC 9260 8.5: the packet carries the tag its receiver chose, unless
	 * a chunk with rules of its own (8.5.1) is in it.
	 */
	if (!test_bit(SCTP_CID_INIT, map) &&
	    !test_bit(SCTP_CID_SHUTDOWN_COMPLETE, map) &&
	    !test_bit(SCTP_CID_COOKIE_ECHO, map) &&
	    !test_bit(SCTP_CID_ABORT, map) &&
	    !test_bit(SCTP_CID_SHUTDOWN_ACK, map) &&
	    !test_bit(SCTP_CID_HEARTBEAT, map) &&
	    !test_bit(SCTP_CID_HEARTBEAT_ACK, map) &&
	    sh->vtag != st->vtag[dir])
		goto invalid;
	nfct_sctp_for_each_chunk(skb, off, pos, ch, buf) {
		if (!nfct_sctp_chunk(ct, skb, pos, ch, sh->vtag, dir, map, &ignore))
			goto invalid;
	}
	state = st->state;
	spin_unlock_bh(&ct->lock);

	if (ignore)
		return NFCT_TRACK_IGNORE;
	nfct_refresh(ct, READ_ONCE(cn->timeouts.sctp[state]));
	return NFCT_TRACK_ACCEPT;
invalid:
	spin_unlock_bh(&ct->lock);
	return NFCT_TRACK_INVALID;
}

static const char *nfct_sctp_state_name(const struct nfct_conn *ct)
{
	u8 state = READ_ONCE(nfct_conn_proto(ct)->sctp.state);

	return state < NFCT_SCTP_MAX ? nfct_sctp_names[state] : "NONE";
}

/* An association shutting down may go when the table is full. */
static bool nfct_sctp_can_early_drop(const struct nfct_conn *ct)
{
	switch (READ_ONCE(nfct_conn_proto(ct)->sctp.state)) {
	case NFCT_SCTP_SHUTDOWN_SENT:
	case NFCT_SCTP_SHUTDOWN_RECD:
	case NFCT_SCTP_SHUTDOWN_ACK_SENT:
		return true;
	default:
		return false;
	}
}

const struct nfct_l4proto nfct_l4proto_sctp = {
	.protonum	= IPPROTO_SCTP,
	.name		= "sctp",
	.pkt_to_tuple	= nfct_ports_to_tuple,
	.invert		= nfct_ports_invert,
	.new		= nfct_sctp_new,
	.packet		= nfct_sctp_packet,
	.error		= nfct_sctp_error,
	.state_name	= nfct_sctp_state_name,
	.can_early_drop	= nfct_sctp_can_early_drop,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l4proto_sctp);

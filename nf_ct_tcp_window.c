// SPDX-License-Identifier: GPL-2.0
/*
 * TCP sequence and window tracking, after Guido van Rooij's "Real Stateful
 * TCP Packet Filtering in IP Filter", with nf_conntrack 6.1's bounds and
 * outcomes. Each side's record (struct nfct_tcp_seen) keeps the highest
 * sequence it sent (end), how far the other side let it send (maxend), its
 * largest window (maxwin) and its highest ACK (maxack).
 *
 * A segment with end = seq + len (+1 for SYN, +1 for FIN) and sack = its
 * highest SACK right edge (or its ACK) passes when, in sequence space,
 *   I.   seq  <= sender.maxend                           else INVALID
 *   III. sack <= receiver.end                            else INVALID
 *   II.  end  >= sender.end - receiver.maxwin            else IGNORE
 *   IV.  sack >= receiver.end - max(sender.maxwin, 66000) else IGNORE
 * checked in that order. I has one exception: a segment that only
 * overshoots the window, by no more than the receiver's largest window, is
 * IGNOREd and its end recorded, so that the ACK for it is not "over the
 * upper bound" later. Under be_liberal (the sysctl, or BE_LIBERAL on the
 * sender, as every picked-up connection has) a failed bound accepts the
 * segment instead, but still learns nothing from it.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include <asm/unaligned.h>

#include "nf_ct.h"
#include "nf_ct_tcp.h"

/* The least ACK window of bound IV, whatever the windows seen. */
#define NFCT_TCP_MIN_ACK_WINDOW		66000

/*
 * a <= b and a >= b in sequence space, in the form nf_conntrack uses, so
 * that the point half the space away falls on the same side as there.
 */
static bool nfct_seq_le(u32 a, u32 b)
{
	return before(a, b + 1);
}

static bool nfct_seq_ge(u32 a, u32 b)
{
	return after(a, b - 1);
}

static u32 nfct_tcp_ack_window(const struct nfct_tcp_seen *sender)
{
	return max_t(u32, sender->maxwin, NFCT_TCP_MIN_ACK_WINDOW);
}

/* Options nf_conntrack reads: window scale, SACK permitted, SACK blocks. */
static void nfct_tcp_parse_options(const u8 *opt, int len,
				   struct nfct_tcp_seg *seg)
{
	bool sack_done = false;
	int size, i;
	u32 edge;

	while (len > 0) {
		if (opt[0] == TCPOPT_EOL)
			return;
		if (opt[0] == TCPOPT_NOP) {
			opt++;
			len--;
			continue;
		}
		/* A malformed or cut option ends the walk. */
		if (len < 2)
			return;
		size = opt[1];
		if (size < 2 || size > len)
			return;
		switch (opt[0]) {
		case TCPOPT_WINDOW:
			if (size != TCPOLEN_WINDOW)
				break;
			seg->wscale = min_t(u8, opt[2], TCP_MAX_WSCALE);
			seg->opt_flags |= IP_CT_TCP_FLAG_WINDOW_SCALE;
			break;
		case TCPOPT_SACK_PERM:
			if (size == TCPOLEN_SACK_PERM)
				seg->opt_flags |= IP_CT_TCP_FLAG_SACK_PERM;
			break;
		case TCPOPT_SACK:
			/* Only the first well-formed SACK option counts. */
			if (sack_done || size < TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK ||
			    (size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)
				break;
			sack_done = true;
			for (i = TCPOLEN_SACK_BASE; i < size; i += TCPOLEN_SACK_PERBLOCK) {
				edge = get_unaligned_be32(opt + i + 4);
				if (after(edge, seg->sack))
					seg->sack = edge;
			}
			break;
		}
		opt += size;
		len -= size;
	}
}

/**
 * nfct_tcp_parse - read what the tracker needs from a TCP segment
 * @skb: the packet, trimmed to its IP length
 * @off: where the TCP header starts
 * @th: the header, checked whole (nfct_tcp_header)
 * @seg: filled in
 */
void nfct_tcp_parse(const struct sk_buff *skb, unsigned int off,
		    const struct tcphdr *th, struct nfct_tcp_seg *seg)
{
	unsigned int hlen = th->doff * 4;
	u8 buf[MAX_TCP_OPTION_SPACE];
	const u8 *opt;

	memset(seg, 0, sizeof(*seg));
	seg->seq = ntohl(th->seq);
	seg->ack = ntohl(th->ack_seq);
	seg->sack = seg->ack;
	seg->end = seg->seq + (skb->len - off - hlen) + th->syn + th->fin;
	seg->win = ntohs(th->window);
	seg->flags = tcp_flag_byte(th);
	if (hlen == sizeof(*th))
		return;
	opt = skb_header_pointer(skb, off + sizeof(*th), hlen - sizeof(*th), buf);
	if (!opt)
		return;
	seg->has_opts = true;
	nfct_tcp_parse_options(opt, hlen - sizeof(*th), seg);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tcp_parse);

/* A SYN's options replace the side's; a SYN without any leaves them. */
static void nfct_tcp_take_options(struct nfct_tcp_seen *s,
				  const struct nfct_tcp_seg *seg)
{
	if (!seg->has_opts)
		return;
	s->scale = seg->opt_flags & IP_CT_TCP_FLAG_WINDOW_SCALE ? seg->wscale : 0;
	s->flags &= IP_CT_TCP_FLAG_BE_LIBERAL;
	s->flags |= seg->opt_flags;
}

/**
 * nfct_tcp_window_new - the original side's record from a connection's first packet
 * @st: the new entry's state, all zero
 * @seg: its first segment, a SYN or (@pickup) one from mid-stream
 * @pickup: the connection's start was not seen
 *
 * A picked-up connection's windows are unknown (its scale was in SYNs we
 * missed): both sides are marked SACK_PERM and BE_LIBERAL, as nf_conntrack
 * marks them, so no window bound ever makes its packets INVALID.
 */
void nfct_tcp_window_new(struct nfct_tcp_state *st,
			 const struct nfct_tcp_seg *seg, bool pickup)
{
	struct nfct_tcp_seen *s = &st->seen[NFCT_DIR_ORIGINAL];

	s->end = seg->end;
	s->maxwin = seg->win ?: 1;
	if (pickup) {
		s->maxend = s->end + s->maxwin;
		st->seen[NFCT_DIR_ORIGINAL].flags = IP_CT_TCP_FLAG_SACK_PERM |
						    IP_CT_TCP_FLAG_BE_LIBERAL;
		st->seen[NFCT_DIR_REPLY].flags = IP_CT_TCP_FLAG_SACK_PERM |
						 IP_CT_TCP_FLAG_BE_LIBERAL;
	} else {
		s->maxend = s->end;
		nfct_tcp_take_options(s, seg);
	}
	st->last_index = NFCT_TCP_NOFLAG;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tcp_window_new);

/* The sender's record from its SYN or SYN/ACK. */
static void nfct_tcp_init_from_syn(struct nfct_tcp_state *st, enum nfct_dir dir,
				   const struct nfct_tcp_seg *seg)
{
	struct nfct_tcp_seen *sender = &st->seen[dir];
	struct nfct_tcp_seen *receiver = &st->seen[!dir];

	sender->end = seg->end;
	sender->maxend = seg->end;
	sender->maxwin = seg->win ?: 1;
	nfct_tcp_take_options(sender, seg);
	/* RFC 7323: windows are scaled only if both SYNs offered it. */
	if (dir == NFCT_DIR_REPLY &&
	    !(sender->flags & receiver->flags & IP_CT_TCP_FLAG_WINDOW_SCALE)) {
		sender->scale = 0;
		receiver->scale = 0;
	}
}

/* The sender's record from the middle of its stream. */
static void nfct_tcp_init_from_data(struct nfct_tcp_state *st, enum nfct_dir dir,
				    const struct nfct_tcp_seg *seg, u32 sack)
{
	struct nfct_tcp_seen *sender = &st->seen[dir];
	struct nfct_tcp_seen *receiver = &st->seen[!dir];
	u32 win = (u32)seg->win << sender->scale;

	sender->end = seg->end;
	sender->maxwin = win ?: 1;
	sender->maxend = seg->end + sender->maxwin;
	if (!receiver->maxwin) {
		/* Nothing seen the other way: let this ACK pass III and IV. */
		receiver->end = sack;
		receiver->maxend = sack;
	} else if (sack == receiver->end + 1) {
		/* Most likely the answer to a keepalive probe. */
		receiver->end++;
	}
}

static enum nfct_track nfct_tcp_out_of_window(const struct nfct_tcp_seen *sender,
					      bool be_liberal,
					      enum nfct_track verdict)
{
	if (be_liberal || sender->flags & IP_CT_TCP_FLAG_BE_LIBERAL)
		return NFCT_TRACK_ACCEPT;
	return verdict;
}

/* Counts a pure ACK identical to the last packet: a retransmission. */
static void nfct_tcp_count_retrans(struct nfct_tcp_state *st, enum nfct_dir dir,
				   u32 seq, u32 ack, u32 end, u16 win)
{
	if (st->last_dir == dir && st->last_seq == seq && st->last_ack == ack &&
	    st->last_end == end && st->last_win == win) {
		st->retrans++;
		return;
	}
	st->last_dir = dir;
	st->last_seq = seq;
	st->last_ack = ack;
	st->last_end = end;
	st->last_win = win;
	st->retrans = 0;
}

/**
 * nfct_tcp_in_window - check a segment against the window and learn from it
 * @st: the connection, locked; st->state is the state before this segment
 * @dir: the sender's direction
 * @cls: the segment's class
 * @seg: the segment
 * @be_liberal: the tcp_be_liberal sysctl
 *
 * Return: ACCEPT (the records were updated), IGNORE or INVALID.
 */
enum nfct_track nfct_tcp_in_window(struct nfct_tcp_state *st, enum nfct_dir dir,
				   enum nfct_tcp_class cls,
				   const struct nfct_tcp_seg *seg, bool be_liberal)
{
	struct nfct_tcp_seen *sender = &st->seen[dir];
	struct nfct_tcp_seen *receiver = &st->seen[!dir];
	bool syn = seg->flags & TCPHDR_SYN, rst = seg->flags & TCPHDR_RST;
	bool has_ack = seg->flags & TCPHDR_ACK;
	u32 seq = seg->seq, end = seg->end, ack = seg->ack, sack, win, overshot;

	/* SACK blocks count only if the receiver allowed them. */
	sack = receiver->flags & IP_CT_TCP_FLAG_SACK_PERM ? seg->sack : seg->ack;

	if (!sender->maxwin) {
		if (!syn) {
			nfct_tcp_init_from_data(st, dir, seg, sack);
		} else {
			nfct_tcp_init_from_syn(st, dir, seg);
			/* The responder's own SYN: a simultaneous open. */
			if (!has_ack)
				return NFCT_TRACK_ACCEPT;
		}
	} else if (syn && after(end, sender->end) &&
		   (st->state == NFCT_TCP_SYN_SENT || st->state == NFCT_TCP_SYN_RECV)) {
		/* A side that restarts must use higher sequence numbers (RFC 793). */
		nfct_tcp_init_from_syn(st, dir, seg);
		if (dir == NFCT_DIR_REPLY && !has_ack)
			return NFCT_TRACK_ACCEPT;
	}

	/* No ACK, or a broken stack's RST|ACK with ack 0: nothing to check. */
	if (!has_ack || (rst && !ack)) {
		ack = receiver->end;
		sack = receiver->end;
	}
	/* An RST answering a SYN may carry sequence 0. */
	if (rst && !seq && st->state == NFCT_TCP_SYN_SENT) {
		seq = sender->end;
		end = sender->end;
	}

	if (!nfct_seq_le(seq, sender->maxend)) {		/* I */
		overshot = end - sender->maxend + 1;
		if (receiver->maxwin &&
		    nfct_seq_ge(end, sender->end - receiver->maxwin) &&
		    nfct_seq_ge(sack, receiver->end - nfct_tcp_ack_window(sender)) &&
		    nfct_seq_le(sack, receiver->end) &&
		    overshot <= receiver->maxwin) {
			/*
			 * More than the window allowed, from a stack that
			 * does that: remember how far it went, or the ACK
			 * for it would be over III's bound.
			 */
			sender->end = end;
			sender->flags |= IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
			return nfct_tcp_out_of_window(sender, be_liberal, NFCT_TRACK_IGNORE);
		}
		return nfct_tcp_out_of_window(sender, be_liberal, NFCT_TRACK_INVALID);
	}
	if (!nfct_seq_le(sack, receiver->end))			/* III */
		return nfct_tcp_out_of_window(sender, be_liberal, NFCT_TRACK_INVALID);
	if (receiver->maxwin &&					/* II */
	    !nfct_seq_ge(end, sender->end - receiver->maxwin))
		return nfct_tcp_out_of_window(sender, be_liberal, NFCT_TRACK_IGNORE);
	if (!nfct_seq_ge(sack, receiver->end - nfct_tcp_ack_window(sender)))	/* IV */
		return nfct_tcp_out_of_window(sender, be_liberal, NFCT_TRACK_IGNORE);

	/* A SYN's window is never scaled (RFC 7323). */
	win = syn ? seg->win : (u32)seg->win << sender->scale;

	if (sender->maxwin < win + (sack - ack))
		sender->maxwin = win + (sack - ack);
	if (after(end, sender->end)) {
		sender->end = end;
		sender->flags |= IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
	}
	if (has_ack) {
		if (!(sender->flags & IP_CT_TCP_FLAG_MAXACK_SET)) {
			sender->maxack = ack;
			sender->flags |= IP_CT_TCP_FLAG_MAXACK_SET;
		} else if (after(ack, sender->maxack)) {
			sender->maxack = ack;
		}
	}

	if (receiver->maxwin && after(end, sender->maxend))
		receiver->maxwin += end - sender->maxend;
	if (nfct_seq_ge(sack + win, receiver->maxend)) {
		/* A zero window still lets one byte probe it. */
		receiver->maxend = sack + win + !win;
	}
	if (ack == receiver->end)
		receiver->flags &= ~IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;

	if (cls == NFCT_TCP_ACK)
		nfct_tcp_count_retrans(st, dir, seq, ack, end, seg->win);
	return NFCT_TRACK_ACCEPT;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tcp_in_window);

// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tracker, at parity with nf_conntrack 6.1. The state machine is data:
 * nfct_tcp_next[dir][class][state] gives the next state for every
 * direction, packet class and state, with the same cells as nf_conntrack.
 * A move the table allows must also fit the windows (nf_ct_tcp_window.c).
 * Around the table, nfct_tcp_packet() handles what one cell cannot say:
 *   - a SYN on a closed connection reopens it (a new entry) if the close
 *     was seen from this side or was an RST; else it is ignored;
 *   - an ignored packet leaves the entry as it was, but is remembered, so
 *     that a SYN/ACK answering an ignored SYN resynchronises the entry, and
 *     an ACK answering a SYN in LAST_ACK is known as a challenge ACK;
 *   - simultaneous open (SYN_SENT2) ends in ESTABLISHED on the reply's ACK;
 *   - an RST before the peer's highest ACK is INVALID (unless
 *     tcp_ignore_invalid_rst), except while closing, where what we know may
 *     be stale.
 * The timeout then depends on the state, on unacknowledged data, zero
 * windows and retransmissions; an RST before any reply deletes the entry.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/tcp.h>

#include "nf_ct.h"
#include "nf_ct_tcp.h"

/* Every entry carries it: no larger than nf_conntrack's struct ip_ct_tcp. */
static_assert(sizeof(struct nfct_tcp_state) <= 60);

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

/*
 * The first packet: a SYN, or an ACK from mid-stream if tcp_loose. The
 * state stays NONE: nfct_tcp_packet() moves it, as for any packet.
 */
static bool nfct_tcp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			 unsigned int off, const struct nfct_net *cn)
{
	struct tcphdr buf;
	const struct tcphdr *th = nfct_tcp_header(skb, off, &buf);
	struct nfct_tcp_seg seg;
	u8 next;

	if (!th || !nfct_tcp_flags_valid(tcp_flag_byte(th)))
		return false;
	next = nfct_tcp_next[NFCT_DIR_ORIGINAL][nfct_tcp_classify(tcp_flag_byte(th))][NFCT_TCP_NONE];
	if (next >= NFCT_TCP_MAX)
		return false;
	if (next != NFCT_TCP_SYN_SENT && !READ_ONCE(cn->tcp.loose))
		return false;
	nfct_tcp_parse(skb, off, th, &seg);
	nfct_tcp_window_new(&nfct_conn_proto(ct)->tcp, &seg, next != NFCT_TCP_SYN_SENT);
	return true;
}

/* Closing states: the tuple may already carry a new connection. */
static bool nfct_tcp_closing(u8 state)
{
	switch (state) {
	case NFCT_TCP_FIN_WAIT:
	case NFCT_TCP_CLOSE_WAIT:
	case NFCT_TCP_LAST_ACK:
	case NFCT_TCP_TIME_WAIT:
	case NFCT_TCP_CLOSE:
		return true;
	}
	return false;
}

static bool nfct_tcp_established(const struct nfct_conn *ct)
{
	return nfct_conn_proto(ct)->tcp.state == NFCT_TCP_ESTABLISHED &&
	       test_bit(NFCT_ASSURED, &ct->status);
}

/*
 * A SYN after TIME_WAIT or CLOSE starts a new connection if the old one
 * surely ended: a side sent the first FIN, or this side's last word was an
 * RST. Otherwise the endpoints may still think it open.
 */
static bool nfct_tcp_may_reopen(const struct nfct_tcp_state *st, enum nfct_dir dir)
{
	return (st->seen[0].flags | st->seen[1].flags) & IP_CT_TCP_FLAG_CLOSE_INIT ||
	       (st->last_dir == dir && st->last_index == NFCT_TCP_RST);
}

/*
 * A SYN/ACK that acknowledges the SYN we last ignored: the endpoints are in
 * step and we are not. Take the ignored SYN as the connection's start.
 */
static bool nfct_tcp_resync(struct nfct_tcp_state *st, enum nfct_dir dir,
			    enum nfct_tcp_class cls, const struct nfct_tcp_seg *seg)
{
	struct nfct_tcp_seen *syn_side = &st->seen[st->last_dir];
	struct nfct_tcp_seen *answer_side = &st->seen[dir];

	if (cls != NFCT_TCP_SYNACK || st->last_index != NFCT_TCP_SYN ||
	    st->last_dir == dir || seg->ack != st->last_end)
		return false;
	syn_side->end = st->last_end;
	syn_side->maxend = st->last_end;
	syn_side->maxwin = st->last_win ?: 1;
	syn_side->scale = st->last_wscale;
	st->last_flags &= ~IP_CT_EXP_CHALLENGE_ACK;
	syn_side->flags = st->last_flags;
	/* The SYN/ACK's side starts afresh from this packet. */
	answer_side->end = 0;
	answer_side->maxend = 0;
	answer_side->maxwin = 0;
	answer_side->maxack = 0;
	answer_side->scale = 0;
	answer_side->flags &= IP_CT_TCP_FLAG_BE_LIBERAL;
	return true;
}

/* Remembers an ignored packet, for nfct_tcp_resync() and the RST checks. */
static void nfct_tcp_note_ignored(struct nfct_tcp_state *st, enum nfct_dir dir,
				  enum nfct_tcp_class cls,
				  const struct nfct_tcp_seg *seg, u8 old)
{
	st->last_index = cls;
	st->last_dir = dir;
	st->last_seq = seg->seq;
	st->last_end = seg->end;
	st->last_win = seg->win;
	if (cls == NFCT_TCP_SYN && dir == NFCT_DIR_ORIGINAL) {
		st->last_flags = seg->opt_flags;
		st->last_wscale = seg->opt_flags & IP_CT_TCP_FLAG_WINDOW_SCALE ?
				  seg->wscale : 0;
		/*
		 * An RFC 5961 stack answers this SYN with a challenge ACK,
		 * which in LAST_ACK must not pass for the last ACK.
		 */
		if (old == NFCT_TCP_LAST_ACK)
			st->last_flags |= IP_CT_EXP_CHALLENGE_ACK;
	}
	/* Perhaps a challenge ACK to the SYN: an RST may answer it. */
	if (old == NFCT_TCP_SYN_SENT && cls == NFCT_TCP_ACK && dir == NFCT_DIR_REPLY)
		st->last_ack = seg->ack;
}

/* The challenge ACK nfct_tcp_note_ignored() expected in LAST_ACK. */
static bool nfct_tcp_challenge_ack(struct nfct_tcp_state *st, enum nfct_dir dir,
				   enum nfct_tcp_class cls, u8 old)
{
	if (old != NFCT_TCP_LAST_ACK || cls != NFCT_TCP_ACK ||
	    st->last_dir == dir || st->last_index != NFCT_TCP_SYN ||
	    !(st->last_flags & IP_CT_EXP_CHALLENGE_ACK))
		return false;
	st->last_flags &= ~IP_CT_EXP_CHALLENGE_ACK;
	return true;
}

enum nfct_tcp_rst_check {
	NFCT_TCP_RST_INVALID,
	NFCT_TCP_RST_WINDOW,	/* check it against the window as any segment */
	NFCT_TCP_RST_TRUSTED,	/* valid without the window check */
};

/*
 * An RST moving to CLOSE. Its sequence must not be before what the peer
 * already acknowledged. An RST answering something we let through without
 * tracking it (an ignored SYN, a half-open ACK, a challenge ACK) is trusted
 * as is: it may acknowledge what the windows never saw. In ESTABLISHED an
 * RST that is in the window but not exact keeps the state (*next), for the
 * challenge ACK the endpoint will send.
 */
static enum nfct_tcp_rst_check nfct_tcp_check_rst(const struct nfct_conn *ct,
						  enum nfct_dir dir,
						  const struct nfct_tcp_seg *seg,
						  u8 old, u8 *next,
						  const struct nfct_net *cn)
{
	const struct nfct_tcp_state *st = &nfct_conn_proto(ct)->tcp;
	const struct nfct_tcp_seen *peer = &st->seen[!dir];

	if (nfct_tcp_closing(old))
		return NFCT_TCP_RST_TRUSTED;
	/* After a SYN went through, the peer's maxack may be stale. */
	if (peer->flags & IP_CT_TCP_FLAG_MAXACK_SET && st->last_index != NFCT_TCP_SYN) {
		/* Sequence 0 outside ESTABLISHED: most likely answers a SYN. */
		if (!seg->seq && !nfct_tcp_established(ct))
			return NFCT_TCP_RST_WINDOW;
		if (before(seg->seq, peer->maxack) &&
		    !READ_ONCE(cn->tcp.ignore_invalid_rst))
			return NFCT_TCP_RST_INVALID;
		if (!nfct_tcp_established(ct) || seg->seq == peer->maxack)
			return NFCT_TCP_RST_WINDOW;
		/* The RST ending a train of data from the same side. */
		if (st->last_index == NFCT_TCP_ACK && st->last_dir == dir &&
		    seg->seq == st->last_end)
			return NFCT_TCP_RST_WINDOW;
		*next = old;
	}
	if (((test_bit(NFCT_SEEN_REPLY, &ct->status) &&
	      st->last_index == NFCT_TCP_SYN && st->last_dir != dir) ||
	     (!test_bit(NFCT_ASSURED, &ct->status) && st->last_index == NFCT_TCP_ACK)) &&
	    seg->ack == st->last_end)
		return NFCT_TCP_RST_TRUSTED;
	if (old == NFCT_TCP_SYN_SENT && st->last_index == NFCT_TCP_ACK &&
	    st->last_dir == NFCT_DIR_REPLY && seg->seq == st->last_ack)
		return NFCT_TCP_RST_TRUSTED;
	return NFCT_TCP_RST_WINDOW;
}

/*
 * An out-of-window FIN or RST on an assured connection, after one the
 * other way: the endpoints may have closed while we disagree with them.
 * Rather than keep the entry for days, shorten it to tcp_timeout_unacknowledged.
 */
static void nfct_tcp_handle_invalid(struct nfct_conn *ct, enum nfct_dir dir,
				    enum nfct_tcp_class cls,
				    const struct nfct_net *cn)
{
	struct nfct_tcp_state *st = &nfct_conn_proto(ct)->tcp;
	int unack = READ_ONCE(cn->timeouts.tcp_unack);
	s32 left;

	if (!test_bit(NFCT_ASSURED, &ct->status) ||
	    (cls != NFCT_TCP_FIN && cls != NFCT_TCP_RST))
		return;
	if (st->last_dir == dir ||
	    (st->last_index != NFCT_TCP_FIN && st->last_index != NFCT_TCP_RST)) {
		st->last_index = cls;
		st->last_dir = dir;
		return;
	}
	left = nfct_expires(ct);
	if (left >= 120 * HZ && left > unack)
		nfct_refresh(ct, unack);
}

/**
 * nfct_tcp_timeout - the timeout after an accepted packet
 * @st: the connection, updated by the packet
 * @state: its new state
 * @cls: the packet's class
 * @cn: the netns, for its timeouts
 *
 * Retransmissions and zero windows cap it at tcp_timeout_max_retrans,
 * unacknowledged data at tcp_timeout_unacknowledged; an RST makes it the
 * CLOSE timeout.
 */
int nfct_tcp_timeout(const struct nfct_tcp_state *st, u8 state,
		     enum nfct_tcp_class cls, const struct nfct_net *cn)
{
	const struct nfct_timeouts *to = &cn->timeouts;
	int timeout = READ_ONCE(to->tcp[state]);
	int retrans = READ_ONCE(to->tcp_retrans);
	int unack = READ_ONCE(to->tcp_unack);

	if (st->retrans >= READ_ONCE(cn->tcp.max_retrans) && timeout > retrans)
		return retrans;
	if (cls == NFCT_TCP_RST)
		return READ_ONCE(to->tcp[NFCT_TCP_CLOSE]);
	if ((st->seen[0].flags | st->seen[1].flags) & IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED &&
	    timeout > unack)
		return unack;
	if (!st->last_win && timeout > retrans)
		return retrans;
	return timeout;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tcp_timeout);

/*
 * The state and window checks, under the entry's lock. ACCEPT means the
 * packet moved the entry to *next; the caller picks the timeout.
 */
static enum nfct_track nfct_tcp_track(struct nfct_conn *ct, enum nfct_dir dir,
				      enum nfct_tcp_class cls,
				      const struct nfct_tcp_seg *seg,
				      u8 *old, u8 *next,
				      const struct nfct_net *cn)
{
	struct nfct_tcp_state *st = &nfct_conn_proto(ct)->tcp;
	enum nfct_tcp_rst_check rst = NFCT_TCP_RST_WINDOW;
	enum nfct_track res;

	switch (*next) {
	case NFCT_TCP_SYN_SENT:
		if (*old < NFCT_TCP_TIME_WAIT)
			break;
		if (nfct_tcp_may_reopen(st, dir))
			return NFCT_TRACK_REOPEN;
		fallthrough;
	case NFCT_TCP_IGNORE:
		if (!nfct_tcp_resync(st, dir, cls, seg)) {
			nfct_tcp_note_ignored(st, dir, cls, seg, *old);
			return NFCT_TRACK_IGNORE;
		}
		*old = NFCT_TCP_SYN_SENT;
		*next = NFCT_TCP_SYN_RECV;
		break;
	case NFCT_TCP_INVALID:
		return NFCT_TRACK_INVALID;
	case NFCT_TCP_TIME_WAIT:
		if (nfct_tcp_challenge_ack(st, dir, cls, *old))
			return NFCT_TRACK_IGNORE;
		break;
	case NFCT_TCP_SYN_SENT2:
		/* The table alone cannot tell a simultaneous open's last ACK. */
		st->last_flags |= IP_CT_TCP_SIMULTANEOUS_OPEN;
		break;
	case NFCT_TCP_SYN_RECV:
		if (dir == NFCT_DIR_REPLY && cls == NFCT_TCP_ACK &&
		    st->last_flags & IP_CT_TCP_SIMULTANEOUS_OPEN)
			*next = NFCT_TCP_ESTABLISHED;
		break;
	case NFCT_TCP_CLOSE:
		if (cls != NFCT_TCP_RST)
			break;
		rst = nfct_tcp_check_rst(ct, dir, seg, *old, next, cn);
		if (rst == NFCT_TCP_RST_INVALID)
			return NFCT_TRACK_INVALID;
		break;
	}

	if (rst == NFCT_TCP_RST_WINDOW) {
		res = nfct_tcp_in_window(st, dir, cls, seg,
					 READ_ONCE(cn->tcp.be_liberal));
		if (res == NFCT_TRACK_INVALID)
			nfct_tcp_handle_invalid(ct, dir, cls, cn);
		if (res != NFCT_TRACK_ACCEPT)
			return res;
	}

	st->last_index = cls;
	st->last_dir = dir;
	st->state = *next;
	if (*old != *next && *next == NFCT_TCP_FIN_WAIT)
		st->seen[dir].flags |= IP_CT_TCP_FLAG_CLOSE_INIT;
	return NFCT_TRACK_ACCEPT;
}

static enum nfct_track nfct_tcp_packet(struct nfct_conn *ct,
				       const struct sk_buff *skb,
				       unsigned int off, enum nfct_dir dir,
				       const struct nfct_net *cn)
{
	struct tcphdr buf;
	const struct tcphdr *th = nfct_tcp_header(skb, off, &buf);
	struct nfct_tcp_seg seg;
	enum nfct_tcp_class cls;
	enum nfct_track res;
	int timeout;
	u8 old, next;

	if (!th || !nfct_tcp_flags_valid(tcp_flag_byte(th)))
		return NFCT_TRACK_INVALID;
	nfct_tcp_parse(skb, off, th, &seg);
	cls = nfct_tcp_classify(seg.flags);

	spin_lock_bh(&ct->lock);
	old = nfct_conn_proto(ct)->tcp.state;
	next = nfct_tcp_next[dir][cls][old];
	res = nfct_tcp_track(ct, dir, cls, &seg, &old, &next, cn);
	if (res != NFCT_TRACK_ACCEPT) {
		spin_unlock_bh(&ct->lock);
		return res;
	}
	timeout = nfct_tcp_timeout(&nfct_conn_proto(ct)->tcp, next, cls, cn);
	spin_unlock_bh(&ct->lock);

	if (!test_bit(NFCT_SEEN_REPLY, &ct->status)) {
		/* Refused: an RST is the only answer. The entry goes now. */
		if (cls == NFCT_TCP_RST)
			return NFCT_TRACK_CLOSE;
		/*
		 * A retransmitted SYN neither refreshes nor counts, or a
		 * client reusing its port would keep the entry forever.
		 */
		if (cls == NFCT_TCP_SYN && old == NFCT_TCP_SYN_SENT)
			return NFCT_TRACK_IGNORE;
		/* A picked-up flow is not trusted for long until the other side speaks. */
		if (next == NFCT_TCP_ESTABLISHED &&
		    timeout > READ_ONCE(cn->timeouts.tcp_unack))
			timeout = READ_ONCE(cn->timeouts.tcp_unack);
	} else if ((old == NFCT_TCP_SYN_RECV || old == NFCT_TCP_ESTABLISHED) &&
		   next == NFCT_TCP_ESTABLISHED) {
		/* The handshake's last ACK, or a picked-up flow's first answer. */
		set_bit(NFCT_ASSURED, &ct->status);
	}
	nfct_refresh(ct, timeout);
	return NFCT_TRACK_ACCEPT;
}

/*
 * As nf_conntrack with its default checksum=1: a corrupt segment arriving
 * is INVALID. What this host sends is trusted.
 */
static int nfct_tcp_error(struct nfct_net *cn, struct sk_buff *skb,
			  unsigned int off, unsigned int hook)
{
	if (hook != NF_INET_PRE_ROUTING ||
	    !nfct_checksum(skb, hook, off, 0, IPPROTO_TCP))
		return NFCT_TRACK_IT;
	NFCT_STAT_INC(cn, invalid);
	/* Its entry, if it has one, must not speak for it. */
	return nfct_pkt_invalid(cn, skb);
}

static const char *nfct_tcp_state_name(const struct nfct_conn *ct)
{
	u8 state = READ_ONCE(nfct_conn_proto(ct)->tcp.state);

	return state < NFCT_TCP_MAX ? nfct_tcp_names[state] : "NONE";
}

/* A closing connection may go when the table is full, ASSURED or not. */
static bool nfct_tcp_can_early_drop(const struct nfct_conn *ct)
{
	switch (READ_ONCE(nfct_conn_proto(ct)->tcp.state)) {
	case NFCT_TCP_FIN_WAIT:
	case NFCT_TCP_LAST_ACK:
	case NFCT_TCP_TIME_WAIT:
	case NFCT_TCP_CLOSE:
	case NFCT_TCP_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

const struct nfct_l4proto nfct_l4proto_tcp = {
	.protonum	= IPPROTO_TCP,
	.name		= "tcp",
	.pkt_to_tuple	= nfct_tcp_pkt_to_tuple,
	.invert		= nfct_ports_invert,
	.new		= nfct_tcp_new,
	.packet		= nfct_tcp_packet,
	.error		= nfct_tcp_error,
	.state_name	= nfct_tcp_state_name,
	.can_early_drop	= nfct_tcp_can_early_drop,
};

/* SPDX-License-Identifier: GPL-2.0 */
/* TCP tracker internals shared with its KUnit suite. */
#ifndef _NF_CT_TCP_H
#define _NF_CT_TCP_H

#include "nf_ct.h"

/* Numbered as the uapi enum tcp_conntrack, so tools reading numbers agree. */
enum nfct_tcp_state_id {
	NFCT_TCP_NONE,
	NFCT_TCP_SYN_SENT,
	NFCT_TCP_SYN_RECV,
	NFCT_TCP_ESTABLISHED,
	NFCT_TCP_FIN_WAIT,
	NFCT_TCP_CLOSE_WAIT,
	NFCT_TCP_LAST_ACK,
	NFCT_TCP_TIME_WAIT,
	NFCT_TCP_CLOSE,
	NFCT_TCP_SYN_SENT2,
	NFCT_TCP_MAX = NFCT_TCP_STATE_COUNT,
	NFCT_TCP_INVALID = NFCT_TCP_MAX,	/* table cell: packet is INVALID */
	NFCT_TCP_IGNORE,			/* table cell: accept, change nothing */
};

enum nfct_tcp_class {
	NFCT_TCP_SYN,
	NFCT_TCP_SYNACK,
	NFCT_TCP_FIN,
	NFCT_TCP_ACK,
	NFCT_TCP_RST,
	NFCT_TCP_NOFLAG,
	NFCT_TCP_CLASS_MAX,
};

/* What the tracker reads from a segment (nfct_tcp_parse). */
struct nfct_tcp_seg {
	u32 seq;
	u32 ack;		/* as sent, even without the ACK flag */
	u32 sack;		/* highest SACK right edge, if after ack; else ack */
	u32 end;		/* seq + payload + SYN + FIN */
	u16 win;		/* as sent, unscaled */
	u8 flags;		/* TCPHDR_* */
	u8 wscale;		/* window scale option, at most 14 */
	u8 opt_flags;		/* IP_CT_TCP_FLAG_WINDOW_SCALE, _SACK_PERM offered */
	bool has_opts;		/* any options at all: a SYN's replace the old */
};

struct tcphdr;

extern const u8 nfct_tcp_next[NFCT_DIR_MAX][NFCT_TCP_CLASS_MAX][NFCT_TCP_MAX];
enum nfct_tcp_class nfct_tcp_classify(u8 flags);
int nfct_tcp_timeout(const struct nfct_tcp_state *st, u8 state,
		     enum nfct_tcp_class cls, const struct nfct_net *cn);

/* nf_ct_tcp_window.c */
void nfct_tcp_parse(const struct sk_buff *skb, unsigned int off,
		    const struct tcphdr *th, struct nfct_tcp_seg *seg);
void nfct_tcp_window_new(struct nfct_tcp_state *st,
			 const struct nfct_tcp_seg *seg, bool pickup);
enum nfct_track nfct_tcp_in_window(struct nfct_tcp_state *st, enum nfct_dir dir,
				   enum nfct_tcp_class cls,
				   const struct nfct_tcp_seg *seg, bool be_liberal);

#endif /* _NF_CT_TCP_H */

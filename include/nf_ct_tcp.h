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

extern const u8 nfct_tcp_next[NFCT_DIR_MAX][NFCT_TCP_CLASS_MAX][NFCT_TCP_MAX];
enum nfct_tcp_class nfct_tcp_classify(u8 flags);

#endif /* _NF_CT_TCP_H */

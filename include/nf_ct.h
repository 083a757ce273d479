/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_ct: a connection tracker that runs beside the kernel's nf_conntrack.
 *
 * Data path, in the order a packet meets it:
 *   nf_ct_defrag.c     reassembly first, by the kernel's nf_defrag_ipv4/ipv6
 *   nf_ct_core.c       hooks: PREROUTING/OUTPUT look up, POSTROUTING/INPUT confirm,
 *                      for IPv4 and IPv6
 *   nf_ct_tuple.c      packet -> tuple, tuple inversion
 *   nf_ct_l3_*.c       the families behind struct nfct_l3proto (nf_ct_l3.h)
 *   nf_ct_table.c      per-netns RCU hash table of both directions' tuples, limits
 *   nf_ct_proto*.c     per-protocol trackers behind struct nfct_l4proto
 *   nf_ct_tcp_window.c TCP sequence and window tracking, for nf_ct_proto_tcp.c
 *   nf_ct_pkt.c        a packet's new entry or verdict, kept until confirmation
 *   nf_ct_gc.c         frees expired entries in small batches
 *   nf_ct_sysctl.c     per-netns knobs under net.nf_ct
 *   nf_ct_procfs.c     /proc/net/nf_ct and /proc/net/stat/nf_ct in nf_conntrack's formats
 *   nf_ct_xt.c         iptables -m conntrack / -m state from nf_ct's verdict
 *                      (a module of its own, nf_ct_xt.ko, on top of nf_ct.ko)
 *   nf_ct_nat_*.c      NAT and the iptables nat table (nf_ct_nat.ko, see nf_ct_nat.h)
 *
 * Every global symbol is prefixed nfct_ so that none collides with an
 * export of nf_conntrack.ko, which may be loaded at the same time.
 * Per-packet state never lives in skb->_nfct: that field belongs to the
 * kernel's tracker.
 */
#ifndef _NF_CT_H
#define _NF_CT_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <linux/rhashtable.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <linux/skbuff.h>
#include <linux/netfilter.h>
#include <net/net_namespace.h>
#include <uapi/linux/netfilter/nf_conntrack_common.h>
#include <uapi/linux/netfilter/nf_conntrack_tcp.h>

#include "nf_ct_compat.h"
#include "nf_ct_fault.h"
#include "nf_ct_l3.h"

struct seq_file;
struct xt_state_info;

enum nfct_dir {
	NFCT_DIR_ORIGINAL,
	NFCT_DIR_REPLY,
	NFCT_DIR_MAX,
};

/* Address families, as indexes into nfct_l3protos (nf_ct_l3.h). */
#define NFCT_L3_IPV4	0	/* zero: a zeroed tuple is IPv4's */
#define NFCT_L3_IPV6	1
#define NFCT_L3_MAX	2

/*
 * The hash key, the same for both directions of a connection. Its first 8
 * bytes are the L4 part and the family; the addresses follow. An IPv4 key is
 * the first 16 bytes, and an IPv4 entry stores only those (nfct_node_size):
 * its entries are no bigger for IPv6 existing. Never copy or compare a
 * stored tuple as a whole struct: nfct_tuple_copy() and nfct_tuple_eq()
 * know its length. Free of holes: the key bytes are hashed as they are.
 */
struct nfct_tuple {
	__be16 sport;		/* TCP/UDP source port; ICMP query id */
	union {
		__be16 dport;	/* TCP/UDP destination port */
		struct {
			u8 type;
			u8 code;
		} icmp;
	};
	u8 protonum;
	u8 l3;			/* NFCT_L3_* */
	u8 pad[2];		/* always zero */
	union {
		struct {
			__be32 src;
			__be32 dst;
		};
		struct {
			struct in6_addr src6;
			struct in6_addr dst6;
		};
	};
} __aligned(8);			/* hashed as u64 words */

#define NFCT_TUPLE_LEN_IPV4	(offsetof(struct nfct_tuple, dst) + sizeof(__be32))
#define NFCT_TUPLE_LEN_IPV6	sizeof(struct nfct_tuple)

/*
 * One direction's node in the table. The tuple is last and only as long as
 * its family's key: an IPv4 entry's nodes are 32 bytes apart, an IPv6
 * entry's 56.
 */
struct nfct_tuple_node {
	struct rhash_head node;
	u32 hash;		/* keyed hash of tuple, set at insert (nf_ct_table.c) */
	u8 dir;
	struct nfct_tuple tuple;
};

#define NFCT_NODE_SIZE(len)	ALIGN(offsetof(struct nfct_tuple_node, tuple) + (len), 8)

/* IPS_* bit numbers from the uapi header are reused for status. */
#define NFCT_SEEN_REPLY	1
#define NFCT_ASSURED	2
#define NFCT_CONFIRMED	3
#define NFCT_SRC_NAT	4	/* nf_ct_nat.ko: the reply tuple's destination was mapped */
#define NFCT_DST_NAT	5	/* nf_ct_nat.ko: the reply tuple's source was mapped */
#define NFCT_SRC_NAT_DONE 7	/* the source binding (maybe null) is chosen */
#define NFCT_DST_NAT_DONE 8	/* the destination binding is chosen */
#define NFCT_DYING	9
#define NFCT_FIXED_TIMEOUT 10	/* refreshes leave the timeout alone */
#define NFCT_NAT_CLASH	12	/* lost a NAT'ed UDP race: in the table by its reply only */
/* nf_ct's own bits, above the uapi range: features on when the entry was made. */
#define NFCT_ACCT	24
#define NFCT_TSTAMP	25
#define NFCT_FREE_HALF	26	/* table teardown met one of the two nodes */
#define NFCT_BYSRC	27	/* in the index by original source (nf_ct_bysrc.c) */
#define NFCT_UNCONFIRMED 28	/* counted in nfct_net.unconfirmed (nfct_conn_new) */

/* What one side of a TCP connection has sent, for window tracking. */
struct nfct_tcp_seen {
	u32 end;		/* highest seq + len sent */
	u32 maxend;		/* highest ack + window the other side gave */
	u32 maxwin;		/* largest window sent, scaled; 0: not seen yet */
	u32 maxack;		/* highest ack sent, once MAXACK_SET */
	u8 scale;		/* window scale shift, 0..14 */
	u8 flags;		/* IP_CT_TCP_FLAG_* */
};

/* What nf_conntrack's TCP tracker keeps per connection, in as many bytes (60). */
struct nfct_tcp_state {
	struct nfct_tcp_seen seen[NFCT_DIR_MAX];
	/* The last packet, to count retransmissions and to resynchronise. */
	u32 last_seq;
	u32 last_ack;
	u32 last_end;
	u16 last_win;		/* as sent, unscaled */
	u8 last_wscale;		/* options of the last SYN ignored */
	u8 last_flags;		/* them, and the CHALLENGE_ACK/SIMULTANEOUS_OPEN marks */
	u8 state;		/* enum nfct_tcp_state_id */
	u8 last_dir;
	u8 last_index;		/* enum nfct_tcp_class */
	u8 retrans;		/* identical ACKs in a row */
};

struct nfct_udp_state {
	unsigned long stream_ts;	/* jiffies after which a reply assures */
};

/* The timeouts a GRE entry was made with, in jiffies (no bigger than UDP's). */
struct nfct_gre_state {
	u32 timeout;			/* until a reply */
	u32 stream_timeout;		/* after */
};

/* SCTP association states, nf_conntrack's order (its proc names). */
enum nfct_sctp_state_id {
	NFCT_SCTP_NONE,
	NFCT_SCTP_CLOSED,
	NFCT_SCTP_COOKIE_WAIT,
	NFCT_SCTP_COOKIE_ECHOED,
	NFCT_SCTP_ESTABLISHED,
	NFCT_SCTP_SHUTDOWN_SENT,
	NFCT_SCTP_SHUTDOWN_RECD,
	NFCT_SCTP_SHUTDOWN_ACK_SENT,
	NFCT_SCTP_HEARTBEAT_SENT,
	NFCT_SCTP_MAX			/* also: no such transition */
};

/* What nf_conntrack's SCTP tracker keeps (12 bytes), under ct->lock. */
struct nfct_sctp_state {
	__be32 vtag[NFCT_DIR_MAX];	/* the tag packets in that direction carry */
	u8 state;			/* enum nfct_sctp_state_id */
	u8 heartbeat_vtag_failed;	/* a HEARTBEAT's tag did not match */
	u8 last_dir;			/* of that HEARTBEAT */
	u8 init[NFCT_DIR_MAX];		/* an INIT was seen in that direction */
};

/* DCCP connection states, nf_conntrack's order; IGNORE and INVALID are verdicts. */
enum nfct_dccp_state_id {
	NFCT_DCCP_NONE,
	NFCT_DCCP_REQUEST,
	NFCT_DCCP_RESPOND,
	NFCT_DCCP_PARTOPEN,
	NFCT_DCCP_OPEN,
	NFCT_DCCP_CLOSEREQ,
	NFCT_DCCP_CLOSING,
	NFCT_DCCP_TIMEWAIT,
	NFCT_DCCP_IGNORE,
	NFCT_DCCP_INVALID,
	NFCT_DCCP_MAX = NFCT_DCCP_INVALID
};

/* What nf_conntrack's DCCP tracker keeps (16 bytes), under ct->lock. */
struct nfct_dccp_state {
	u64 handshake_seq;		/* the Response's, its Ack assures */
	u8 role[NFCT_DIR_MAX];		/* client 0, server 1, per direction */
	u8 state;			/* enum nfct_dccp_state_id */
	u8 last_dir;
	u8 last_pkt;			/* DCCP packet type */
};

struct nfct_counter {
	atomic64_t packets;
	atomic64_t bytes;
};

union nfct_proto_state {
	struct nfct_tcp_state tcp;
	struct nfct_udp_state udp;
	struct nfct_gre_state gre;
	struct nfct_sctp_state sctp;
	struct nfct_dccp_state dccp;
};

/*
 * An entry: the fields every family and protocol has, then its two nodes,
 * each as long as its family's (nfct_node), then the protocol's state
 * (nfct_conn_proto): room for UDP's or GRE's 8 bytes, or for the largest
 * (TCP's) where the protocol has a state machine (TCP, SCTP, DCCP:
 * nfct_conn_size). On a production kernel an IPv4 entry is 152 bytes (208
 * with a state machine), an IPv6 one 200 (256).
 */
struct nfct_conn {
	refcount_t use;			/* the table holds one reference */
	int masq_index;			/* MASQUERADE's interface, 0 if none */
	unsigned long status;
	u32 timeout;			/* jiffies32 at expiry */
	spinlock_t lock;		/* serialises the protocol state */
	struct nfct_counter acct[NFCT_DIR_MAX];
	u64 start_ns;			/* wall clock at confirmation */
	struct rcu_head rcu;
	u8 tail[] __aligned(8);		/* nodes, then protocol state */
};

struct nfct_net;

/*
 * What a tracker made of a packet. Only ACCEPT and CLOSE count the packet in
 * the entry's counters: nf_conntrack counts where it refreshes.
 */
enum nfct_track {
	NFCT_TRACK_INVALID,	/* not part of the connection */
	NFCT_TRACK_ACCEPT,	/* tracked */
	NFCT_TRACK_IGNORE,	/* passes with the entry, which is left as it was */
	NFCT_TRACK_CLOSE,	/* tracked, and the entry is deleted at once */
	NFCT_TRACK_REOPEN,	/* the entry is over: delete it, track as a new one */
};

/* Per-protocol tracker. Every hook is required but error and state_name. */
struct nfct_l4proto {
	u8 protonum;
	/*
	 * The one family it belongs to, or NULL for any. A packet of the
	 * other (ICMP in IPv6, ICMPv6 in IPv4) is INVALID, with no entry,
	 * as nf_conntrack's trackers refuse it; its error hook is not run.
	 */
	const struct nfct_l3proto *l3;
	const char *name;		/* as /proc/net/nf_conntrack prints it */
	/* Fill the L4 part of @t from the header at @off; false if truncated. */
	bool (*pkt_to_tuple)(const struct sk_buff *skb, unsigned int off,
			     struct nfct_tuple *t);
	/* Fill the L4 part of @inv from @t; false if @t has no reply. */
	bool (*invert)(struct nfct_tuple *inv, const struct nfct_tuple *t);
	/* May this packet create an entry? Sets the initial state. */
	bool (*new)(struct nfct_conn *ct, const struct sk_buff *skb,
		    unsigned int off, const struct nfct_net *cn);
	/* Track one packet, refreshing the entry's timeout as it sees fit. */
	enum nfct_track (*packet)(struct nfct_conn *ct, const struct sk_buff *skb,
				  unsigned int off, enum nfct_dir dir,
				  const struct nfct_net *cn);
	/*
	 * Optional. A packet that is not trackable as it stands (a bad
	 * checksum) or belongs to another flow (an ICMP error): deal with
	 * it, recording its verdict, and return NF_ACCEPT or NF_DROP;
	 * NFCT_TRACK_IT means track it normally.
	 */
	int (*error)(struct nfct_net *cn, struct sk_buff *skb,
		     unsigned int off, unsigned int hook);
	/* The protocol's state column in the proc line, or NULL. */
	const char *(*state_name)(const struct nfct_conn *ct);
	/* Optional: more of the protocol's state, printed in its place. */
	void (*print)(struct seq_file *s, const struct nfct_conn *ct);
	/*
	 * Optional: is a packet of this tuple, of the tracker's family, one
	 * nf_conntrack marks UNTRACKED (neighbour discovery)? Its error hook
	 * accepted it; the verdict is asked of the tuple, with no record.
	 */
	bool (*untracked)(const struct nfct_tuple *t);
	/* Optional: may the GC evict this ASSURED entry from a full table? */
	bool (*can_early_drop)(const struct nfct_conn *ct);
	/* Two packets creating the same entry at once may share the winner's. */
	bool allow_clash;
};

/* l4proto->error: the packet is not the error hook's business. */
#define NFCT_TRACK_IT	(-1)

#define NFCT_TCP_STATE_COUNT	10	/* NONE .. SYN_SENT2 */

/* Timeouts in jiffies, per netns; the sysctls show them in seconds. */
struct nfct_timeouts {
	int tcp[NFCT_TCP_STATE_COUNT];	/* by enum nfct_tcp_state_id */
	int tcp_unack;
	int tcp_retrans;		/* after tcp_max_retrans retransmissions */
	int udp;
	int udp_stream;
	int icmp;
	int icmpv6;
	int gre;
	int gre_stream;
	int sctp[NFCT_SCTP_MAX];	/* by enum nfct_sctp_state_id */
	int dccp[NFCT_DCCP_MAX];	/* by enum nfct_dccp_state_id */
	int generic;
};

struct nfct_gc {
	struct delayed_work dwork;
	unsigned int bucket;		/* where the walk goes on */
	unsigned int size;		/* of the table the walk is in */
	bool resizing;			/* the walk waits for a rehash */
	unsigned int pass_live;		/* entries left alive in this pass */
	u64 pass_sum;			/* and the jiffies they had left */
	unsigned long idle_delay;	/* last sleep after passes that met none alive */
	unsigned long longest_ns;	/* longest batch so far (sysctl) */
	unsigned int batches;		/* batches run so far (sysctl) */
	unsigned int slow_batches;	/* of which over 1 ms (sysctl) */
	bool idle;			/* asleep on an empty table: a new entry wakes it */
	bool early_drop;		/* the table was full: evict until 95% */
};

/*
 * Per-CPU counters behind /proc/net/stat/nf_ct, in nf_conntrack's columns;
 * the ones nf_ct has no cause for (found, insert, expectations) stay zero.
 */
struct nfct_stat {
	unsigned int invalid;		/* not trackable, or the tracker said no */
	unsigned int insert_failed;	/* confirmation lost to a clash */
	unsigned int drop;		/* dropped: table full, no memory, clash */
	unsigned int early_drop;	/* evicted to make room */
	unsigned int error;		/* ICMP errors that are INVALID */
	unsigned int clash_resolve;	/* clashes that reused the winner */
	unsigned int found;
	unsigned int insert;
	unsigned int chaintoolong;
	unsigned int search_restart;
};

#define NFCT_STAT_INC(cn, field)	this_cpu_inc((cn)->stat->field)
#define NFCT_STAT_ADD(cn, field, n)	this_cpu_add((cn)->stat->field, (n))

/*
 * A packet's record from its first hook to confirmation (nf_ct_pkt.c): the
 * entry it created, or its verdict when the table alone cannot tell.
 */
struct nfct_pkt {
	struct rhash_head node;
	unsigned long skb;		/* key: the packet's address */
	struct nfct_tuple tuple;	/* the packet's, when the record was made */
	struct nfct_net *cn;
	struct nfct_conn *ct;		/* referenced; NULL if INVALID */
	unsigned long stamp;		/* jiffies when made */
	__be16 id;			/* the packet's IP id */
	u8 protonum;			/* and protocol, for one with no tuple */
	bool has_tuple;			/* false: too short to have one */
	u8 info;			/* IP_CT_*, or NFCT_INFO_INVALID */
	struct rcu_head rcu;
};

/*
 * The kernel's verdicts are IP_CT_*; INVALID is its absence of one. A packet
 * the raw table marked NOTRACK is IP_CT_UNTRACKED and has no entry.
 */
#define NFCT_INFO_INVALID	0xff

/* PREROUTING, OUTPUT, POSTROUTING, LOCAL_IN of each family (nf_ct_core.c) */
#define NFCT_HOOKS	8

struct nfct_net {
	struct rhashtable table;
	struct rhltable bysrc;		/* SNAT'ed entries by original source */
	struct nfct_gc gc;
	atomic_t count;			/* entries in the table */
	atomic_t unconfirmed;		/* made, not yet in: they count against max too */
	int max;			/* entries allowed, 0: no limit */
	atomic_t pending;		/* packets with a record (nf_ct_pkt.c) */
	struct nfct_stat __percpu *stat;
	struct nfct_timeouts timeouts;
	int acct;			/* count packets and bytes of new entries */
	int timestamp;			/* record creation time of new entries */
	struct {
		int loose;		/* pick up connections mid-stream */
		int be_liberal;		/* out-of-window packets are not INVALID */
		int max_retrans;	/* then the tcp_retrans timeout */
		int ignore_invalid_rst;	/* an RST before the peer's last ACK passes */
	} tcp;
	int dccp_loose;			/* pick up DCCP connections mid-stream */
	struct ctl_table_header *sysctl;
	struct nf_hook_ops hook_ops[NFCT_HOOKS];	/* priv: this */
	struct net *net;
	struct list_head list;		/* on the module's list of netns */
	bool proc_link;			/* /proc/net/nf_conntrack is ours */
	struct nfct_fault fault;	/* failures on purpose (nf_ct_fault.h) */
};

/* nf_ct_defrag.c */
int nfct_defrag_init(void);
void nfct_defrag_exit(void);
int nfct_defrag_net_init(struct nfct_net *cn);
void nfct_defrag_net_exit(struct nfct_net *cn);

/* nf_ct_bysrc.c */
int nfct_bysrc_init(struct nfct_net *cn);
void nfct_bysrc_destroy(struct nfct_net *cn);
void nfct_bysrc_add(struct nfct_net *cn, struct nfct_conn *ct);
void nfct_bysrc_del(struct nfct_net *cn, struct nfct_conn *ct);
bool nfct_bysrc_find(struct nfct_net *cn, const struct nfct_tuple *t,
		     bool (*fits)(const struct nfct_tuple *cand, const void *data),
		     const void *data, struct nfct_tuple *found);

/* nf_ct_core.c */
struct nfct_net *nfct_pernet(const struct net *net);
unsigned int nfct_confirm(struct nfct_net *cn, struct nfct_conn *ct);
extern int nfct_max_param;

/* nf_ct_pkt.c */
int nfct_pkt_init(void);
void nfct_pkt_exit(void);
void nfct_pkt_net_exit(struct nfct_net *cn);
void nfct_pkt_reap_aged(unsigned long max_age);
int __must_check nfct_pkt_attach(struct nfct_net *cn, const struct sk_buff *skb,
				 struct nfct_conn *ct, u8 info);
unsigned int nfct_pkt_hold(struct nfct_net *cn, const struct sk_buff *skb,
			   struct nfct_conn *ct, u8 info);
unsigned int nfct_pkt_invalid(struct nfct_net *cn, const struct sk_buff *skb);
unsigned long nfct_pkt_take_cause(void);
unsigned long nfct_pkt_take_last(void);
struct nfct_conn *nfct_pkt_cause(const struct nfct_net *cn, unsigned long key,
				 const struct nfct_tuple *quoted, __be16 id,
				 u8 *info);
struct nfct_pkt *nfct_pkt_find(const struct nfct_net *cn, const struct sk_buff *skb);
bool nfct_pkt_take(const struct nfct_net *cn, const struct sk_buff *skb,
		   struct nfct_conn **ct, u8 *info);
u8 nfct_packet_lookup(struct nfct_net *cn, const struct sk_buff *skb,
		      struct nfct_conn **ctp, bool *recorded);
u8 nfct_packet_info(struct nfct_net *cn, const struct sk_buff *skb,
		    struct nfct_conn **ctp);
u8 nfct_info_of(const struct nfct_tuple_node *n);
u8 nfct_info_of_dir(const struct nfct_conn *ct, enum nfct_dir dir);

/* nf_ct_xt.c (nf_ct_xt.ko) */
bool nfct_xt_conntrack_eval(const void *matchinfo, u8 revision, u8 info,
			    const struct nfct_conn *ct);
int nfct_xt_conntrack_valid(const void *matchinfo, u8 revision);
bool nfct_xt_state_eval(const struct xt_state_info *sinfo, u8 info,
			const struct nfct_conn *ct);

/* nf_ct_tuple.c */
extern const struct nfct_l4proto *const nfct_l4protos[U8_MAX + 1];
int nfct_tuple_l4(const struct sk_buff *skb, unsigned int off, struct nfct_tuple *t);
const struct nfct_l3proto *nfct_l3_of_skb(const struct sk_buff *skb);
__sum16 nfct_checksum(struct sk_buff *skb, unsigned int hook, unsigned int off,
		      unsigned int len, u8 protonum);
int nfct_tuple_from_skb(const struct sk_buff *skb, struct nfct_tuple *t,
			unsigned int *l4off);
int nfct_tuple_from_quote(const struct sk_buff *skb, unsigned int off,
			  struct nfct_tuple *t);
bool nfct_tuple_invert(struct nfct_tuple *inv, const struct nfct_tuple *t);
bool nfct_ports_to_tuple(const struct sk_buff *skb, unsigned int off,
			 struct nfct_tuple *t);
bool nfct_ports_invert(struct nfct_tuple *inv, const struct nfct_tuple *t);

/* nf_ct_table.c */
/* Where a walk of the table is (nfct_table_walk_next); zeroed: at the start. */
struct nfct_walk_pos {
	u32 key;		/* the last node's SipHash, bit-reversed */
	unsigned long addr;	/* and its address, for equal hashes */
	bool started;
};

int nfct_table_init(struct nfct_net *cn);
void nfct_table_destroy(struct nfct_net *cn);
unsigned int nfct_table_buckets(struct nfct_net *cn);
struct nfct_tuple_node *nfct_table_lookup(struct nfct_net *cn,
					  const struct nfct_tuple *t);
struct nfct_tuple_node *nfct_table_lookup_settled(struct nfct_net *cn,
						  const struct nfct_tuple *t);
int nfct_table_insert(struct nfct_net *cn, struct nfct_conn *ct);
int nfct_table_insert_reply(struct nfct_net *cn, struct nfct_conn *ct);
bool nfct_table_delete(struct nfct_net *cn, struct nfct_conn *ct);
unsigned int nfct_table_kill(struct nfct_net *cn,
			     bool (*match)(const struct nfct_conn *ct, void *data),
			     void *data);
unsigned int nfct_table_early_drop(struct nfct_net *cn, const struct nfct_tuple *t);
struct nfct_tuple_node *nfct_table_walk_next(struct nfct_net *cn,
					     const struct nfct_walk_pos *from,
					     struct nfct_walk_pos *at,
					     bool (*want)(const struct nfct_tuple_node *n));
int nfct_default_max(void);
struct nfct_conn *nfct_conn_alloc(const struct nfct_tuple *orig,
				  const struct nfct_tuple *reply);
struct nfct_conn *nfct_conn_new(struct nfct_net *cn, const struct nfct_tuple *orig,
				const struct nfct_tuple *reply);
void nfct_conn_put(struct nfct_conn *ct);
void nfct_conn_release(struct nfct_net *cn, struct nfct_conn *ct);
int nfct_conn_cache_init(void);
void nfct_conn_cache_destroy(void);
extern const struct rhashtable_params nfct_table_params;
u32 nfct_tuple_hash(const void *data, u32 len, u32 seed);
u32 nfct_node_hash(const void *data, u32 len, u32 seed);

/* nf_ct_proto_*.c */
int nfct_icmp_related(struct nfct_net *cn, struct sk_buff *skb, const struct nfct_tuple *t);
extern const struct nfct_l4proto nfct_l4proto_tcp;
extern const struct nfct_l4proto nfct_l4proto_udp;
extern const struct nfct_l4proto nfct_l4proto_udplite;
extern const struct nfct_l4proto nfct_l4proto_icmp;
extern const struct nfct_l4proto nfct_l4proto_icmpv6;
extern const struct nfct_l4proto nfct_l4proto_gre;
extern const struct nfct_l4proto nfct_l4proto_sctp;
__le32 nfct_sctp_crc(const struct sk_buff *skb, unsigned int off);
extern const struct nfct_l4proto nfct_l4proto_dccp;
extern const struct nfct_l4proto nfct_l4proto_generic;

/* nf_ct_gc.c */
void nfct_gc_net_init(struct nfct_net *cn);
void nfct_gc_net_exit(struct nfct_net *cn);
bool nfct_gc_batch(struct nfct_net *cn, unsigned int *expired);
void nfct_gc_confirmed(struct nfct_net *cn, const struct nfct_conn *ct);

/* nf_ct_sysctl.c */
int nfct_sysctl_net_init(struct nfct_net *cn);
void nfct_sysctl_net_exit(struct nfct_net *cn);

/* nf_ct_procfs.c */
int nfct_proc_net_init(struct nfct_net *cn);
void nfct_proc_net_exit(struct nfct_net *cn);
int nfct_proc_init(void);
void nfct_proc_exit(void);
void nfct_seq_print_conn(struct seq_file *s, const struct nfct_conn *ct,
			 unsigned int use);

/* The tracker for a protocol, the generic one by default. */
static inline const struct nfct_l4proto *nfct_l4proto_find(u8 protonum)
{
	return nfct_l4protos[protonum] ?: &nfct_l4proto_generic;
}

/*
 * The raw table's NOTRACK (or CT --notrack) marks skb->_nfct untracked:
 * nf_ct only reads the mark, and tracks such packets no more than
 * nf_conntrack does.
 */
static inline bool nfct_skb_untracked(const struct sk_buff *skb)
{
	return skb_get_nfct(skb) == IP_CT_UNTRACKED;
}

/*
 * In the table, every field set. The acquire pairs with the full barrier
 * before nfct_table_confirmed() sets the bit: a lockless reader that finds
 * a node and sees the bit also sees start_ns, the by-source link and the
 * count that were written before it.
 */
static inline bool nfct_conn_confirmed(const struct nfct_conn *ct)
{
	return test_bit_acquire(NFCT_CONFIRMED, &ct->status);
}

static inline const struct nfct_l3proto *nfct_l3_of(const struct nfct_tuple *t)
{
	return nfct_l3protos[t->l3];
}

/* A packet of @t that its tracker leaves UNTRACKED in its family. */
static inline bool nfct_l4_untracked(const struct nfct_tuple *t)
{
	const struct nfct_l4proto *l4 = nfct_l4proto_find(t->protonum);

	return l4->untracked && l4->l3 == nfct_l3_of(t) && l4->untracked(t);
}

/* Bytes of @t that are its key: all that an entry stores of it. */
static inline unsigned int nfct_tuple_len(const struct nfct_tuple *t)
{
	return nfct_l3_of(t)->key_len;
}

/* Copies the key only: a stored IPv4 tuple has no room for more. */
static inline void nfct_tuple_copy(struct nfct_tuple *dst, const struct nfct_tuple *src)
{
	memcpy(dst, src, nfct_tuple_len(src));
}

static inline bool nfct_tuple_eq(const struct nfct_tuple *a, const struct nfct_tuple *b)
{
	return a->l3 == b->l3 && !memcmp(a, b, nfct_tuple_len(a));
}

/* A tuple's addresses: its source, then its destination, each this long. */
static inline unsigned int nfct_addr_len(const struct nfct_tuple *t)
{
	return (nfct_tuple_len(t) - offsetof(struct nfct_tuple, src)) / 2;
}

static inline const void *nfct_src(const struct nfct_tuple *t)
{
	return &t->src;
}

static inline const void *nfct_dst(const struct nfct_tuple *t)
{
	return (const u8 *)&t->src + nfct_addr_len(t);
}

/* Two addresses of @t's family. */
static inline bool nfct_addr_eq(const struct nfct_tuple *t, const void *a, const void *b)
{
	return !memcmp(a, b, nfct_addr_len(t));
}

/* The node of @dir: after the common fields, each its family's size. */
static inline struct nfct_tuple_node *nfct_node(const struct nfct_conn *ct,
						enum nfct_dir dir)
{
	u8 *orig = (u8 *)ct->tail;

	if (dir == NFCT_DIR_ORIGINAL)
		return (struct nfct_tuple_node *)orig;
	return (struct nfct_tuple_node *)
		(orig + nfct_l3_of(&((struct nfct_tuple_node *)orig)->tuple)->node_size);
}

/* The tuple of @dir, valid for its family's key length. */
static inline const struct nfct_tuple *nfct_tuple_of(const struct nfct_conn *ct,
						     enum nfct_dir dir)
{
	return &nfct_node(ct, dir)->tuple;
}

static inline const struct nfct_l3proto *nfct_conn_l3(const struct nfct_conn *ct)
{
	return nfct_l3_of(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL));
}

static inline u8 nfct_conn_protonum(const struct nfct_conn *ct)
{
	return nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)->protonum;
}

static inline struct nfct_conn *nfct_conn_of(const struct nfct_tuple_node *n)
{
	return (struct nfct_conn *)((u8 *)n - n->dir * nfct_l3_of(&n->tuple)->node_size -
				    offsetof(struct nfct_conn, tail));
}

/* The protocol's state, after both nodes. */
static inline union nfct_proto_state *nfct_conn_proto(const struct nfct_conn *ct)
{
	return (union nfct_proto_state *)((u8 *)ct->tail + 2 * nfct_conn_l3(ct)->node_size);
}

/* Seconds-resolution arithmetic is done on jiffies32, as nf_conntrack does. */
static inline s32 nfct_expires(const struct nfct_conn *ct)
{
	s32 left = (s32)(READ_ONCE(ct->timeout) - (u32)jiffies);

	return left > 0 ? left : 0;
}

static inline bool nfct_is_expired(const struct nfct_conn *ct)
{
	return (s32)(READ_ONCE(ct->timeout) - (u32)jiffies) <= 0;
}

static inline void nfct_refresh(struct nfct_conn *ct, unsigned long timeout)
{
	if (!test_bit(NFCT_FIXED_TIMEOUT, &ct->status))
		WRITE_ONCE(ct->timeout, (u32)jiffies + timeout);
}

/*
 * The node a walk over the table acts on, once per entry: the original
 * direction's, or the reply's for an entry in by its reply only.
 */
static inline bool nfct_node_is_primary(const struct nfct_tuple_node *n)
{
	return n->dir == NFCT_DIR_ORIGINAL ||
	       test_bit(NFCT_NAT_CLASH, &nfct_conn_of(n)->status);
}

#endif /* _NF_CT_H */

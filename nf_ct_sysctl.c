// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns knobs under net.nf_ct: the timeouts (nf_conntrack's defaults,
 * shown in seconds), the TCP tracker's switches, counters and timestamps on
 * or off, the entry count and limit, the table's bucket count, the packets
 * in flight with a record, and the GC's batch figures; on kernels with fault
 * injection, the failures on purpose of nf_ct_fault.h.
 * Names follow nf_conntrack's net.netfilter.nf_conntrack_* without the
 * prefix, so a user who knows one knows the other.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>

#include "nf_ct.h"
#include "nf_ct_tcp.h"

/* nf_conntrack 6.1's defaults, in seconds. */
static const int nfct_tcp_default_timeouts[NFCT_TCP_MAX] = {
	[NFCT_TCP_NONE]		= 120,	/* as SYN_SENT */
	[NFCT_TCP_SYN_SENT]	= 120,
	[NFCT_TCP_SYN_RECV]	= 60,
	[NFCT_TCP_ESTABLISHED]	= 432000,
	[NFCT_TCP_FIN_WAIT]	= 120,
	[NFCT_TCP_CLOSE_WAIT]	= 60,
	[NFCT_TCP_LAST_ACK]	= 30,
	[NFCT_TCP_TIME_WAIT]	= 120,
	[NFCT_TCP_CLOSE]	= 10,
	[NFCT_TCP_SYN_SENT2]	= 120,
};

static const int nfct_sctp_default_timeouts[NFCT_SCTP_MAX] = {
	[NFCT_SCTP_NONE]		= 10,	/* as CLOSED */
	[NFCT_SCTP_CLOSED]		= 10,
	[NFCT_SCTP_COOKIE_WAIT]		= 3,
	[NFCT_SCTP_COOKIE_ECHOED]	= 3,
	[NFCT_SCTP_ESTABLISHED]		= 210,
	[NFCT_SCTP_SHUTDOWN_SENT]	= 3,
	[NFCT_SCTP_SHUTDOWN_RECD]	= 3,
	[NFCT_SCTP_SHUTDOWN_ACK_SENT]	= 3,
	[NFCT_SCTP_HEARTBEAT_SENT]	= 30,
};

/* RFC 4340's MSL is 2 minutes. */
static const int nfct_dccp_default_timeouts[NFCT_DCCP_MAX] = {
	[NFCT_DCCP_NONE]	= 240,	/* as REQUEST */
	[NFCT_DCCP_REQUEST]	= 240,
	[NFCT_DCCP_RESPOND]	= 480,
	[NFCT_DCCP_PARTOPEN]	= 480,
	[NFCT_DCCP_OPEN]	= 43200,
	[NFCT_DCCP_CLOSEREQ]	= 64,
	[NFCT_DCCP_CLOSING]	= 64,
	[NFCT_DCCP_TIMEWAIT]	= 240,
	[NFCT_DCCP_IGNORE]	= 0,	/* not a state: no sysctl */
};

static void nfct_sysctl_defaults(struct nfct_net *cn)
{
	struct nfct_timeouts *to = &cn->timeouts;
	int i;

	for (i = 0; i < NFCT_TCP_MAX; i++)
		to->tcp[i] = nfct_tcp_default_timeouts[i] * HZ;
	to->tcp_unack = 300 * HZ;
	to->tcp_retrans = 300 * HZ;
	to->udp = 30 * HZ;
	to->udp_stream = 120 * HZ;
	to->icmp = 30 * HZ;
	to->icmpv6 = 30 * HZ;
	to->gre = 30 * HZ;
	to->gre_stream = 180 * HZ;
	for (i = 0; i < NFCT_SCTP_MAX; i++)
		to->sctp[i] = nfct_sctp_default_timeouts[i] * HZ;
	for (i = 0; i < NFCT_DCCP_MAX; i++)
		to->dccp[i] = nfct_dccp_default_timeouts[i] * HZ;
	cn->dccp_loose = 1;
	to->generic = 600 * HZ;
	cn->acct = 1;
	cn->timestamp = 1;
	cn->max = nfct_max_param;
	cn->tcp.loose = 1;
	cn->tcp.be_liberal = 0;
	cn->tcp.max_retrans = 3;
	cn->tcp.ignore_invalid_rst = 0;
}

/* nf_conntrack keeps tcp_max_retrans in a u8. */
static const int nfct_u8_max = U8_MAX;

#define NFCT_TIMEOUT(_name)						\
	{ .procname = _name, .maxlen = sizeof(int), .mode = 0644,	\
	  .proc_handler = proc_dointvec_jiffies }
#define NFCT_SWITCH(_name)						\
	{ .procname = _name, .maxlen = sizeof(int), .mode = 0644,	\
	  .proc_handler = proc_dointvec_minmax,				\
	  .extra1 = SYSCTL_ZERO, .extra2 = SYSCTL_ONE }

/* The order here is the order nfct_sysctl_bind() fills in .data. */
enum nfct_sysctl_index {
	NFCT_SYSCTL_COUNT,
	NFCT_SYSCTL_MAX_ENTRIES,
	NFCT_SYSCTL_PENDING,
	NFCT_SYSCTL_BUCKETS,
	NFCT_SYSCTL_GC_LONGEST,
	NFCT_SYSCTL_GC_BATCHES,
	NFCT_SYSCTL_GC_SLOW,
	NFCT_SYSCTL_ACCT,
	NFCT_SYSCTL_TIMESTAMP,
	NFCT_SYSCTL_TCP_SYN_SENT,
	NFCT_SYSCTL_TCP_SYN_RECV,
	NFCT_SYSCTL_TCP_ESTABLISHED,
	NFCT_SYSCTL_TCP_FIN_WAIT,
	NFCT_SYSCTL_TCP_CLOSE_WAIT,
	NFCT_SYSCTL_TCP_LAST_ACK,
	NFCT_SYSCTL_TCP_TIME_WAIT,
	NFCT_SYSCTL_TCP_CLOSE,
	NFCT_SYSCTL_TCP_UNACK,
	NFCT_SYSCTL_TCP_RETRANS,
	NFCT_SYSCTL_TCP_LOOSE,
	NFCT_SYSCTL_TCP_BE_LIBERAL,
	NFCT_SYSCTL_TCP_MAX_RETRANS,
	NFCT_SYSCTL_TCP_IGNORE_INVALID_RST,
	NFCT_SYSCTL_UDP,
	NFCT_SYSCTL_UDP_STREAM,
	NFCT_SYSCTL_ICMP,
	NFCT_SYSCTL_ICMPV6,
	NFCT_SYSCTL_GRE,
	NFCT_SYSCTL_GRE_STREAM,
	NFCT_SYSCTL_SCTP_CLOSED,
	NFCT_SYSCTL_SCTP_COOKIE_WAIT,
	NFCT_SYSCTL_SCTP_COOKIE_ECHOED,
	NFCT_SYSCTL_SCTP_ESTABLISHED,
	NFCT_SYSCTL_SCTP_SHUTDOWN_SENT,
	NFCT_SYSCTL_SCTP_SHUTDOWN_RECD,
	NFCT_SYSCTL_SCTP_SHUTDOWN_ACK_SENT,
	NFCT_SYSCTL_SCTP_HEARTBEAT_SENT,
	NFCT_SYSCTL_DCCP_REQUEST,
	NFCT_SYSCTL_DCCP_RESPOND,
	NFCT_SYSCTL_DCCP_PARTOPEN,
	NFCT_SYSCTL_DCCP_OPEN,
	NFCT_SYSCTL_DCCP_CLOSEREQ,
	NFCT_SYSCTL_DCCP_CLOSING,
	NFCT_SYSCTL_DCCP_TIMEWAIT,
	NFCT_SYSCTL_DCCP_LOOSE,
	NFCT_SYSCTL_GENERIC,
#ifdef CONFIG_FAULT_INJECTION
	NFCT_SYSCTL_FAULT_SITE,
	NFCT_SYSCTL_FAULT_TIMES,
	NFCT_SYSCTL_FAULT_INJECTED,
#endif
	NFCT_SYSCTL_MAX
};

#ifdef CONFIG_FAULT_INJECTION
static const int nfct_fault_last_site = NFCT_FAULT_SITES - 1;
#endif

/* As nf_conntrack_buckets, read-only: rhashtable sizes itself. */
static int nfct_sysctl_buckets(struct ctl_table *table, int write,
			       void *buffer, size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	unsigned int size = nfct_table_buckets(table->data);

	tmp.data = &size;
	return proc_douintvec(&tmp, write, buffer, lenp, ppos);
}

/*
 * max: a limit of the netns's own, within the module's. The root of a user
 * namespace owns the sysctls of the netns it made (unshare -Urn needs no
 * privilege), so a container could otherwise write 0, "no limit", and fill
 * kernel memory with entries. A netns whose user namespace is not the
 * initial one may therefore only set 1 up to the module parameter max
 * (anything, if that is 0: no limit anywhere); other writes fail with EPERM
 * and leave max as it was. Real root's child netns keep any value, 0 too.
 */
static int nfct_sysctl_max(struct ctl_table *table, int write,
			   void *buffer, size_t *lenp, loff_t *ppos)
{
	struct nfct_net *cn = table->data;
	struct ctl_table tmp = *table;
	int val = READ_ONCE(cn->max), ceiling, err;

	tmp.data = &val;
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (cn->net->user_ns != &init_user_ns) {
		ceiling = READ_ONCE(nfct_max_param);
		if (ceiling && (!val || val > ceiling))
			return -EPERM;
	}
	WRITE_ONCE(cn->max, val);
	return 0;
}

static const struct ctl_table nfct_sysctl_template[NFCT_SYSCTL_MAX + 1] = {
	[NFCT_SYSCTL_COUNT] = {
		.procname	= "count",
		.maxlen		= sizeof(int),
		.mode		= 0444,
		.proc_handler	= proc_dointvec,
	},
	[NFCT_SYSCTL_MAX_ENTRIES] = {
		.procname	= "max",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= nfct_sysctl_max,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_INT_MAX,
	},
	[NFCT_SYSCTL_PENDING] = {
		.procname	= "pending",
		.maxlen		= sizeof(int),
		.mode		= 0444,
		.proc_handler	= proc_dointvec,
	},
	/* The table's buckets now: it grows and shrinks with the entries. */
	[NFCT_SYSCTL_BUCKETS] = {
		.procname	= "buckets",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0444,
		.proc_handler	= nfct_sysctl_buckets,
	},
	/*
	 * Longest single GC batch in ns, an unsigned long: a u32 would wrap
	 * past 4.29 s. Write 0 to start measuring afresh.
	 */
	[NFCT_SYSCTL_GC_LONGEST] = {
		.procname	= "gc_longest_hold_ns",
		.maxlen		= sizeof(unsigned long),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
	/* GC batches so far, and those that took over 1 ms; 0 resets. */
	[NFCT_SYSCTL_GC_BATCHES] = {
		.procname	= "gc_batches",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec,
	},
	[NFCT_SYSCTL_GC_SLOW] = {
		.procname	= "gc_batches_over_1ms",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec,
	},
	[NFCT_SYSCTL_ACCT]		= NFCT_SWITCH("acct"),
	[NFCT_SYSCTL_TIMESTAMP]		= NFCT_SWITCH("timestamp"),
	[NFCT_SYSCTL_TCP_SYN_SENT]	= NFCT_TIMEOUT("tcp_timeout_syn_sent"),
	[NFCT_SYSCTL_TCP_SYN_RECV]	= NFCT_TIMEOUT("tcp_timeout_syn_recv"),
	[NFCT_SYSCTL_TCP_ESTABLISHED]	= NFCT_TIMEOUT("tcp_timeout_established"),
	[NFCT_SYSCTL_TCP_FIN_WAIT]	= NFCT_TIMEOUT("tcp_timeout_fin_wait"),
	[NFCT_SYSCTL_TCP_CLOSE_WAIT]	= NFCT_TIMEOUT("tcp_timeout_close_wait"),
	[NFCT_SYSCTL_TCP_LAST_ACK]	= NFCT_TIMEOUT("tcp_timeout_last_ack"),
	[NFCT_SYSCTL_TCP_TIME_WAIT]	= NFCT_TIMEOUT("tcp_timeout_time_wait"),
	[NFCT_SYSCTL_TCP_CLOSE]		= NFCT_TIMEOUT("tcp_timeout_close"),
	[NFCT_SYSCTL_TCP_UNACK]		= NFCT_TIMEOUT("tcp_timeout_unacknowledged"),
	[NFCT_SYSCTL_TCP_RETRANS]	= NFCT_TIMEOUT("tcp_timeout_max_retrans"),
	[NFCT_SYSCTL_TCP_LOOSE]		= NFCT_SWITCH("tcp_loose"),
	[NFCT_SYSCTL_TCP_BE_LIBERAL]	= NFCT_SWITCH("tcp_be_liberal"),
	[NFCT_SYSCTL_TCP_MAX_RETRANS] = {
		.procname	= "tcp_max_retrans",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= (void *)&nfct_u8_max,
	},
	[NFCT_SYSCTL_TCP_IGNORE_INVALID_RST] = NFCT_SWITCH("tcp_ignore_invalid_rst"),
	[NFCT_SYSCTL_UDP]		= NFCT_TIMEOUT("udp_timeout"),
	[NFCT_SYSCTL_UDP_STREAM]	= NFCT_TIMEOUT("udp_timeout_stream"),
	[NFCT_SYSCTL_ICMP]		= NFCT_TIMEOUT("icmp_timeout"),
	[NFCT_SYSCTL_ICMPV6]		= NFCT_TIMEOUT("icmpv6_timeout"),
	[NFCT_SYSCTL_GRE]		= NFCT_TIMEOUT("gre_timeout"),
	[NFCT_SYSCTL_GRE_STREAM]	= NFCT_TIMEOUT("gre_timeout_stream"),
	[NFCT_SYSCTL_SCTP_CLOSED]	= NFCT_TIMEOUT("sctp_timeout_closed"),
	[NFCT_SYSCTL_SCTP_COOKIE_WAIT]	= NFCT_TIMEOUT("sctp_timeout_cookie_wait"),
	[NFCT_SYSCTL_SCTP_COOKIE_ECHOED] = NFCT_TIMEOUT("sctp_timeout_cookie_echoed"),
	[NFCT_SYSCTL_SCTP_ESTABLISHED]	= NFCT_TIMEOUT("sctp_timeout_established"),
	[NFCT_SYSCTL_SCTP_SHUTDOWN_SENT] = NFCT_TIMEOUT("sctp_timeout_shutdown_sent"),
	[NFCT_SYSCTL_SCTP_SHUTDOWN_RECD] = NFCT_TIMEOUT("sctp_timeout_shutdown_recd"),
	[NFCT_SYSCTL_SCTP_SHUTDOWN_ACK_SENT] = NFCT_TIMEOUT("sctp_timeout_shutdown_ack_sent"),
	[NFCT_SYSCTL_SCTP_HEARTBEAT_SENT] = NFCT_TIMEOUT("sctp_timeout_heartbeat_sent"),
	[NFCT_SYSCTL_DCCP_REQUEST]	= NFCT_TIMEOUT("dccp_timeout_request"),
	[NFCT_SYSCTL_DCCP_RESPOND]	= NFCT_TIMEOUT("dccp_timeout_respond"),
	[NFCT_SYSCTL_DCCP_PARTOPEN]	= NFCT_TIMEOUT("dccp_timeout_partopen"),
	[NFCT_SYSCTL_DCCP_OPEN]		= NFCT_TIMEOUT("dccp_timeout_open"),
	[NFCT_SYSCTL_DCCP_CLOSEREQ]	= NFCT_TIMEOUT("dccp_timeout_closereq"),
	[NFCT_SYSCTL_DCCP_CLOSING]	= NFCT_TIMEOUT("dccp_timeout_closing"),
	[NFCT_SYSCTL_DCCP_TIMEWAIT]	= NFCT_TIMEOUT("dccp_timeout_timewait"),
	[NFCT_SYSCTL_DCCP_LOOSE]	= NFCT_SWITCH("dccp_loose"),
	[NFCT_SYSCTL_GENERIC]		= NFCT_TIMEOUT("generic_timeout"),
#ifdef CONFIG_FAULT_INJECTION
	/* Failures on purpose (nf_ct_fault.h): which site, how many calls. */
	[NFCT_SYSCTL_FAULT_SITE] = {
		.procname	= "fault_site",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= (void *)&nfct_fault_last_site,
	},
	[NFCT_SYSCTL_FAULT_TIMES] = {
		.procname	= "fault_times",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_INT_MAX,
	},
	[NFCT_SYSCTL_FAULT_INJECTED] = {
		.procname	= "fault_injected",
		.maxlen		= sizeof(int),
		.mode		= 0444,
		.proc_handler	= proc_dointvec,
	},
#endif
	{}
};

static void nfct_sysctl_bind(struct ctl_table *t, struct nfct_net *cn)
{
	struct nfct_timeouts *to = &cn->timeouts;

	t[NFCT_SYSCTL_COUNT].data = &cn->count.counter;
	t[NFCT_SYSCTL_MAX_ENTRIES].data = cn;
	t[NFCT_SYSCTL_PENDING].data = &cn->pending.counter;
	t[NFCT_SYSCTL_BUCKETS].data = cn;
	t[NFCT_SYSCTL_GC_LONGEST].data = &cn->gc.longest_ns;
	t[NFCT_SYSCTL_GC_BATCHES].data = &cn->gc.batches;
	t[NFCT_SYSCTL_GC_SLOW].data = &cn->gc.slow_batches;
	t[NFCT_SYSCTL_ACCT].data = &cn->acct;
	t[NFCT_SYSCTL_TIMESTAMP].data = &cn->timestamp;
	t[NFCT_SYSCTL_TCP_SYN_SENT].data = &to->tcp[NFCT_TCP_SYN_SENT];
	t[NFCT_SYSCTL_TCP_SYN_RECV].data = &to->tcp[NFCT_TCP_SYN_RECV];
	t[NFCT_SYSCTL_TCP_ESTABLISHED].data = &to->tcp[NFCT_TCP_ESTABLISHED];
	t[NFCT_SYSCTL_TCP_FIN_WAIT].data = &to->tcp[NFCT_TCP_FIN_WAIT];
	t[NFCT_SYSCTL_TCP_CLOSE_WAIT].data = &to->tcp[NFCT_TCP_CLOSE_WAIT];
	t[NFCT_SYSCTL_TCP_LAST_ACK].data = &to->tcp[NFCT_TCP_LAST_ACK];
	t[NFCT_SYSCTL_TCP_TIME_WAIT].data = &to->tcp[NFCT_TCP_TIME_WAIT];
	t[NFCT_SYSCTL_TCP_CLOSE].data = &to->tcp[NFCT_TCP_CLOSE];
	t[NFCT_SYSCTL_TCP_UNACK].data = &to->tcp_unack;
	t[NFCT_SYSCTL_TCP_RETRANS].data = &to->tcp_retrans;
	t[NFCT_SYSCTL_TCP_LOOSE].data = &cn->tcp.loose;
	t[NFCT_SYSCTL_TCP_BE_LIBERAL].data = &cn->tcp.be_liberal;
	t[NFCT_SYSCTL_TCP_MAX_RETRANS].data = &cn->tcp.max_retrans;
	t[NFCT_SYSCTL_TCP_IGNORE_INVALID_RST].data = &cn->tcp.ignore_invalid_rst;
	t[NFCT_SYSCTL_UDP].data = &to->udp;
	t[NFCT_SYSCTL_UDP_STREAM].data = &to->udp_stream;
	t[NFCT_SYSCTL_ICMP].data = &to->icmp;
	t[NFCT_SYSCTL_ICMPV6].data = &to->icmpv6;
	t[NFCT_SYSCTL_GRE].data = &to->gre;
	t[NFCT_SYSCTL_GRE_STREAM].data = &to->gre_stream;
	/*
	 * nf_conntrack has no sysctl for the NONE slots: each follows the
	 * first state's (CLOSED, REQUEST) there only at load, and so here.
	 */
	t[NFCT_SYSCTL_SCTP_CLOSED].data = &to->sctp[NFCT_SCTP_CLOSED];
	t[NFCT_SYSCTL_SCTP_COOKIE_WAIT].data = &to->sctp[NFCT_SCTP_COOKIE_WAIT];
	t[NFCT_SYSCTL_SCTP_COOKIE_ECHOED].data = &to->sctp[NFCT_SCTP_COOKIE_ECHOED];
	t[NFCT_SYSCTL_SCTP_ESTABLISHED].data = &to->sctp[NFCT_SCTP_ESTABLISHED];
	t[NFCT_SYSCTL_SCTP_SHUTDOWN_SENT].data = &to->sctp[NFCT_SCTP_SHUTDOWN_SENT];
	t[NFCT_SYSCTL_SCTP_SHUTDOWN_RECD].data = &to->sctp[NFCT_SCTP_SHUTDOWN_RECD];
	t[NFCT_SYSCTL_SCTP_SHUTDOWN_ACK_SENT].data = &to->sctp[NFCT_SCTP_SHUTDOWN_ACK_SENT];
	t[NFCT_SYSCTL_SCTP_HEARTBEAT_SENT].data = &to->sctp[NFCT_SCTP_HEARTBEAT_SENT];
	t[NFCT_SYSCTL_DCCP_REQUEST].data = &to->dccp[NFCT_DCCP_REQUEST];
	t[NFCT_SYSCTL_DCCP_RESPOND].data = &to->dccp[NFCT_DCCP_RESPOND];
	t[NFCT_SYSCTL_DCCP_PARTOPEN].data = &to->dccp[NFCT_DCCP_PARTOPEN];
	t[NFCT_SYSCTL_DCCP_OPEN].data = &to->dccp[NFCT_DCCP_OPEN];
	t[NFCT_SYSCTL_DCCP_CLOSEREQ].data = &to->dccp[NFCT_DCCP_CLOSEREQ];
	t[NFCT_SYSCTL_DCCP_CLOSING].data = &to->dccp[NFCT_DCCP_CLOSING];
	t[NFCT_SYSCTL_DCCP_TIMEWAIT].data = &to->dccp[NFCT_DCCP_TIMEWAIT];
	t[NFCT_SYSCTL_DCCP_LOOSE].data = &cn->dccp_loose;
	t[NFCT_SYSCTL_GENERIC].data = &to->generic;
#ifdef CONFIG_FAULT_INJECTION
	t[NFCT_SYSCTL_FAULT_SITE].data = &cn->fault.site;
	t[NFCT_SYSCTL_FAULT_TIMES].data = &cn->fault.times.counter;
	t[NFCT_SYSCTL_FAULT_INJECTED].data = &cn->fault.injected.counter;
#endif
}

int nfct_sysctl_net_init(struct nfct_net *cn)
{
	struct ctl_table *t;

	nfct_sysctl_defaults(cn);
	t = kmemdup(nfct_sysctl_template, sizeof(nfct_sysctl_template), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	nfct_sysctl_bind(t, cn);
	cn->sysctl = register_net_sysctl(cn->net, "net/nf_ct", t);
	if (!cn->sysctl) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

void nfct_sysctl_net_exit(struct nfct_net *cn)
{
	struct ctl_table *t = cn->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(cn->sysctl);
	kfree(t);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/nf_ct: one line per connection in exactly the format of
 * /proc/net/nf_conntrack, so tools and tests read either file the same way;
 * /proc/net/stat/nf_ct: the per-CPU counters of /proc/net/stat/nf_conntrack.
 *
 * The names nf_conntrack are also published, as links to nf_ct, in
 * every netns while the kernel's nf_conntrack is not loaded. A module
 * notifier withdraws the links before nf_conntrack's init creates its own
 * files (a duplicate proc name would make its load fail) and restores them
 * after it unloads. A load of nf_conntrack already under way when nf_ct
 * loads (its COMING event came before our notifier) is seen by its sysfs
 * directory, there from before its init until after its exit.
 */
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/netfilter.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>

#include "nf_ct.h"

#define NFCT_KERNEL_CT_MODULE	"nf_conntrack"

static DEFINE_MUTEX(nfct_proc_mutex);	/* guards the two below and proc_link */
static LIST_HEAD(nfct_proc_nets);
static bool nfct_kernel_ct_coming;

static void nfct_seq_print_tuple(struct seq_file *s, const struct nfct_tuple *t)
{
	nfct_l3_of(t)->print(s, t);
	switch (t->protonum) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		seq_printf(s, "sport=%hu dport=%hu ", ntohs(t->sport), ntohs(t->dport));
		break;
	case IPPROTO_GRE:
		seq_printf(s, "srckey=0x%x dstkey=0x%x ", ntohs(t->sport), ntohs(t->dport));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		seq_printf(s, "type=%u code=%u id=%u ", t->icmp.type, t->icmp.code,
			   ntohs(t->sport));
		break;
	}
}

static void nfct_seq_print_acct(struct seq_file *s, const struct nfct_conn *ct,
				enum nfct_dir dir)
{
	if (!test_bit(NFCT_ACCT, &ct->status))
		return;
	seq_printf(s, "packets=%llu bytes=%llu ",
		   (u64)atomic64_read(&ct->acct[dir].packets),
		   (u64)atomic64_read(&ct->acct[dir].bytes));
}

/*
 * Field order and spacing follow nf_conntrack's ct_seq_show with mark, zones
 * and timestamps compiled in, as distribution kernels have them.
 */
void nfct_seq_print_conn(struct seq_file *s, const struct nfct_conn *ct,
			 unsigned int use)
{
	const struct nfct_tuple *orig = nfct_tuple_of(ct, NFCT_DIR_ORIGINAL);
	const struct nfct_l4proto *l4 = nfct_l4proto_find(orig->protonum);
	const struct nfct_l3proto *l3 = nfct_l3_of(orig);
	s64 delta = ktime_get_real_ns() - ct->start_ns;

	seq_printf(s, "%-8s %u %-8s %u %ld ", l3->name, l3->family, l4->name,
		   orig->protonum, (long)nfct_expires(ct) / HZ);
	if (l4->state_name)
		seq_printf(s, "%s ", l4->state_name(ct));
	if (l4->print)
		l4->print(s, ct);
	nfct_seq_print_tuple(s, orig);
	nfct_seq_print_acct(s, ct, NFCT_DIR_ORIGINAL);
	if (!test_bit(NFCT_SEEN_REPLY, &ct->status))
		seq_puts(s, "[UNREPLIED] ");
	nfct_seq_print_tuple(s, nfct_tuple_of(ct, NFCT_DIR_REPLY));
	nfct_seq_print_acct(s, ct, NFCT_DIR_REPLY);
	if (test_bit(NFCT_ASSURED, &ct->status))
		seq_puts(s, "[ASSURED] ");
	seq_puts(s, "mark=0 zone=0 ");
	if (test_bit(NFCT_TSTAMP, &ct->status))
		seq_printf(s, "delta-time=%llu ",
			   delta > 0 ? div_u64(delta, NSEC_PER_SEC) : 0ULL);
	seq_printf(s, "use=%u\n", use);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_seq_print_conn);

/*
 * Reader state. The walk resumes after the entry it gave last, in the
 * table's own order that resizes keep (nfct_table_walk_next): a long
 * listing costs one pass, not a re-walk per chunk, and a table growing or
 * shrinking meanwhile neither repeats an entry nor drops one.
 */
struct nfct_proc_iter {
	struct nfct_net *cn;
	struct nfct_walk_pos before;	/* the walk before the entry at pos */
	struct nfct_walk_pos at;	/* at it */
	loff_t pos;		/* index of the entry at @at; -1 before the first */
};

static bool nfct_proc_listed(const struct nfct_tuple_node *n)
{
	const struct nfct_conn *ct = nfct_conn_of(n);

	return n->dir == NFCT_DIR_ORIGINAL &&
	       nfct_conn_confirmed(ct) &&
	       !test_bit(NFCT_DYING, &ct->status) && !nfct_is_expired(ct);
}

/* The entry after the last one returned, which becomes the last. */
static struct nfct_tuple_node *nfct_proc_advance(struct nfct_proc_iter *it)
{
	struct nfct_walk_pos at;
	struct nfct_tuple_node *n;

	n = nfct_table_walk_next(it->cn, &it->at, &at, nfct_proc_listed);
	if (n) {
		it->before = it->at;
		it->at = at;
	}
	return n;
}

static void *nfct_seq_start(struct seq_file *s, loff_t *pos)
	__acquires(RCU)
{
	struct nfct_proc_iter *it = s->private;
	struct nfct_tuple_node *n = NULL;

	rcu_read_lock();
	if (*pos < it->pos) {
		memset(&it->before, 0, sizeof(it->before));
		memset(&it->at, 0, sizeof(it->at));
		it->pos = -1;
	}
	if (*pos == it->pos)	/* the entry that did not fit last time, again */
		return nfct_table_walk_next(it->cn, &it->before, &it->at, nfct_proc_listed);
	/* Past the end, the walk stays where its last entry was: NULL again. */
	while (it->pos < *pos) {
		n = nfct_proc_advance(it);
		if (!n)
			break;
		it->pos++;
	}
	return n;
}

static void *nfct_seq_next(struct seq_file *s, void *v, loff_t *pos)
{
	struct nfct_proc_iter *it = s->private;
	struct nfct_tuple_node *n;

	++*pos;
	n = nfct_proc_advance(it);
	if (n)
		it->pos = *pos;
	return n;
}

static void nfct_seq_stop(struct seq_file *s, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static int nfct_seq_show(struct seq_file *s, void *v)
{
	struct nfct_conn *ct = nfct_conn_of(v);

	/* Hold the entry while printing, as nf_conntrack does: use= counts it. */
	if (!refcount_inc_not_zero(&ct->use))
		return 0;
	nfct_seq_print_conn(s, ct, refcount_read(&ct->use));
	nfct_conn_put(ct);
	return 0;
}

static const struct seq_operations nfct_seq_ops = {
	.start	= nfct_seq_start,
	.next	= nfct_seq_next,
	.stop	= nfct_seq_stop,
	.show	= nfct_seq_show,
};

static int nfct_proc_open(struct inode *inode, struct file *file)
{
	struct nfct_net *cn = pde_data(inode);
	struct nfct_proc_iter *it;

	if (!maybe_get_net(cn->net))
		return -ENXIO;
	it = __seq_open_private(file, &nfct_seq_ops, sizeof(*it));
	if (!it) {
		put_net(cn->net);
		return -ENOMEM;
	}
	it->cn = cn;
	it->pos = -1;
	return 0;
}

static int nfct_proc_release(struct inode *inode, struct file *file)
{
	struct seq_file *s = file->private_data;
	struct nfct_proc_iter *it = s->private;
	struct net *net = it->cn->net;

	put_net(net);
	return seq_release_private(inode, file);
}

static const struct proc_ops nfct_proc_ops = {
	.proc_open	= nfct_proc_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= nfct_proc_release,
};

/*
 * /proc/net/stat/nf_ct: a header, then one row per possible CPU, in the
 * columns of /proc/net/stat/nf_conntrack. Like nf_conntrack, every row
 * repeats the netns's entry count.
 */
static void *nfct_stat_cpu(struct seq_file *s, loff_t *pos, int from)
{
	struct nfct_net *cn = pde_data(file_inode(s->file));
	int cpu;

	for (cpu = from; cpu < nr_cpu_ids; cpu++) {
		if (!cpu_possible(cpu))
			continue;
		*pos = cpu + 1;
		return per_cpu_ptr(cn->stat, cpu);
	}
	return NULL;
}

static void *nfct_stat_start(struct seq_file *s, loff_t *pos)
{
	return *pos ? nfct_stat_cpu(s, pos, *pos - 1) : SEQ_START_TOKEN;
}

static void *nfct_stat_next(struct seq_file *s, void *v, loff_t *pos)
{
	void *next = nfct_stat_cpu(s, pos, *pos);

	if (!next)
		(*pos)++;
	return next;
}

static void nfct_stat_stop(struct seq_file *s, void *v)
{
}

static int nfct_stat_show(struct seq_file *s, void *v)
{
	const struct nfct_net *cn = pde_data(file_inode(s->file));
	const struct nfct_stat *st = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(s, "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n");
		return 0;
	}
	seq_printf(s, "%08x  %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x  %08x %08x %08x %08x\n",
		   atomic_read(&cn->count), st->clash_resolve, st->found, 0,
		   st->invalid, 0, 0, st->chaintoolong, st->insert,
		   st->insert_failed, st->drop, st->early_drop, st->error,
		   0, 0, 0, st->search_restart);
	return 0;
}

static const struct seq_operations nfct_stat_seq_ops = {
	.start	= nfct_stat_start,
	.next	= nfct_stat_next,
	.stop	= nfct_stat_stop,
	.show	= nfct_stat_show,
};

/* Caller holds nfct_proc_mutex. */
static void nfct_proc_link(struct nfct_net *cn, bool on)
{
	struct net *net = cn->net;

	if (on && !cn->proc_link) {
		cn->proc_link = proc_symlink("nf_conntrack", net->proc_net, "nf_ct");
		if (cn->proc_link &&
		    !proc_symlink("nf_conntrack", net->proc_net_stat, "nf_ct")) {
			remove_proc_entry("nf_conntrack", net->proc_net);
			cn->proc_link = false;
		}
	} else if (!on && cn->proc_link) {
		remove_proc_entry("nf_conntrack", net->proc_net_stat);
		remove_proc_entry("nf_conntrack", net->proc_net);
		cn->proc_link = false;
	}
}

static bool nfct_kernel_ct_present(void)
{
	/* nf_conntrack sets nf_ct_hook once it is up; the notifier covers its init. */
	return nfct_kernel_ct_coming || rcu_access_pointer(nf_ct_hook);
}

int nfct_proc_net_init(struct nfct_net *cn)
{
	/* Same owners and modes as nf_conntrack's files. */
	if (!proc_create_data("nf_ct", 0440, cn->net->proc_net, &nfct_proc_ops, cn))
		return -ENOMEM;
	if (!proc_create_seq_data("nf_ct", 0444, cn->net->proc_net_stat,
				  &nfct_stat_seq_ops, cn)) {
		remove_proc_entry("nf_ct", cn->net->proc_net);
		return -ENOMEM;
	}
	mutex_lock(&nfct_proc_mutex);
	list_add(&cn->list, &nfct_proc_nets);
	nfct_proc_link(cn, !nfct_kernel_ct_present());
	mutex_unlock(&nfct_proc_mutex);
	return 0;
}

void nfct_proc_net_exit(struct nfct_net *cn)
{
	mutex_lock(&nfct_proc_mutex);
	nfct_proc_link(cn, false);
	list_del(&cn->list);
	mutex_unlock(&nfct_proc_mutex);
	remove_proc_entry("nf_ct", cn->net->proc_net_stat);
	remove_proc_entry("nf_ct", cn->net->proc_net);
}

static int nfct_module_event(struct notifier_block *nb, unsigned long event,
			     void *data)
{
	struct module *mod = data;
	struct nfct_net *cn;
	bool coming;

	if (strcmp(mod->name, NFCT_KERNEL_CT_MODULE))
		return NOTIFY_DONE;
	if (event == MODULE_STATE_COMING)
		coming = true;
	else if (event == MODULE_STATE_GOING)
		coming = false;
	else
		return NOTIFY_DONE;

	mutex_lock(&nfct_proc_mutex);
	nfct_kernel_ct_coming = coming;
	list_for_each_entry(cn, &nfct_proc_nets, list)
		nfct_proc_link(cn, !coming);
	mutex_unlock(&nfct_proc_mutex);
	return NOTIFY_OK;
}

static struct notifier_block nfct_module_nb = {
	.notifier_call = nfct_module_event,
};

/* Is nf_conntrack in the kernel's module list, in any state? */
static bool nfct_kernel_ct_listed(void)
{
	struct path path;

	if (kern_path("/sys/module/" NFCT_KERNEL_CT_MODULE, LOOKUP_DIRECTORY, &path))
		return false;
	path_put(&path);
	return true;
}

int nfct_proc_init(void)
{
	int err = register_module_notifier(&nfct_module_nb);

	if (err)
		return err;
	/*
	 * Registered first, then looked: a load that starts from now on is
	 * seen by the notifier, one already past its COMING event by sysfs.
	 * Loaded and up, it has set nf_ct_hook; listed without it, it is on
	 * its way in, and its GOING event (its init failed) or its unload
	 * clears the mark.
	 */
	mutex_lock(&nfct_proc_mutex);
	if (!rcu_access_pointer(nf_ct_hook) && nfct_kernel_ct_listed())
		nfct_kernel_ct_coming = true;
	mutex_unlock(&nfct_proc_mutex);
	return 0;
}

void nfct_proc_exit(void)
{
	unregister_module_notifier(&nfct_module_nb);
}

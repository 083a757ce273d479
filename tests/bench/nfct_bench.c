// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark driver, never shipped: feeds prebuilt IPv4 UDP packets through
 * the netfilter hooks of the writer's network namespace, PREROUTING then
 * LOCAL_IN, as a received packet meets them. Whatever tracker is loaded
 * (nf_ct, the kernel's nf_conntrack, or none) sees them exactly as it sees
 * real traffic, so the same work measures each of them, with no socket,
 * device or scheduler cost in the figures.
 *
 * Flow i is 10.200.0.0 + i / 50000 : 10000 + i % 50000 -> 10.9.0.1:9.
 * Commands, written to /sys/kernel/debug/nfct_bench from inside the netns,
 * name the device the packets arrive on (not loopback: trackers skip it):
 *   fill DEV N          flows 0..N-1, one packet each
 *   walk DEV N COUNT    COUNT packets over flows 0..N-1 in a scrambled order
 *   gaps MS             the noise floor: for MS ms, spin in 1 ms slices as a
 *                       GC batch runs (in an RCU read section) and report
 *                       the longest time the CPU was away between two clock
 *                       reads (interrupts, or the host descheduling the
 *                       virtual CPU)
 * Reading the file gives the last command's result as key=value pairs.
 */
#include <linux/debugfs.h>
#include <linux/ip.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/net_namespace.h>

#define NFCT_BENCH_PORTS	50000
#define NFCT_BENCH_PAYLOAD	32
#define NFCT_BENCH_MAX_FLOWS	(NFCT_BENCH_PORTS * 256)

static DEFINE_MUTEX(nfct_bench_lock);
static char nfct_bench_result[256];
static struct dentry *nfct_bench_file;

struct nfct_bench_run {
	u64 ns;
	unsigned int sent;
	unsigned int passed;	/* both hooks accepted */
};

static int nfct_bench_okfn(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	return 0;
}

static struct sk_buff *nfct_bench_skb(struct net_device *dev)
{
	unsigned int len = sizeof(struct iphdr) + sizeof(struct udphdr) + NFCT_BENCH_PAYLOAD;
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + len, GFP_KERNEL);
	struct iphdr *iph;

	if (!skb)
		return NULL;
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, len);
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->tot_len = htons(len);
	iph->daddr = htonl(0x0a090001);
	skb_set_transport_header(skb, sizeof(*iph));
	udp_hdr(skb)->dest = htons(9);
	udp_hdr(skb)->len = htons(len - sizeof(*iph));
	/* The trackers would verify a checksum nobody computed. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->protocol = htons(ETH_P_IP);
	skb->pkt_type = PACKET_HOST;
	skb->dev = dev;
	return skb;
}

/*
 * Make the prebuilt packet flow @i's, as fresh as a newly received one. The
 * destination too: a DNAT rule rewrote the last one.
 */
static void nfct_bench_aim(struct sk_buff *skb, unsigned int i, u16 ip_id)
{
	struct iphdr *iph = ip_hdr(skb);

	nf_reset_ct(skb);
	iph->saddr = htonl(0x0ac80000 + i / NFCT_BENCH_PORTS);
	iph->daddr = htonl(0x0a090001);
	iph->id = htons(ip_id);
	ip_send_check(iph);
	udp_hdr(skb)->source = htons(10000 + i % NFCT_BENCH_PORTS);
	udp_hdr(skb)->dest = htons(9);
}

/* One packet through PREROUTING and LOCAL_IN; false if a hook took it. */
static bool nfct_bench_one(struct net *net, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	bool passed;

	local_bh_disable();
	passed = nf_hook(NFPROTO_IPV4, NF_INET_PRE_ROUTING, net, NULL, skb,
			 dev, NULL, nfct_bench_okfn) == 1 &&
		 nf_hook(NFPROTO_IPV4, NF_INET_LOCAL_IN, net, NULL, skb,
			 dev, NULL, nfct_bench_okfn) == 1;
	local_bh_enable();
	return passed;
}

/* Send @count packets; flow_of(k) names the flow of the k-th. */
static int nfct_bench_send(struct net *net, struct net_device *dev,
			   unsigned int count,
			   unsigned int (*flow_of)(unsigned int k, unsigned int n),
			   unsigned int n, struct nfct_bench_run *run)
{
	struct sk_buff *skb = nfct_bench_skb(dev);
	unsigned int k;
	u64 start;

	if (!skb)
		return -ENOMEM;
	start = ktime_get_ns();
	for (k = 0; k < count; k++) {
		nfct_bench_aim(skb, flow_of(k, n), k);
		run->sent++;
		if (nfct_bench_one(net, skb)) {
			run->passed++;
		} else {
			/* Dropped or stolen: the hook freed it. */
			skb = nfct_bench_skb(dev);
			if (!skb)
				break;
		}
		if (k % 256 == 255) {
			cond_resched();
			if (fatal_signal_pending(current))
				break;
		}
	}
	run->ns = ktime_get_ns() - start;
	if (skb) {
		nf_reset_ct(skb);
		kfree_skb(skb);
	}
	return run->sent == count ? 0 : -EINTR;
}

static unsigned int nfct_bench_in_order(unsigned int k, unsigned int n)
{
	return k;
}

/* A fixed odd multiplier visits every flow once per n packets, out of order. */
static unsigned int nfct_bench_scrambled(unsigned int k, unsigned int n)
{
	return (u32)(((u64)k * 2654435761u) % n);
}

static __printf(1, 2) void nfct_bench_set_result(const char *fmt, ...)
{
	va_list args;

	mutex_lock(&nfct_bench_lock);
	va_start(args, fmt);
	vsnprintf(nfct_bench_result, sizeof(nfct_bench_result), fmt, args);
	va_end(args);
	mutex_unlock(&nfct_bench_lock);
}

/*
 * A GC batch that did little work can still take milliseconds of wall time
 * when the CPU is taken from it; this measures how long that can be here.
 */
static int nfct_bench_gaps(unsigned int ms)
{
	u64 end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	u64 longest = 0, over = 0, slices = 0;

	if (!ms || ms > 600 * MSEC_PER_SEC)
		return -EINVAL;
	while (ktime_get_ns() < end) {
		u64 slice_end, prev, now, gap, slice_longest = 0;

		rcu_read_lock();
		prev = ktime_get_ns();
		slice_end = prev + NSEC_PER_MSEC;
		do {
			now = ktime_get_ns();
			gap = now - prev;
			slice_longest = max(slice_longest, gap);
			prev = now;
		} while (now < slice_end);
		rcu_read_unlock();
		longest = max(longest, slice_longest);
		/* A slice meant to last 1 ms that took 2: as a GC batch over budget. */
		if (slice_longest > NSEC_PER_MSEC)
			over++;
		slices++;
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	nfct_bench_set_result("op=gaps slices=%llu slices_with_gap_over_1ms=%llu longest_gap_ns=%llu\n",
			      slices, over, longest);
	return 0;
}

static ssize_t nfct_bench_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct net *net = current->nsproxy->net_ns;
	struct nfct_bench_run run = {};
	char buf[64], op[8], name[IFNAMSIZ];
	struct net_device *dev;
	unsigned int n, count;
	int err, args;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "gaps %u", &n) == 1)
		return nfct_bench_gaps(n) ?: len;
	count = 0;
	args = sscanf(buf, "%7s %15s %u %u", op, name, &n, &count);
	if (args < 3 || !n || n > NFCT_BENCH_MAX_FLOWS)
		return -EINVAL;
	if (!(!strcmp(op, "fill") && args == 3) &&
	    !(!strcmp(op, "walk") && args == 4 && count))
		return -EINVAL;
	dev = dev_get_by_name(net, name);
	if (!dev)
		return -ENODEV;
	if (op[0] == 'f')
		err = nfct_bench_send(net, dev, n, nfct_bench_in_order, n, &run);
	else
		err = nfct_bench_send(net, dev, count, nfct_bench_scrambled, n, &run);
	dev_put(dev);
	nfct_bench_set_result("op=%s flows=%u sent=%u passed=%u ns=%llu ns_per_packet=%llu\n",
			      op, n, run.sent, run.passed, run.ns,
			      run.sent ? div_u64(run.ns, run.sent) : 0);
	return err ? err : len;
}

static ssize_t nfct_bench_read(struct file *file, char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&nfct_bench_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, nfct_bench_result,
				      strlen(nfct_bench_result));
	mutex_unlock(&nfct_bench_lock);
	return ret;
}

static const struct file_operations nfct_bench_fops = {
	.owner	= THIS_MODULE,
	.write	= nfct_bench_write,
	.read	= nfct_bench_read,
	.llseek	= default_llseek,
};

static int __init nfct_bench_init(void)
{
	nfct_bench_file = debugfs_create_file("nfct_bench", 0600, NULL, NULL,
					      &nfct_bench_fops);
	return 0;
}

static void __exit nfct_bench_exit(void)
{
	debugfs_remove(nfct_bench_file);
}

module_init(nfct_bench_init);
module_exit(nfct_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nf_ct benchmark driver: prebuilt packets through the netfilter hooks");

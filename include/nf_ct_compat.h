/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, all in one place. The reference target is
 * Debian 12's 6.1; anything another kernel needs is added here, not spread
 * through the code.
 */
#ifndef _NF_CT_COMPAT_H
#define _NF_CT_COMPAT_H

#include <linux/version.h>

/* EXPORT_SYMBOL_IF_KUNIT: internals reach the KUnit module only in KUnit builds. */
#include <kunit/visibility.h>

#endif /* _NF_CT_COMPAT_H */

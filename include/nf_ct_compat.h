/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, all in one place. The reference target is
 * Debian 12's 6.1; anything another kernel needs is added here, not spread
 * through the code.
 */
#ifndef _NF_CT_COMPAT_H
#define _NF_CT_COMPAT_H

#include <linux/version.h>

#if __has_include(<kunit/visibility.h>)
#include <kunit/visibility.h>
#else
#define VISIBLE_IF_KUNIT static
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

#endif /* _NF_CT_COMPAT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test hooks.  A function that starts with SECMMU_TEST_HOOK() can be
 * replaced by a KUnit test (kunit_activate_static_stub()) to inject an
 * event at that point, e.g. an invalidation between GUP and install.
 * Without the KUnit suites built in, the hook is nothing.  A hook on a
 * hot path (aging's per-leaf one, the remote flush's wait) is defined
 * only with CONFIG_SECMMU_KUNIT_TEST and is an empty static inline in its
 * header otherwise, so that it is not even a call.
 */
#ifndef _SECMMU_TESTHOOK_H
#define _SECMMU_TESTHOOK_H

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
#include <kunit/static_stub.h>
#define SECMMU_TEST_HOOK(fn, args...)	KUNIT_STATIC_STUB_REDIRECT(fn, args)
#else
#define SECMMU_TEST_HOOK(fn, args...)	((void)(fn))
#endif

#endif /* _SECMMU_TESTHOOK_H */

// SPDX-License-Identifier: GPL-2.0
/* The test helpers (mod/testlib.h), built into pymm_kunit.ko. */
#include "../mod/testlib.c"

// SPDX-License-Identifier: GPL-2.0
/* The test helpers (testlib.h), built into pymm_bench.ko. */
#include "testlib.c"

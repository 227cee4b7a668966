/* libFuzzer target: one syslog record through vg_parse (VG_FMT_SYSLOG); see
 * fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_init();
	fz_parse(VG_FMT_SYSLOG, data, size);
	return 0;
}

/* libFuzzer target: one aitads record through vg_parse (VG_FMT_AITADS); see
 * fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_init();
	fz_parse(VG_FMT_AITADS, data, size);
	return 0;
}

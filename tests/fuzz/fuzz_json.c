/* libFuzzer target: one json record through vg_parse (VG_FMT_JSON); see fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_init();
	fz_parse(VG_FMT_JSON, data, size);
	return 0;
}

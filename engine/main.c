/* main.c - the vigil command line (being built up). */
#include "vg_core.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct vg_diag d;
	vg_diag_init(&d);
	if (vg_fields_init(&d) != VG_OK) {
		vg_diag_print(&d, stderr);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "version") == 0)
		printf("vigil 0.1.0 (%zu fields)\n", vg_field_count());
	return 0;
}

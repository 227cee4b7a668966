/* yaml.c - checks shared by Vigil's YAML loaders (vg_yaml.h). */
#include "vg_yaml.h"

#include <string.h>

size_t vg_yaml_dup_keys(yaml_document_t *doc,
                        void (*found)(const yaml_node_t *key, const yaml_node_t *first,
                                      void *ctx),
                        void *ctx)
{
	size_t n = 0;
	for (yaml_node_t *m = doc->nodes.start; m < doc->nodes.top; m++) {
		if (m->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			const yaml_node_t *k = yaml_document_get_node(doc, p->key);
			if (!k || k->type != YAML_SCALAR_NODE)
				continue;
			for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p;
			     q++) {
				const yaml_node_t *f =
				    yaml_document_get_node(doc, q->key);
				if (f && f->type == YAML_SCALAR_NODE &&
				    f->data.scalar.length == k->data.scalar.length &&
				    !memcmp(f->data.scalar.value, k->data.scalar.value,
				            k->data.scalar.length)) {
					found(k, f, ctx);
					n++;
					break;
				}
			}
		}
	}
	return n;
}
